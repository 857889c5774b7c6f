/**
 * The server behind `tagliots view`: on 127.0.0.1, the run history, any run's report (updated live
 * while the run is in progress) and the comparison of any two runs.
 *
 * It serves only logs from the runs folder, named by a full run id (checked against the UUID
 * pattern; the file's real path must be in the runs folder, so neither `..` nor a symlink leads
 * out of it), and its own page. Requests must name the server by its loopback address (a Host
 * check against DNS rebinding). The command loads this module (in shared/engine.ts) when it starts
 * serving: `--help` reads none of it.
 */
import { open, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { historyEntry, unreadableEntry, type HistoryEntry } from '../../analysis/history.ts';
import { sliceRows } from '../../analysis/report-data.ts';
import { comparePages, followRun, loadRun, type FollowedRun } from '../../engine/report-run.ts';
import { UsageError, isTagliotsError, messageOf } from '../../errors.ts';
import { builtinModule } from '../../host.ts';
import { readRunLogEnds } from '../../log/reader.ts';
import { listRuns } from '../../log/store.ts';
import type { PageBoot } from '../../report/html/page.ts';
import { UUID_PATTERN } from '../../util/ids.ts';
import { shownPath } from '../../util/paths.ts';

/** The only address the server listens on. */
const HOST = '127.0.0.1';

export interface ViewServerOptions {
  readonly runsDir: string;
  /** For log paths shown in the pages. */
  readonly cwd: string;
  /** How often a page of a run in progress asks for new cases. @default 1000 */
  readonly pollMs?: number;
  /** Called with a line about each request that failed on the server's side. */
  readonly onError?: (text: string) => void;
}

export interface ViewServer {
  listen(port: number): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
  readonly server: Server;
}

/** A run followed for its page, with what the server keeps about it. */
interface LiveRun {
  readonly followed: FollowedRun;
  /** The read in progress: one at a time per run. */
  busy: Promise<void>;
  lastUsed: number;
  /** The last full response (`from` 0), while the log has not grown: a large run is sent again at once. */
  full: { size: number; ended: boolean; body: string; gzipped: Buffer | null } | null;
}

const MAX_CACHED_RUNS = 8;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The page module: its script and CSS are hundreds of kilobytes of text, so it loads with the first page served, and the other commands never read it. */
type PageModule = typeof import('../../report/html/page.ts');

export function createViewServer(options: ViewServerOptions): ViewServer {
  const { runsDir, cwd } = options;
  const live = new Map<string, LiveRun>();
  const comparisons = new Map<string, { body: string; gzipped: Buffer | null }>();
  let port = 0;
  let realRunsDir: string | null = null;
  let pageModule: Promise<PageModule> | undefined;

  /** The log of run `id`, or null when there is none in the runs folder. */
  async function logPath(id: string): Promise<string | null> {
    if (!UUID_PATTERN.test(id)) return null;
    try {
      realRunsDir ??= await realpath(runsDir);
      const real = await realpath(join(runsDir, `${id}.jsonl`));
      if (dirname(real) !== realRunsDir) return null;
      return (await stat(real)).isFile() ? real : null;
    } catch {
      return null;
    }
  }

  async function needLog(id: string): Promise<string> {
    if (!UUID_PATTERN.test(id)) throw new HttpError(404, 'Not found');
    const path = await logPath(id);
    if (!path) throw new HttpError(404, `No run ${id} in ${shownPath(runsDir, cwd)}`);
    return path;
  }

  async function openLive(id: string): Promise<LiveRun> {
    const path = await needLog(id);
    let run = live.get(id);
    if (!run || run.followed.path !== path) {
      run = { followed: await followRun(path, cwd), busy: Promise.resolve(), lastUsed: 0, full: null };
      live.set(id, run);
      if (live.size > MAX_CACHED_RUNS) {
        const oldest = [...live.entries()].sort(([, x], [, y]) => x.lastUsed - y.lastUsed)[0];
        if (oldest && oldest[0] !== id) live.delete(oldest[0]);
      }
    }
    run.lastUsed = Date.now();
    const current = run;
    // One read at a time per run; a failed read does not stop the next one.
    current.busy = current.busy.catch(() => undefined).then(() => current.followed.refresh());
    await current.busy;
    return current;
  }

  async function listing(): Promise<{ runsDir: string; runs: Omit<HistoryEntry, 'path'>[] }> {
    const runs = await listRuns(runsDir);
    const entries = await Promise.all(
      runs.map(async (entry): Promise<HistoryEntry | null> => {
        const path = await logPath(entry.runId);
        if (!path) return null;
        try {
          const { header, end } = await readRunLogEnds(path);
          // The file name is what the pages link to (a copied log may have another id inside).
          return { ...historyEntry(path, header, end), runId: entry.runId };
        } catch (error) {
          return unreadableEntry(entry.runId, path, isTagliotsError(error) ? error.message : messageOf(error));
        }
      }),
    );
    // Newest first; drop local paths.
    const listed = entries.filter((e): e is HistoryEntry => e !== null).reverse();
    return { runsDir: shownPath(runsDir, cwd), runs: listed.map(({ path: _path, ...rest }) => rest) };
  }

  async function comparison(a: string, b: string): Promise<{ body: string; gzipped: Buffer | null }> {
    const [pathA, pathB] = await Promise.all([needLog(a), needLog(b)]);
    const [infoA, infoB] = await Promise.all([stat(pathA), stat(pathB)]);
    const key = `${a}:${infoA.size}:${infoA.mtimeMs}|${b}:${infoB.size}:${infoB.mtimeMs}`;
    const cached = comparisons.get(key);
    if (cached) return cached;
    const [runA, runB] = await Promise.all([loadRun(pathA, cwd, { digest: true }), loadRun(pathB, cwd, { digest: true })]);
    const body = JSON.stringify({
      runs: [
        { run: runB.run, rows: runB.rows },
        { run: runA.run, rows: runA.rows },
      ],
      comparison: comparePages(runA, runB, runA.rows, runB.rows),
    });
    const entry = { body, gzipped: null };
    comparisons.clear();
    comparisons.set(key, entry);
    return entry;
  }

  async function page(response: ServerResponse, request: IncomingMessage, title: string, boot: PageBoot): Promise<void> {
    const { contentSecurityPolicy, createNonce, renderPage } = await (pageModule ??= import('../../report/html/page.ts'));
    const nonce = createNonce();
    const html = renderPage({ title, boot, nonce });
    send(response, request, 200, 'text/html; charset=utf-8', html, { 'content-security-policy': contentSecurityPolicy(nonce, 'self') });
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const [path = '/', query = ''] = (request.url ?? '/').split('?', 2);
    let m: RegExpExecArray | null;
    if (path === '/') return page(response, request, 'Runs · tagliots', { mode: 'server', page: 'history', runsDir: shownPath(runsDir, cwd) });
    if ((m = /^\/runs\/([^/]+)$/.exec(path))) {
      const id = m[1]!;
      await needLog(id);
      return page(response, request, `Run ${id.slice(0, 13)} · tagliots`, { mode: 'server', page: 'run', runId: id, pollMs: options.pollMs ?? 1000 });
    }
    if ((m = /^\/compare\/([^/]+)\/([^/]+)$/.exec(path))) {
      await Promise.all([needLog(m[1]!), needLog(m[2]!)]);
      return page(response, request, `Compare ${m[1]!.slice(0, 13)} and ${m[2]!.slice(0, 13)} · tagliots`, { mode: 'server', page: 'compare', a: m[1]!, b: m[2]! });
    }
    if (path === '/api/runs') return json(response, request, JSON.stringify(await listing()));
    if ((m = /^\/api\/runs\/([^/]+)$/.exec(path))) {
      const run = await openLive(m[1]!);
      const { rows: builder, end } = run.followed;
      const from = Math.max(0, Number(new URLSearchParams(query).get('from') ?? 0) || 0);
      const rows = builder.rows;
      if (from > 0) return json(response, request, JSON.stringify({ run: run.followed.facts(), rows: sliceRows(rows, Math.min(from, builder.size)), from, total: builder.size }));
      let full = run.full;
      if (!full || full.size !== builder.size || full.ended !== (end !== null)) {
        full = run.full = { size: builder.size, ended: end !== null, body: JSON.stringify({ run: run.followed.facts(), rows, from, total: builder.size }), gzipped: null };
      }
      return send(response, request, 200, 'application/json; charset=utf-8', full.body, {}, full);
    }
    if ((m = /^\/api\/runs\/([^/]+)\/cases\/(\d{1,9})$/.exec(path))) {
      const run = await openLive(m[1]!);
      const number = Number(m[2]);
      const line = run.followed.caseLine(number);
      if (!line) throw new HttpError(404, `Run ${m[1]} has no case record ${number}`);
      const handle = await open(run.followed.path, 'r');
      try {
        const length = line.end - line.start;
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, line.start);
        return json(response, request, buffer.toString('utf8'));
      } finally {
        await handle.close();
      }
    }
    if ((m = /^\/api\/compare\/([^/]+)\/([^/]+)$/.exec(path))) {
      const entry = await comparison(m[1]!, m[2]!);
      return send(response, request, 200, 'application/json; charset=utf-8', entry.body, {}, entry);
    }
    throw new HttpError(404, 'Not found');
  }

  const allowedHosts = () => new Set([`${HOST}:${port}`, `localhost:${port}`]);

  // Loaded here, not imported: shared/engine.ts, which every command loads, holds this module.
  const { createServer } = builtinModule('node:http');
  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
      return;
    }
    if (!allowedHosts().has(String(request.headers.host ?? '').toLowerCase())) {
      response.writeHead(403, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end('Forbidden: use http://127.0.0.1 with this port\n');
      return;
    }
    route(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : isTagliotsError(error) ? 422 : 500;
      if (status >= 500) options.onError?.(`view: ${request.method} ${request.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      if ((request.url ?? '').startsWith('/api/')) json(response, request, JSON.stringify({ error: message }), status);
      else send(response, request, status, 'text/plain; charset=utf-8', `${message}\n`);
    });
  });

  return {
    server,
    listen(wanted) {
      return new Promise((resolveListen, reject) => {
        const onError = (error: NodeJS.ErrnoException) => {
          if (error.code === 'EADDRINUSE') {
            reject(new UsageError('E_PORT_IN_USE', `Port ${wanted} on ${HOST} is already in use.`, { hint: 'Pass another --port, or --port 0 for any free port.' }));
          } else reject(error);
        };
        server.once('error', onError);
        server.listen(wanted, HOST, () => {
          server.off('error', onError);
          const address = server.address();
          port = typeof address === 'object' && address ? address.port : wanted;
          resolveListen({ port, url: `http://${HOST}:${port}/` });
        });
      });
    },
    close() {
      return new Promise((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
    },
  };
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

function json(response: ServerResponse, request: IncomingMessage, body: string, status = 200): void {
  send(response, request, status, 'application/json; charset=utf-8', body);
}

/** Sends `body`, gzipped for clients that accept it when it is large; `cache` keeps the gzipped bytes. */
function send(response: ServerResponse, request: IncomingMessage, status: number, type: string, body: string, extra: Record<string, string> = {}, cache?: { gzipped: Buffer | null }): void {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': type, ...extra };
  const accepts = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (!accepts || body.length < 16 * 1024) {
    response.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    response.end(request.method === 'HEAD' ? undefined : body);
    return;
  }
  const done = (compressed: Buffer) => {
    response.writeHead(status, { ...headers, 'content-encoding': 'gzip', vary: 'accept-encoding', 'content-length': String(compressed.length) });
    response.end(request.method === 'HEAD' ? undefined : compressed);
  };
  if (cache?.gzipped) return done(cache.gzipped);
  const { gzip } = builtinModule('node:zlib');
  gzip(body, { level: 4 }, (error, compressed) => {
    if (error) {
      response.writeHead(500, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end('Could not compress the response\n');
      return;
    }
    if (cache) cache.gzipped = compressed;
    done(compressed);
  });
}
