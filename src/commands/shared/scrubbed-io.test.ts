import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io, OutputStream } from '../../util/io.ts';
import { scrubText, withSecretsScrubbed } from './scrubbed-io.ts';

const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

function stream(isTTY: boolean): OutputStream & { text: string } {
  return {
    text: '',
    write(chunk: string) {
      this.text += chunk;
    },
    isTTY,
    columns: isTTY ? 120 : undefined,
  };
}

async function io(tty: boolean): Promise<{ io: Io; stdout: ReturnType<typeof stream>; stderr: ReturnType<typeof stream> }> {
  const cwd = await mkdtemp(join(tmpdir(), 'tagliots-scrubbed-io-'));
  made.push(cwd);
  await writeFile(join(cwd, '.credentials.json'), JSON.stringify({ m: 'sk-from-the-credentials' }));
  const stdout = stream(tty);
  const stderr = stream(tty);
  const raw: Io = { stdout, stderr, cwd, env: { MY_API_KEY: 'sk-from-the-environment' }, argv: [], onInterrupt: () => () => undefined };
  return { io: await withSecretsScrubbed(raw), stdout, stderr };
}

describe('the Io commands get', () => {
  it("scrubs the environment's and the credentials file's keys from stdout, stderr and files", async () => {
    const { io: wrapped, stdout, stderr } = await io(false);
    wrapped.stdout.write('key sk-from-the-environment\n');
    wrapped.stderr.write('key sk-from-the-credentials\n');
    expect(stdout.text).toBe('key [redacted:MY_API_KEY]\n');
    expect(stderr.text).toBe('key [redacted:credentials:m]\n');
    expect(scrubText(wrapped, 'a,sk-from-the-environment,b')).toBe('a,[redacted:MY_API_KEY],b');
    // A key a run learns later is scrubbed from then on.
    wrapped.secrets!.add([{ name: 'LATER_KEY', value: 'sk-learned-later' }]);
    wrapped.stdout.write('sk-learned-later');
    expect(stdout.text).toContain('[redacted:LATER_KEY]');
  });

  it("escapes control characters on a terminal, except tagliots's own colours, and leaves piped output as it is", async () => {
    const nasty = 'id \u001b]0;title\u0007 \u001b[2J \u001b[31mred\u001b[39m';
    const terminal = await io(true);
    terminal.io.stdout.write(nasty);
    expect(terminal.stdout.text).toBe('id \\u001b]0;title\\u0007 \\u001b[2J \u001b[31mred\u001b[39m');
    expect(terminal.io.stdout.isTTY).toBe(true);
    expect(terminal.io.stdout.columns).toBe(120);
    const piped = await io(false);
    piped.io.stdout.write(nasty);
    expect(piped.stdout.text).toBe(nasty);
  });
});
