/**
 * The response cache: successful replies of configured models, on disk, content-addressed. The
 * key is the sha256 of a canonical JSON of everything that shapes the reply: provider, model,
 * base URL (Azure: endpoint, deployment and API version), messages, parameters, response format
 * and the repetition index, so `--repeat 5` keeps five distinct replies. One file per reply:
 * `<dir>/<2 hex>/<64 hex>.json`, written to a temp file and renamed, so a crash never leaves a
 * half-written entry and concurrent runs may share the folder.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ModelToolCall, UsageInput } from './types.ts';
import { pid, processAlive } from '../host.ts';
import type { CacheMode } from './cache-mode.ts';
import type { SecretScrubber } from '../util/scrub.ts';
import { tempPathBeside } from '../util/paths.ts';

export { CACHE_MODES, DEFAULT_CACHE_MODE, type CacheMode } from './cache-mode.ts';
export const DEFAULT_CACHE_DIR = '.tagliots-cache';

/** Bump when the entry format or the key material changes: old entries are then never read. */
const CACHE_FORMAT = 1;

export interface CachedReply {
  readonly text: string;
  readonly usage?: UsageInput;
  readonly usageEstimated?: boolean;
  readonly finishReason?: string;
  readonly toolCalls?: readonly ModelToolCall[];
}

interface CacheEntry extends CachedReply {
  readonly v: number;
  readonly key: string;
  readonly createdAt: string;
  readonly profile: string;
  readonly model: string;
}

export const readsCache = (mode: CacheMode) => mode === 'read' || mode === 'rw';
export const writesCache = (mode: CacheMode) => mode === 'write' || mode === 'rw';

/** JSON with object keys sorted at every level, so equal values always hash the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

export function cacheKey(material: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson({ format: CACHE_FORMAT, ...material })).digest('hex');
}

export interface CacheStats {
  readonly dir: string;
  readonly entries: number;
  readonly bytes: number;
  readonly oldest: Date | null;
  readonly newest: Date | null;
  /**
   * Temporary files left by processes killed while they wrote an entry: not entries, not counted
   * above; `clear()` removes them. (Those of processes still writing are not counted at all.)
   */
  readonly orphans: { readonly files: number; readonly bytes: number };
}

/** An entry's file name, and the temporary name it is written under (`<entry>.<pid>.<8 hex>.tmp`). */
const ENTRY_NAME = /^[0-9a-f]{64}\.json$/;
const TEMP_NAME = /^[0-9a-f]{64}\.json\.(\d+)\.[0-9a-f]{8}\.tmp$/;

export class ResponseCache {
  private readonly madeDirs = new Set<string>();

  /** `secrets` scrubs what is stored (a reply can quote the request's headers). */
  constructor(
    readonly dir: string,
    private readonly secrets?: SecretScrubber,
  ) {}

  private pathOf(key: string): { folder: string; file: string } {
    const folder = join(this.dir, key.slice(0, 2));
    return { folder, file: join(folder, `${key}.json`) };
  }

  /** The stored reply, or undefined (a missing, unreadable or foreign file is a miss). */
  async get(key: string): Promise<CachedReply | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(key).file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as CacheEntry;
      if (entry.v !== CACHE_FORMAT || entry.key !== key || typeof entry.text !== 'string') return undefined;
      return {
        text: entry.text,
        ...(entry.usage && { usage: entry.usage }),
        ...(entry.usageEstimated && { usageEstimated: true }),
        ...(entry.finishReason && { finishReason: entry.finishReason }),
        ...(Array.isArray(entry.toolCalls) && entry.toolCalls.length > 0 && { toolCalls: entry.toolCalls }),
      };
    } catch {
      return undefined;
    }
  }

  /** Stores a reply. Failing to write (a full disk) never fails the call: the cache is an optimisation. */
  async put(key: string, reply: CachedReply, about: { profile: string; model: string }): Promise<boolean> {
    const { folder, file } = this.pathOf(key);
    const entry: CacheEntry = { v: CACHE_FORMAT, key, createdAt: new Date().toISOString(), ...about, ...reply };
    const temp = tempPathBeside(file, pid);
    try {
      if (!this.madeDirs.has(folder)) {
        await mkdir(folder, { recursive: true });
        this.madeDirs.add(folder);
      }
      await writeFile(temp, `${this.secrets ? this.secrets.json(entry) : JSON.stringify(entry)}\n`);
      await rename(temp, file);
      return true;
    } catch {
      await rm(temp, { force: true }).catch(() => undefined);
      return false;
    }
  }

  async stats(): Promise<CacheStats> {
    let entries = 0;
    let bytes = 0;
    let oldest: number | null = null;
    let newest: number | null = null;
    const orphans = { files: 0, bytes: 0 };
    const { entries: files, temps } = await this.files();
    for (const temp of temps) {
      if (processAlive(writerPid(temp))) continue;
      try {
        orphans.bytes += (await stat(temp)).size;
        orphans.files++;
      } catch {
        // Renamed or removed while we looked.
      }
    }
    for (const file of files) {
      try {
        const info = await stat(file);
        entries++;
        bytes += info.size;
        oldest = oldest === null ? info.mtimeMs : Math.min(oldest, info.mtimeMs);
        newest = newest === null ? info.mtimeMs : Math.max(newest, info.mtimeMs);
      } catch {
        // Removed while we looked: not counted.
      }
    }
    return { dir: this.dir, entries, bytes, oldest: oldest === null ? null : new Date(oldest), newest: newest === null ? null : new Date(newest), orphans };
  }

  /**
   * Removes every entry, and the temporary files of entries being written or left by killed
   * processes, and returns how many entries there were. Only files the cache wrote are removed
   * (then the emptied folders), so a misconfigured cache folder never loses anything else.
   */
  async clear(): Promise<number> {
    const { entries, temps } = await this.files();
    let removed = 0;
    for (const file of [...entries, ...temps]) {
      try {
        await rm(file);
        if (ENTRY_NAME.test(basename(file))) removed++;
      } catch {
        // Already gone.
      }
    }
    const folders = new Set([...entries, ...temps].map((file) => dirname(file)));
    for (const folder of folders) await rmdir(folder).catch(() => undefined);
    await rmdir(this.dir).catch(() => undefined);
    this.madeDirs.clear();
    return removed;
  }

  /** The entries' files, and the temporary files entries are written under. */
  private async files(): Promise<{ entries: string[]; temps: string[] }> {
    const files: string[] = [];
    const temps: string[] = [];
    let folders: string[];
    try {
      folders = await readdir(this.dir);
    } catch {
      return { entries: files, temps };
    }
    for (const folder of folders) {
      if (!/^[0-9a-f]{2}$/.test(folder)) continue;
      let names: string[];
      try {
        names = await readdir(join(this.dir, folder));
      } catch {
        continue;
      }
      for (const name of names) {
        if (ENTRY_NAME.test(name)) files.push(join(this.dir, folder, name));
        else if (TEMP_NAME.test(name)) temps.push(join(this.dir, folder, name));
      }
    }
    return { entries: files, temps };
  }
}

/** The pid in a temporary file's name: the process that was writing it. */
function writerPid(temp: string): number {
  return Number(TEMP_NAME.exec(basename(temp))?.[1]);
}
