import type { Io, OutputStream } from '../util/io.ts';

function outputOf(stream: NodeJS.WriteStream): OutputStream {
  // A closed pipe (`tagliots summarize latest | head`) is not an error worth a stack trace.
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  return {
    write: (text) => void stream.write(text),
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.isTTY ? stream.columns : undefined;
    },
  };
}

/** The real Io: the only place that touches process streams, environment and signals. */
export function createProcessIo(argv: readonly string[]): Io {
  const handlers = new Set<() => void>();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    for (const handler of handlers) handler();
    if (interrupts >= 3) {
      process.stderr.write('\nInterrupted three times: exiting now. The run log keeps every case already finished.\n');
      process.exit(130);
    }
  };
  return {
    stdout: outputOf(process.stdout),
    stderr: outputOf(process.stderr),
    env: process.env,
    cwd: process.cwd(),
    argv,
    onInterrupt(handler) {
      if (handlers.size === 0) {
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
        if (handlers.size === 0) {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      };
    },
  };
}

/** Waits until everything written to stdout and stderr has been handed to the OS. */
export function drainOutput(): Promise<void> {
  const drain = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      if (stream.writableLength === 0) return resolve();
      stream.write('', () => resolve());
    });
  return Promise.all([drain(process.stdout), drain(process.stderr)]).then(() => undefined);
}
