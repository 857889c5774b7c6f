/**
 * Runs the real CLI (`node bin/tagliots.js`, built by `npm run build`) in a child process, the way
 * a user runs it: no TTY, stdin ignored, colours off and a fixed terminal width. Only for what needs
 * a process (signals, the exit of bin/tagliots.js, the built bundle); everything else runs the CLI
 * in the test's process (in-process.ts), which is many times faster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = fileURLToPath(new URL('../../bin/tagliots.js', import.meta.url));

export interface CliOptions {
  readonly cwd: string;
  /** Added to (or, with undefined, removed from) the environment the child gets. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The child is killed (SIGKILL) after this long; `timedOut` is then true. @default 30000 */
  readonly timeoutMs?: number;
}

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  /** null when the process ended by a signal (or could not start). */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
}

/** Runs the CLI to the end: `runCli` (a child process) or `runInProcess` (in-process.ts), for tests that do both. */
export type CliRunner = (args: readonly string[], options: CliOptions) => Promise<CliResult>;

export interface CliProcess {
  readonly child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Sends a signal; false when the process has already ended. */
  kill(signal: NodeJS.Signals): boolean;
  /** True once the process has exited. */
  ended(): boolean;
  /** Settles when the process has exited and its output is closed. Never rejects. */
  readonly result: Promise<CliResult>;
}

/** Variables of the test runner's environment that would change what the CLI prints. */
const SCRUBBED = ['FORCE_COLOR', 'NO_COLOR', 'TAGLIOTS_PROGRESS_INTERVAL_MS', 'CI', 'COLUMNS', 'LINES'];

/**
 * The environment the CLI gets in tests, spawned or in process: the test runner's, without what
 * would change the output, with colours off and a fixed terminal size, plus `extra`.
 */
export function cliEnvironment(extra: CliOptions['env']): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of SCRUBBED) delete env[name];
  Object.assign(env, { NO_COLOR: '1', COLUMNS: '100', LINES: '40' });
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Starts the CLI and returns at once, so a test can watch its output and send it signals. */
export function startCli(args: readonly string[], options: CliOptions): CliProcess {
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: cliEnvironment(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 30_000);

  const result = new Promise<CliResult>((resolve) => {
    let settled = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (spawnError) stderr += `\n[run-cli] could not start the CLI: ${spawnError.message}\n`;
      if (timedOut) stderr += `\n[run-cli] killed after ${options.timeoutMs ?? 30_000} ms\n`;
      resolve({ stdout, stderr, exitCode, signal, timedOut });
    };
    child.on('error', (error) => finish(null, null, error));
    // 'close' (not 'exit'): all output has been read by then.
    child.on('close', (code, signal) => finish(code, signal));
  });

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    kill: (signal) => child.exitCode === null && child.signalCode === null && child.kill(signal),
    ended: () => child.exitCode !== null || child.signalCode !== null,
    result,
  };
}

/** Runs the CLI to the end. Never throws: a failure to start shows up as exitCode null and a note on stderr. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).result;
}
