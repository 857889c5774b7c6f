import { request } from 'node:http';
import { appendFile, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createViewServer, type ViewServer } from './view-server.ts';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/logs/', import.meta.url));
const COMPLETE = '019aa193-8a59-7b4e-a2c9-a17f3d05e6b8';
const NO_END = '019aa1da-da6e-72c7-af0b-9e41a6d35c8f';
const INTERRUPTED = '019aa199-900a-79d1-aa6e-3c25f7b80d4e';
/** A log outside the runs folder, reachable only through a symlink inside it. */
const OUTSIDE = '019aa1ff-0000-7000-8000-000000000001';
const LIVE = '019aa1ff-0000-7000-8000-000000000002';

let root: string;
let runsDir: string;
let view: ViewServer;
let port: number;

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw GET: the path goes to the server exactly as written (no URL normalisation). */
function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: headers['x-method'] ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        let body = Buffer.concat(chunks);
        if (res.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tagliots-view-'));
  runsDir = join(root, 'runs');
  await mkdir(runsDir);
  await copyFile(join(FIXTURES, 'complete.jsonl'), join(runsDir, `${COMPLETE}.jsonl`));
  await copyFile(join(FIXTURES, 'no-end.jsonl'), join(runsDir, `${NO_END}.jsonl`));
  await copyFile(join(FIXTURES, 'interrupted.jsonl'), join(runsDir, `${INTERRUPTED}.jsonl`));
  await copyFile(join(FIXTURES, 'complete.jsonl'), join(root, `${OUTSIDE}.jsonl`));
  await symlink(join(root, `${OUTSIDE}.jsonl`), join(runsDir, `${OUTSIDE}.jsonl`));
  await writeFile(join(root, 'secret.txt'), 'TOP-SECRET-CONTENT\n');
  await writeFile(join(runsDir, 'notes.txt'), 'NOTES-CONTENT\n');
  view = createViewServer({ runsDir, cwd: root });
  ({ port } = await view.listen(0));
});

afterAll(async () => {
  await view?.close();
  await rm(root, { recursive: true, force: true });
});

describe('tagliots view server', () => {
  it('listens on the loopback address only', () => {
    const address = view.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
  });

  it('serves the history page with a nonced CSP and security headers', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(res.body).toContain(`<script nonce="${nonce}">`);
    expect(csp).toContain("connect-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('lists the runs, newest first, without their local paths', async () => {
    const res = await get('/api/runs');
    const { runs } = JSON.parse(res.body) as { runs: { runId: string; status: string; path?: string }[] };
    // The symlink that leads out of the runs folder is not listed.
    expect(runs.map((r) => r.runId)).toEqual([NO_END, INTERRUPTED, COMPLETE]);
    expect(runs.find((r) => r.runId === NO_END)?.status).toBe('incomplete');
    expect(runs.every((r) => r.path === undefined)).toBe(true);
  });

  it("gives a run's rows, and only the rows after `from`", async () => {
    const all = JSON.parse((await get(`/api/runs/${COMPLETE}`)).body);
    expect(all.total).toBe(3);
    expect(all.rows.id).toHaveLength(3);
    expect(all.run.header.runId).toBe(COMPLETE);
    expect(all.run.end.status).toBe('completed');
    const tail = JSON.parse((await get(`/api/runs/${COMPLETE}?from=2`)).body);
    expect(tail.rows.id).toEqual([all.rows.id[2]]);
    expect(tail.rows.line).toEqual([2]);
  });

  it('gives the full record of a case by its line', async () => {
    const res = await get(`/api/runs/${COMPLETE}/cases/2`);
    const lines = (await readFile(join(runsDir, `${COMPLETE}.jsonl`), 'utf8')).split('\n');
    expect(JSON.parse(res.body)).toEqual(JSON.parse(lines[3]!));
    expect((await get(`/api/runs/${COMPLETE}/cases/3`)).status).toBe(404);
  });

  it('compresses large responses for clients that accept gzip', async () => {
    await writeFile(join(runsDir, `${LIVE}.jsonl`), (await readFile(join(FIXTURES, 'complete.jsonl'), 'utf8')).split('\n').slice(0, 1).join('\n') + '\n');
    const page = await get(`/runs/${COMPLETE}`, { 'accept-encoding': 'gzip' });
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(page.body).toContain('"page":"run"');
  });

  it('compares two runs', async () => {
    const res = await get(`/api/compare/${INTERRUPTED}/${COMPLETE}`);
    expect(res.status).toBe(200);
    const data = JSON.parse(res.body);
    expect(data.runs.map((r: { run: { header: { runId: string } } }) => r.run.header.runId)).toEqual([COMPLETE, INTERRUPTED]);
    expect(data.comparison.summary.verdict.text).toEqual(expect.any(String));
    expect(data.comparison.pairs.kind.length).toBeGreaterThan(0);
  });

  it('follows a log as it grows', async () => {
    const lines = (await readFile(join(FIXTURES, 'complete.jsonl'), 'utf8')).split('\n').filter(Boolean);
    await writeFile(join(runsDir, `${LIVE}.jsonl`), `${lines[0]}\n`);
    let data = JSON.parse((await get(`/api/runs/${LIVE}`)).body);
    expect(data.total).toBe(0);
    expect(data.run.end).toBeNull();
    await appendFile(join(runsDir, `${LIVE}.jsonl`), `${lines[1]}\n${lines[2]!.slice(0, 40)}`);
    data = JSON.parse((await get(`/api/runs/${LIVE}?from=0`)).body);
    expect(data.total).toBe(1);
    await appendFile(join(runsDir, `${LIVE}.jsonl`), `${lines[2]!.slice(40)}\n${lines[3]}\n${lines[4]}\n`);
    data = JSON.parse((await get(`/api/runs/${LIVE}?from=1`)).body);
    expect(data.total).toBe(3);
    expect(data.rows.line).toEqual([1, 2]);
    expect(data.run.end.status).toBe('completed');
    expect(JSON.parse((await get(`/api/runs/${LIVE}/cases/1`)).body)).toEqual(JSON.parse(lines[2]!));
  });

  it.each([
    '/runs/../secret.txt',
    '/runs/..%2Fsecret.txt',
    '/runs/%2e%2e%2fsecret.txt',
    '/api/runs/../../secret.txt',
    '/api/runs/..%2F..%2Fsecret.txt',
    `/api/runs/${COMPLETE}%00`,
    `/api/runs/${COMPLETE}.jsonl`,
    `/api/runs/${COMPLETE}/../../secret.txt`,
    '/api/runs/notes',
    '/api/runs/notes.txt',
    `/api/runs/${OUTSIDE}`,
    `/runs/${OUTSIDE}`,
    `/api/runs/${OUTSIDE}/cases/0`,
    `/api/compare/${COMPLETE}/${OUTSIDE}`,
    '/api/runs/019aa193-8a59-7b4e-a2c9-a17f3d05e6b9',
    '/etc/passwd',
    '//etc/passwd',
    '/runs/',
    '/secret.txt',
    '/runs/notes.txt',
  ])('does not serve %s', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(res.body).not.toMatch(/TOP-SECRET|NOTES-CONTENT|"type":"case"|"caseId"/);
  });

  it('refuses requests for another host name (DNS rebinding) and other methods', async () => {
    expect((await get('/api/runs', { host: 'evil.example:80' })).status).toBe(403);
    expect((await get('/api/runs', { host: `localhost:${port}` })).status).toBe(200);
    expect((await get('/api/runs', { 'x-method': 'POST' })).status).toBe(405);
    expect((await get('/api/runs', { 'x-method': 'DELETE' })).status).toBe(405);
  });
});
