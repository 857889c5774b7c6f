/**
 * Facts about the running process, and the defaults a library call takes from it. With the CLI's
 * Io (src/cli/process-io.ts), the only code that reads `process`: everything else gets its working
 * folder, environment and output passed in, so it runs the same in a test, a notebook or the CLI.
 */

/** This process's id, for names of temporary files that other processes must not collide with. */
export const pid: number = process.pid;

/** Versions and platform, as the run log's header records them. */
export function runtimeInfo(): { readonly node: string; readonly platform: string } {
  return { node: process.versions.node, platform: `${process.platform}-${process.arch}` };
}

/** The working folder of the process: the default of library calls given no `cwd`. */
export function processCwd(): string {
  return process.cwd();
}

/** The environment of the process: the default of library calls given no `env`. */
export function processEnv(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

/**
 * Turns on source maps for stack traces, so errors in users' TypeScript pipelines point at their
 * own lines. Enabled only once project code is loaded: Node would otherwise also parse the maps
 * of every tagliots chunk at start-up.
 */
export function enableSourceMaps(): void {
  process.setSourceMapsEnabled(true);
}
