/**
 * `tagliots report` and `tagliots view` end to end: the CLI, in process, writes reports of real runs
 * of the calc sample, and serves them.
 */
import { cp, readFile, readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLogs, tempDirs, waitForOutput } from '../helpers/fixtures.ts';
import { runInProcess, startInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

let runsDir: string;
/** The flakey run (A) and the perfect run (B). */
let flakey: string;
let perfect: string;

beforeAll(async () => {
  runsDir = join(await temp.make(), 'runs');
  for (const model of ['flakey', 'perfect']) {
    const result = await runInProcess(['run', 'suites/calc.json', `infer.model.name=${model}`, '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).toBe(0);
  }
  const ids = (await runLogs(runsDir)).map((path) => path.slice(runsDir.length + 1, -'.jsonl'.length)).sort();
  [flakey, perfect] = ids as [string, string];
}, 60_000);

interface PageData {
  runs: { run: { header: { runId: string } }; rows: { id: string[]; status: number[]; line: number[] }; blockStarts: number[] }[];
  comparison: { summary: { verdict: { kind: string; text: string }; fixCount: number }; pairs: { kind: number[] } } | null;
}

/** The data and the case records embedded in a report file. */
async function readReport(path: string): Promise<{ html: string; data: PageData; records: Record<string, unknown>[][] }> {
  const html = await readFile(path, 'utf8');
  const blob = (id: string) => new RegExp(`<script type="application/octet-stream" id="${id}">([^<]*)</script>`).exec(html)?.[1];
  const data = JSON.parse(gunzipSync(Buffer.from(blob('tg-data')!, 'base64')).toString('utf8')) as PageData;
  const records = data.runs.map((_, k) =>
    blob(`tg-records-${k}`)!
      .split('\n')
      .flatMap((part) => gunzipSync(Buffer.from(part, 'base64')).toString('utf8').split('\n'))
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
  return { html, data, records };
}

describe('tagliots report', () => {
  it('writes <run-id-prefix>.report.html beside the run log, in the runs folder, and prints its path', async () => {
    const cwd = await temp.make();
    const runs = join(cwd, 'runs');
    await cp(runsDir, runs, { recursive: true });
    const result = await runInProcess(['report', 'latest', '--runs-dir', runs], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const name = `${perfect.slice(0, 13)}.report.html`;
    expect(result.stdout).toMatch(new RegExp(`^Report of ${perfect} \\(24 cases\\) written to runs/${name.replace(/\./g, '\\.')} \\(\\d+\\.\\d KiB\\)\\n$`));
    expect(await readdir(cwd)).toEqual(['runs']);
    expect(await readdir(runs)).toContain(name);

    const { html, data, records } = await readReport(join(runs, name));
    // Self-contained: nothing is loaded from anywhere.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img|<iframe|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    expect(data.runs).toHaveLength(1);
    expect(data.comparison).toBeNull();
    expect(data.runs[0]!.run.header.runId).toBe(perfect);
    expect(data.runs[0]!.rows.id).toHaveLength(24);
    // Every case record is there, and each row points at its own.
    const rows = data.runs[0]!.rows;
    expect(records[0]).toHaveLength(24);
    rows.id.forEach((id, i) => expect(records[0]![rows.line[i]!]!['caseId']).toBe(id));
  });

  it('compares with a baseline and writes where -o says', async () => {
    const cwd = await temp.make();
    const result = await runInProcess(['report', perfect, '--baseline', flakey.slice(0, 13), '--runs-dir', runsDir, '-o', 'out.html'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Report of ${perfect} (24 cases, compared with ${flakey}) written to out.html`);
    const { data, records } = await readReport(join(cwd, 'out.html'));
    expect(data.runs.map((r) => r.run.header.runId)).toEqual([perfect, flakey]);
    expect(records[1]).toHaveLength(24);
    expect(data.comparison!.summary.verdict.kind).toBe('better');
    expect(data.comparison!.summary.fixCount).toBe(16);
    expect(data.comparison!.pairs.kind).toHaveLength(24);
  });

  it('reads a log by path, from anywhere', async () => {
    const cwd = await temp.make();
    const result = await runInProcess(['report', join(runsDir, `${flakey}.jsonl`), '-o', join(cwd, 'flakey.html')], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await stat(join(cwd, 'flakey.html'))).size).toBeGreaterThan(10_000);
  });

  it('fails with exit code 2 for an unknown run or an unwritable file', async () => {
    const cwd = await temp.make();
    const unknown = await runInProcess(['report', 'ffffffff', '--runs-dir', runsDir], { cwd });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('Error (E_RUN_NOT_FOUND)');
    const unwritable = await runInProcess(['report', 'latest', '--runs-dir', runsDir, '-o', join(cwd, 'no/such/folder/r.html')], { cwd });
    expect(unwritable.exitCode).toBe(2);
    expect(unwritable.stderr).toContain('Error (E_OUTPUT)');
  });

  it('is listed in the help', async () => {
    const result = await runInProcess(['help'], { cwd: REPO_ROOT });
    expect(result.stdout).toMatch(/report \[options\] <run>/);
    expect(result.stdout).toMatch(/view \[options\]/);
  });
});

describe('tagliots view', () => {
  it('serves on 127.0.0.1, prints the URL and stops cleanly on an interrupt', async () => {
    const cli = startInProcess(['view', '--port', '0', '--runs-dir', runsDir], { cwd: await temp.make() });
    await waitForOutput(cli, () => /http:\/\/127\.0\.0\.1:\d+\//.test(cli.stdout()));
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(cli.stdout())?.[0];
    expect(url, cli.stderr()).toBeDefined();
    const home = await fetch(url!);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('"page":"history"');
    const runs = (await (await fetch(`${url}api/runs`)).json()) as { runs: { runId: string }[] };
    expect(runs.runs.map((r) => r.runId)).toEqual([perfect, flakey]);
    cli.interrupt();
    const result = await cli.result;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Stopped.');
  });

  it('says so when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runInProcess(['view', '--port', String(port), '--runs-dir', runsDir], { cwd: REPO_ROOT });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`Error (E_PORT_IN_USE): Port ${port} on 127.0.0.1 is already in use.`);
    } finally {
      blocker.close();
    }
  });
});
