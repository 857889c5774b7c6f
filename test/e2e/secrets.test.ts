/**
 * Nothing leaked: a local server that echoes the request headers in its successful replies,
 * streamed and not (as a debugging proxy may), answers a run whose keys come from the environment,
 * a credentials file and the pipeline's config. Every file tagliots then writes (the log, the cache,
 * exports, the report with its compressed data decoded) and everything it prints is searched for
 * the keys, in every encoding: none may be there.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs, writeFiles } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { startOpenAIServer, type OpenAIServer } from '../helpers/openai-server.ts';
import type { CliResult } from '../helpers/run-cli.ts';

const temp = tempDirs();
let server: OpenAIServer | undefined;
afterAll(async () => {
  await server?.close();
  await temp.cleanup();
});

/** Keys with characters that JSON-escape and URL-encode differently, so every encoding is tried. */
const ENV_KEY = 'sk-echo+Env/KEY="MUST-NOT-LEAK"-41';
const FILE_KEY = 'sk-echo+File/KEY=MUST-NOT-LEAK-42';
const CONFIG_KEY = 'config-secret/MUST-NOT-LEAK-43';

function encodingsOf(key: string): string[] {
  const json = JSON.stringify(key).slice(1, -1);
  return [key, json, JSON.stringify(json).slice(1, -1), encodeURIComponent(key), 'MUST-NOT-LEAK'];
}
const FORBIDDEN = [ENV_KEY, FILE_KEY, CONFIG_KEY].flatMap(encodingsOf);

/** A project whose pipeline asks the plain model (env key) and the streaming one (credentials file key), and quotes its search key (given on the command line). */
async function project(url: string): Promise<string> {
  const dir = await temp.make();
  const profile = { type: 'openai-compatible', model: 'echo-model', baseURL: url, retry: { baseDelayMs: 1, maxDelayMs: 5 } };
  await writeFiles(dir, {
    'tagliots.config.ts': `import { defineConfig, definePipeline } from 'tagliots';
const echo = definePipeline({
  name: 'echo',
  description: 'Asks two models, and quotes its search key',
  config: { search: { apiKey: 'set me' } },
  stages: ({ models }) => {
    const ask = (name: string) => async (ctx: any) => (await models.get(name).complete({ messages: [{ role: 'user', content: String(ctx.case.question) }] }, ctx)).text;
    return {
      plain: ask('plain'),
      streamed: ask('streamed'),
      quote: (ctx: any) => 'search key: ' + ctx.config.search.apiKey,
    };
  },
  passed: ({ stages }) => typeof stages.plain === 'string',
  columns: { plain: (r: any) => r.stages.plain ?? null, streamed: (r: any) => r.stages.streamed ?? null, quote: (r: any) => r.stages.quote ?? null },
});
export default defineConfig({
  pipelines: [echo],
  models: {
    plain: ${JSON.stringify({ ...profile, apiKeyEnv: 'TAGLIOTS_ECHO_KEY' })},
    streamed: ${JSON.stringify({ ...profile, model: 'echo-model-streamed', stream: true, credentials: 'echo' })},
  },
});
`,
    '.credentials.json': JSON.stringify({ echo: FILE_KEY }),
    'suite.json': JSON.stringify({
      pipeline: 'echo',
      cases: [
        { id: 'a', question: 'one', keywords: ['k1'] },
        { id: 'b', question: 'two', keywords: ['k1', 'k2'] },
        { id: 'c', question: 'three' },
      ],
    }),
  });
  return dir;
}

/** Every file under `dir`, with its path. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The report's compressed data (gzip + base64 blobs), decoded. */
function reportData(html: string): string[] {
  const blobs = [...html.matchAll(/<script type="application\/octet-stream" id="[^"]+">([^<]*)<\/script>/g)];
  return blobs.flatMap((m) => m[1]!.split('\n').filter(Boolean).map((part) => gunzipSync(Buffer.from(part, 'base64')).toString('utf8')));
}

describe('secrets echoed by a server', () => {
  it('never reach a file tagliots writes nor anything it prints', async () => {
    server = await startOpenAIServer({ echoHeaders: true });
    const cwd = await project(server.url);
    const env = { TAGLIOTS_ECHO_KEY: ENV_KEY };
    const outputs: CliResult[] = [];
    const cli = async (...args: string[]) => {
      const result = await runInProcess(args, { cwd, env });
      outputs.push(result);
      expect(result.exitCode, `${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
      return result;
    };

    await cli('run', 'suite.json', `search.apiKey=${CONFIG_KEY}`);
    // Answered from the cache this time: what the cache stored is checked too.
    await cli('run', 'suite.json', `search.apiKey=${CONFIG_KEY}`);
    expect(server.stats.requests).toBe(6);
    const [first, second] = (await readdir(join(cwd, 'runs'))).filter((name) => name.endsWith('.jsonl')).sort();
    await cli('summarize', 'latest');
    await cli('summarize', 'latest', '--json');
    await cli('summarize', 'latest', '--by', 'keyword');
    await cli('format', 'latest');
    await cli('format', 'latest', '--md', '--out', 'format.md');
    for (const format of ['csv', 'json', 'jsonl', 'md']) await cli('export', 'latest', '--format', format);
    await cli('export', 'latest', '--format', 'csv', '--out', 'export.csv');
    await cli('export', 'latest', '--format', 'junit', '--out', 'junit.xml');
    await cli('compare', first!.slice(0, 36), second!.slice(0, 36), '--md');
    await cli('report', 'latest', '-o', 'report.html', '--baseline', first!.slice(0, 36));

    // The servers did echo the keys: the log holds the markers where they were.
    const log = await readFile(join(cwd, 'runs', first!), 'utf8');
    expect(log).toContain('[redacted:TAGLIOTS_ECHO_KEY]');
    expect(log).toContain('[redacted:credentials:echo]');
    expect(log).toContain('search key: [redacted:config:search.apiKey]');
    expect(server.requests.every((r) => JSON.stringify(r.headers).includes('MUST-NOT-LEAK'))).toBe(true);

    const files = await filesUnder(cwd);
    const written = files.filter((path) => !path.endsWith('.credentials.json') && !path.endsWith('tagliots.config.ts') && !path.endsWith('suite.json'));
    expect(written.filter((path) => path.includes('.tagliots-cache')).length).toBeGreaterThanOrEqual(6);
    for (const name of ['format.md', 'export.csv', 'junit.xml', 'report.html']) expect(files).toContain(join(cwd, name));
    const texts: [string, string][] = [];
    for (const path of written) {
      const text = await readFile(path, 'utf8');
      texts.push([path, text]);
      if (path.endsWith('.html')) for (const [i, data] of reportData(text).entries()) texts.push([`${path} blob ${i}`, data]);
    }
    expect(texts.filter(([path]) => path.includes('blob')).length).toBeGreaterThanOrEqual(3);
    for (const [i, result] of outputs.entries()) texts.push([`output ${i}`, result.stdout + result.stderr]);

    const leaks = texts.flatMap(([where, text]) => FORBIDDEN.filter((form) => text.includes(form)).map((form) => `${where}: ${form}`));
    expect(leaks).toEqual([]);
  });
});
