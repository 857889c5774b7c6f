export type YamlModule = typeof import('yaml');

let loading: Promise<YamlModule> | undefined;

/**
 * The `yaml` package, loaded on first use: most commands never read YAML. (Bundled, a dynamic
 * import of a CommonJS build may put the exports under `default`.)
 */
export function loadYaml(): Promise<YamlModule> {
  return (loading ??= import('yaml').then((m) => ((m as { default?: YamlModule }).default ?? m) as YamlModule));
}
