/**
 * Runs the CLI in this process: `main(argv, io)` from src/cli/main.ts with an in-memory `Io`. What
 * the command prints is captured, the environment is the one a spawned CLI gets from run-cli.ts
 * (colours off, progress interval and terminal size fixed) plus the test's own, the working folder
 * is the test's, interrupts are fired by the test, and run ids and timestamps come from a
 * deterministic clock. Results have the shape of run-cli.ts's, so a test reads either the same way.
 *
 * What needs a real process (signals, the exit of bin/tagliots.js, the built bundle) stays with
 * run-cli.ts.
 */
import { expect } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { Io, OutputStream } from '../../src/util/io.ts';
import { stackFrames } from './normalize.ts';
import { cliEnvironment, type CliResult } from './run-cli.ts';

export interface InProcessOptions {
  readonly cwd: string;
  /** Added to (or, with undefined, removed from) the environment the command gets. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where run ids and timestamps come from. @default one clock shared by the test files of a worker */
  readonly clock?: TestClock;
  /** The width stdout reports, as a terminal of that many columns does. @default undefined (a pipe) */
  readonly columns?: number;
}

/** A run id and timestamp source whose values depend only on how often it was asked. */
export interface TestClock {
  /** A UUIDv7-shaped id at the clock's time, which then advances. */
  newRunId(): string;
  /** The clock's time, which then advances. */
  now(): Date;
}

/**
 * 2026-01-01T00:00:00Z: later than the run ids and start times of the fixture logs. Runs of the
 * spawned CLI take theirs from the system clock: where `latest` matters, a runs folder should not
 * hold runs of both.
 */
const TEST_EPOCH_MS = Date.UTC(2026, 0, 1);
/** How far a test clock moves each time it is read: ids made one after another differ early on. */
const TEST_CLOCK_STEP_MS = 1000;

/**
 * A clock starting at `startMs` that advances `stepMs` at every read. Ids are UUIDv7-shaped: the
 * clock's milliseconds, then a counter in place of the random bits, so they sort in the order they
 * were made and their shortest unique prefixes never change.
 */
export function testClock(startMs = TEST_EPOCH_MS, stepMs = TEST_CLOCK_STEP_MS): TestClock {
  let ms = startMs;
  let count = 0;
  const tick = () => {
    const at = ms;
    ms += stepMs;
    return at;
  };
  return {
    newRunId() {
      const time = tick().toString(16).padStart(12, '0');
      const serial = (count++).toString(16).padStart(15, '0');
      return `${time.slice(0, 8)}-${time.slice(8)}-7${serial.slice(0, 3)}-8000-${serial.slice(3)}`;
    },
    now: () => new Date(tick()),
  };
}

/** Shared by the invocations that name no clock (every test file a worker runs): their ids never collide. */
const fileClock = testClock();

/** A CLI invocation running in this process. */
export interface InProcessRun {
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /**
   * Fires an interrupt, as Ctrl-C or SIGTERM does: the handlers the command registered run. The
   * real Io also ends the process at the third; here the third runs the handlers like the others.
   */
  interrupt(): void;
  /** True once the command has returned. */
  ended(): boolean;
  /** Settles when the command has returned. Never rejects. */
  readonly result: Promise<CliResult>;
}

function capture(): OutputStream & { text: string } {
  return {
    text: '',
    write(chunk: string) {
      this.text += chunk;
    },
    // Like the real Io writing to a pipe: not a terminal, so no width either.
    isTTY: false,
    columns: undefined,
  };
}

/** Starts `tagliots <args>` in this process and returns at once, so a test can watch it and interrupt it. */
export function startInProcess(args: readonly string[], options: InProcessOptions): InProcessRun {
  const stdout = { ...capture(), columns: options.columns };
  const stderr = capture();
  const handlers = new Set<() => void>();
  const clock = options.clock ?? fileClock;
  let ended = false;
  const io: Io = {
    stdout,
    stderr,
    env: cliEnvironment(options.env),
    cwd: options.cwd,
    argv: args,
    onInterrupt(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    newRunId: () => clock.newRunId(),
    now: () => clock.now(),
  };
  const result = main(args, io)
    .then(
      (exitCode): number | null => exitCode,
      (error: unknown) => {
        // main() never throws; if it does, the test sees it the way a crashed process shows.
        stderr.write(`\n[in-process] main() threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        return null;
      },
    )
    .then((exitCode): CliResult => {
      ended = true;
      return { stdout: stdout.text, stderr: stderr.text, exitCode, signal: null, timedOut: false };
    });
  return {
    stdout: () => stdout.text,
    stderr: () => stderr.text,
    interrupt() {
      for (const handler of [...handlers]) handler();
    },
    ended: () => ended,
    result,
  };
}

/** Runs `tagliots <args>` in this process to the end. */
export function runInProcess(args: readonly string[], options: InProcessOptions): Promise<CliResult> {
  return startInProcess(args, options).result;
}

/**
 * A command runner for a project in `dir` whose runs go to `runsDir`: each call runs the CLI in
 * process, expects `exitCode` (0 by default) and, when it is not 0, an error without a stack trace.
 */
export function projectCli(dir: string, runsDir: string): (args: readonly string[], exitCode?: number) => Promise<CliResult> {
  return async (args, exitCode = 0) => {
    const result = await runInProcess([...args, '--runs-dir', runsDir], { cwd: dir });
    expect(result.exitCode, `${args.join(' ')}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(exitCode);
    if (exitCode !== 0) expect(stackFrames(result.stderr)).toEqual([]);
    return result;
  };
}
