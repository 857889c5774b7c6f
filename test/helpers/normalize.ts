/**
 * Replaces what changes from one run to the next (run ids, times, durations, temp folders, git
 * state) with stable placeholders, so CLI output can be compared with inline snapshots.
 */
import { tmpdir } from 'node:os';
import { relative } from 'node:path';

export interface NormalizeOptions {
  /** Folders to replace by name, e.g. `{ RUNS: runsDir }`, as absolute paths and relative to `cwd`. */
  readonly paths?: Readonly<Record<string, string>>;
  /** The working directory the CLI ran in, for relative forms of `paths`. */
  readonly cwd?: string;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** UUIDv7 (run ids). Case ids in the samples are UUIDv4 and are left alone. */
const UUID_V7 = /\b[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b/gi;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})\b/g;
/** `4 ms`, `1.41 s`, `2 min 3 s` (formatDuration). */
const DURATION = String.raw`(?:\d+ min \d+ s|[\d.,]+ (?:ms|s))`;

export function normalize(text: string, options: NormalizeOptions = {}): string {
  let out = text.replace(/\r\n/g, '\n');
  // Longest first, so a path inside another (an absolute path inside its relative form) is not
  // replaced before the path that contains it.
  const forms: [name: string, form: string][] = [];
  for (const [name, path] of Object.entries(options.paths ?? {})) {
    forms.push([name, path]);
    if (options.cwd !== undefined) {
      const rel = relative(options.cwd, path);
      if (rel !== '' && rel !== path) forms.push([name, rel]);
    }
  }
  forms.sort(([, a], [, b]) => b.length - a.length);
  for (const [name, form] of forms) out = out.replace(new RegExp(`${escape(form)}(?=$|[/\\s:'")\\]])`, 'gm'), `<${name}>`);
  out = out
    .replace(UUID_V7, '<RUN_ID>')
    .replace(ISO_TIME, '<TIME>')
    .replace(new RegExp(`Duration: ${DURATION}(?: \\([\\d,]+ cases/s\\))?`, 'g'), 'Duration: <DURATION>')
    .replace(new RegExp(`${DURATION} elapsed(?: ~${DURATION} left)?`, 'g'), '<ELAPSED> elapsed')
    .replace(/\bgit: (?:[0-9a-f]{7,40}|\(no commits\))(?: \(uncommitted changes\))?/g, 'git: <GIT>');
  // Any other temp folder (mkdtemp names), absolute or relative.
  const tmp = escape(tmpdir());
  out = out.replace(new RegExp(`(?:${tmp}|(?:\\.\\./)+${escape(tmpdir().replace(/^\//, ''))})/[\\w.-]+`, 'g'), '<TMP>');
  return out;
}

/** True when `text` holds an ANSI escape sequence (colour, cursor movement, line clearing). */
export function hasAnsi(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- looking for escape characters is the point
  return /\x1b\[|\x9b/.test(text);
}

/** Lines that look like stack frames (`    at fn (file:1:2)`): user-facing errors must have none. */
export function stackFrames(text: string): string[] {
  return text.split('\n').filter((line) => /^\s+at .+/.test(line));
}
