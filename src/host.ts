/**
 * Facts about the running process, and the defaults a library call takes from it. With the CLI's
 * Io (src/cli/process-io.ts), the only code that reads `process`: everything else gets its working
 * folder, environment and output passed in, so it runs the same in a test, a notebook or the CLI.
 */

import { readFileSync } from 'node:fs';

/** This process's id, for names of temporary files that other processes must not collide with. */
export const pid: number = process.pid;

/**
 * A built-in module loaded on use rather than at start-up (`node:os` for a claim's host name,
 * `node:http` and `node:zlib` when `view` starts serving): modules every command imports call this
 * instead of importing the built-in, so `--help` and most commands never load it.
 */
export const builtinModule: NodeJS.Process['getBuiltinModule'] = (id: string) => process.getBuiltinModule(id) as never;

/** This machine's name, as claims on runs record it. */
export function hostName(): string {
  return builtinModule('node:os').hostname();
}

/**
 * Whether a process with id `id` exists on this machine (one we may not signal counts: it exists).
 * Says nothing of what the process is: see processStartMark for telling a reused id apart.
 */
export function processAlive(id: number): boolean {
  try {
    process.kill(id, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What tells one process with id `id` from a later one given the same id: the boot and the start
 * time of the process (Linux: `/proc`). Undefined where the system does not say.
 */
export function processStartMark(id: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
    // Field 22 (start time in clock ticks since boot) comes after the command name, which is in brackets and may hold spaces.
    const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return startTicks === undefined ? undefined : `${boot}/${startTicks}`;
  } catch {
    return undefined;
  }
}

/**
 * Runs `handler` (synchronous) when the process exits, also by `process.exit()` (a third Ctrl-C),
 * though not when it is killed. Returns a function that removes it.
 */
export function onProcessExit(handler: () => void): () => void {
  process.on('exit', handler);
  return () => void process.off('exit', handler);
}

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
