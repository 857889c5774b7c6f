import type { SecretScrubber } from './scrub.ts';

/**
 * Everything a command may use of the outside world. The CLI builds the real one from `process`;
 * tests pass an in-memory one, so commands run in-process without mocking globals.
 */
export interface Io {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The command line as typed, recorded in the run log (never containing secrets we know of). */
  readonly argv: readonly string[];
  /**
   * Registers a handler for an interrupt (Ctrl-C / SIGINT, or SIGTERM) and returns a function that
   * removes it. While any handler is registered the process does not exit on the first two
   * interrupts; on the third it exits (code 130) right after the handlers ran.
   */
  onInterrupt(handler: () => void): () => void;
  /** Makes the id of a new run (`run`, `rerun`, `resume`, `merge`). @default a new UUIDv7 */
  newRunId?(): string;
  /** The time now, for the timestamps a command records. @default the system clock */
  now?(): Date;
  /**
   * The secrets in play (API keys and the like), scrubbed from what is written to `stdout`,
   * `stderr` and output files. The CLI fills it before a command runs; a run adds its models' keys.
   */
  readonly secrets?: SecretScrubber;
}

export interface OutputStream {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Terminal width in columns, when known. */
  readonly columns: number | undefined;
}

/** True when coloured output is allowed on this stream (honours NO_COLOR and FORCE_COLOR). */
export function colorEnabled(io: Io, stream: OutputStream): boolean {
  const { NO_COLOR, FORCE_COLOR } = io.env;
  if (NO_COLOR !== undefined && NO_COLOR !== '') return false;
  if (FORCE_COLOR !== undefined) return FORCE_COLOR !== '0' && FORCE_COLOR !== 'false';
  return stream.isTTY;
}
