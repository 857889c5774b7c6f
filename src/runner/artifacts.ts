/**
 * The artifact store: content a stage keeps beside the run log with ctx.artifact(), under
 * `<runs>/<run-id>.artifacts/<sha256 prefix>/<name>`. Content-addressed, so storing the same
 * content under the same name twice writes it once.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Artifact } from '../log/schema.ts';
import { findNonJson } from '../util/json.ts';

/** 1 to 128 letters, digits, '.', '_' or '-', and not `.` or `..`: a file name that stays in its folder. */
const ARTIFACT_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]{1,128}$/;

/**
 * Stores `content` (text, bytes, or JSON written pretty-printed) in the artifacts folder `dir` and
 * returns its record. `mime` defaults by kind of content. `scrub` replaces the secrets in play in
 * text and JSON content (a reply that echoed a key), as the log writer does; bytes are stored as
 * given. Throws, naming the artifact, when there is no folder, the name is not allowed or the
 * content is none of these.
 */
export async function storeArtifact(
  dir: string | undefined,
  stage: string,
  name: string,
  content: unknown,
  mime: string | undefined,
  scrub: (text: string) => string = (text) => text,
): Promise<Artifact> {
  if (!dir) throw new Error(`ctx.artifact('${name}'): this run has no artifacts folder (artifacts are stored beside the run log).`);
  if (typeof name !== 'string' || !ARTIFACT_NAME.test(name)) {
    throw new TypeError(`ctx.artifact(${JSON.stringify(name)}): the name must be 1 to 128 letters, digits, '.', '_' or '-'.`);
  }
  let bytes: Uint8Array;
  let type: string;
  if (typeof content === 'string') {
    bytes = Buffer.from(scrub(content), 'utf8');
    type = 'text/plain; charset=utf-8';
  } else if (content instanceof Uint8Array) {
    bytes = content;
    type = 'application/octet-stream';
  } else {
    const problem = findNonJson(content);
    if (problem) throw new TypeError(`ctx.artifact('${name}'): content is not a string, bytes or JSON: ${problem.replace(/^\$/, 'content')}.`);
    // A secret's marker holds no quote or backslash: the scrubbed text is still the same JSON.
    bytes = Buffer.from(scrub(`${JSON.stringify(content, null, 2)}\n`), 'utf8');
    type = 'application/json';
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const folder = join(dir, sha256.slice(0, 16));
  await mkdir(folder, { recursive: true });
  try {
    await writeFile(join(folder, name), bytes, { flag: 'wx' });
  } catch (error) {
    // Content-addressed: the same content under the same name is already there.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { stage, name, path: `${basename(dir)}/${sha256.slice(0, 16)}/${name}`, sha256, bytes: bytes.byteLength, mime: mime ?? type };
}
