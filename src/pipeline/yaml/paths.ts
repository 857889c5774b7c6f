/**
 * Dotted paths of YAML pipelines (`case.question`, `stages.infer.answer`, `config.infer.model`),
 * read from the stage context. Unlike config paths, they may index arrays (`stages.extract.0`).
 */
export function readPath(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const segment of path.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(segment)) node = node[Number(segment)];
    else if (typeof node === 'object' && node !== null && Object.hasOwn(node, segment)) node = (node as Record<string, unknown>)[segment];
    else return undefined;
  }
  return node;
}

/** What dotted paths read: a stage context, a case result or what expected() sees. */
export interface PathSource {
  readonly case: unknown;
  readonly stages: unknown;
  readonly config: unknown;
  readonly turn?: number | null | undefined;
  readonly turnCase?: unknown;
  readonly turns?: unknown;
}

/**
 * The root dotted paths are read from: `case`, `stages`, `config`, and the turn of a multi-turn
 * case (`turn`, `turnCase`, `turns`; `null`, the case and `[]` for a single-turn case).
 */
export function pathRoot(ctx: PathSource): Record<string, unknown> {
  return {
    case: ctx.case,
    stages: ctx.stages,
    config: ctx.config,
    turn: ctx.turn ?? null,
    turnCase: ctx.turnCase ?? ctx.case,
    turns: ctx.turns ?? [],
  };
}

/** A template variable's spec: a dotted path, or `{ path, default }`. */
export type VarSource = string | { readonly path: string; readonly default?: unknown };

/**
 * The value of a template variable: the value at its path, else its default; undefined when the
 * path has no value and there is no default.
 */
export function readVar(root: unknown, spec: VarSource): unknown {
  if (typeof spec === 'string') return readPath(root, spec);
  const value = readPath(root, spec.path);
  return value === undefined ? spec.default : value;
}

/** The dotted path of a variable's spec, for messages. */
export function varPath(spec: VarSource): string {
  return typeof spec === 'string' ? spec : spec.path;
}
