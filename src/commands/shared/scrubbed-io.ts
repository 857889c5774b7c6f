/**
 * The terminal and file boundary of the secret scrubber (src/util/scrub.ts): the CLI hands every
 * command an Io whose stdout and stderr scrub each write (and, on a terminal, escape control
 * characters tagliots did not write itself), and output files are scrubbed as they are written
 * (`scrubText`).
 */
import { secretsInEnv } from '../../config/secrets.ts';
// Imported statically: every command needs it before it prints, and a dynamic import would load
// its modules as more files at start-up.
import { knownSecrets } from '../../model/known-secrets.ts';
import type { Io, OutputStream } from '../../util/io.ts';
import { SecretScrubber } from '../../util/scrub.ts';
import { escapeForeignControls } from '../../util/terminal-text.ts';

/**
 * `io` with a scrubber holding every secret its working folder and environment make available,
 * and stdout and stderr that scrub what is written to them. A run adds its models' keys to the
 * same scrubber, so they are scrubbed from the terminal too.
 */
export async function withSecretsScrubbed(io: Io): Promise<Io> {
  const secrets = io.secrets ?? new SecretScrubber();
  try {
    secrets.add(await knownSecrets({ cwd: io.cwd, env: io.env }));
  } catch {
    // A folder that cannot be searched: the secrets of the environment still count.
    secrets.add(secretsInEnv(io.env));
  }
  return { ...io, stdout: scrubbedStream(io.stdout, secrets), stderr: scrubbedStream(io.stderr, secrets), secrets };
}

/** Scrubs every write; on a terminal, also escapes control characters tagliots did not write itself. */
function scrubbedStream(stream: OutputStream, secrets: SecretScrubber): OutputStream {
  return {
    write: (text) => stream.write(stream.isTTY ? escapeForeignControls(secrets.text(text)) : secrets.text(text)),
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
  };
}

/** `text` without the secrets `io` knows of: for what a command writes to a file. */
export function scrubText(io: Io, text: string): string {
  return io.secrets ? io.secrets.text(text) : text;
}
