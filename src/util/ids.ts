import { randomBytes } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Run ids sort by start
 * time, so `latest` and listing need no file timestamps.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  let ms = Math.floor(now);
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The shortest prefix length (at least `min`) at which all ids are distinct, so the summary can
 * show ids the way a user can type them back (`tagliots format latest 3f2`).
 */
export function uniquePrefixLength(ids: Iterable<string>, min = 3): number {
  const collector = createIdCollector();
  for (const id of ids) collector.add(id);
  return collector.uniquePrefixLength(min);
}

/** Collects ids compactly (UTF-8 bytes in one buffer: a million UUIDs take 36 MB, not 140). */
export interface IdCollector {
  add(id: string): void;
  readonly size: number;
  /** See uniquePrefixLength. Compares prefixes of UTF-8 bytes, by a 52-bit hash per prefix. */
  uniquePrefixLength(min?: number): number;
}

export function createIdCollector(): IdCollector {
  let bytes = Buffer.allocUnsafe(1 << 16);
  let used = 0;
  let offsets = new Uint32Array(1024);
  let count = 0;
  let longest = 0;
  return {
    get size() {
      return count;
    },
    add(id) {
      const needed = Buffer.byteLength(id);
      if (used + needed > bytes.length) {
        const grown = Buffer.allocUnsafe(Math.max(bytes.length * 2, used + needed));
        bytes.copy(grown, 0, 0, used);
        bytes = grown;
      }
      if (count + 1 >= offsets.length) {
        const grown = new Uint32Array(offsets.length * 2);
        grown.set(offsets);
        offsets = grown;
      }
      used += bytes.write(id, used, 'utf8');
      offsets[++count] = used;
      if (needed > longest) longest = needed;
    },
    uniquePrefixLength(min = 3) {
      if (count < 2) return min;
      // Try each length, stopping at the first repeated prefix: a length that is too short is
      // found out after a handful of ids, so this is about one pass in practice. A hash collision
      // can only make the answer one character longer than needed, never wrong.
      const seen = new HashSet52(count);
      for (let length = min; length < longest; length++) {
        seen.clear();
        let unique = true;
        for (let i = 0; i < count; i++) {
          const start = offsets[i]!;
          const end = Math.min(offsets[i + 1]!, start + length);
          let h1 = 0x811c9dc5;
          let h2 = 0x01000193;
          for (let j = start; j < end; j++) {
            const b = bytes[j]!;
            h1 = Math.imul(h1 ^ b, 0x01000193) >>> 0;
            h2 = Math.imul(h2 ^ b, 0x5bd1e995) >>> 0;
          }
          if (!seen.add(h1 * 0x100000 + (h2 & 0xfffff))) {
            unique = false;
            break;
          }
        }
        if (unique) return length;
      }
      return Math.max(min, longest);
    },
  };
}

/** A 52-bit FNV-style hash of a string's UTF-16 code units, exact as a JS number (for compact sets). */
export function stringHash52(text: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1 * 0x100000 + (h2 & 0xfffff);
}

/**
 * A set of 52-bit hashes (see stringHash52) in one typed array, for checking a million ids for
 * repeats: 16 to 32 bytes an entry and nothing for the garbage collector, where a `Set` of such
 * numbers boxes each one (about 60 bytes an entry, and a second of collection at a million).
 */
export class HashSet52 {
  /** Open addressing, linear probing; a slot holds hash + 1, 0 when empty. At most half full. */
  private table: Float64Array;
  private count = 0;

  /** `expected`: how many hashes it will likely hold (it grows past that). */
  constructor(expected = 0) {
    let slots = 1024;
    while (slots < expected * 2) slots *= 2;
    this.table = new Float64Array(slots);
  }

  get size(): number {
    return this.count;
  }

  /** Adds `hash` (an integer in [0, 2^52)); false when the set held it already. */
  add(hash: number): boolean {
    if ((this.count + 1) * 2 > this.table.length) this.grow();
    if (!place(this.table, hash + 1)) return false;
    this.count++;
    return true;
  }

  clear(): void {
    this.table.fill(0);
    this.count = 0;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    for (const key of old) if (key !== 0) place(this.table, key);
  }
}

/** Puts `key` (hash + 1) into `table`; false when it is there already. */
function place(table: Float64Array, key: number): boolean {
  const mask = table.length - 1;
  // The low 32 bits of the key mix both halves of the hash (stringHash52 puts h2 in the low 20).
  for (let at = (key >>> 0) & mask; ; at = (at + 1) & mask) {
    const there = table[at]!;
    if (there === 0) {
      table[at] = key;
      return true;
    }
    if (there === key) return false;
  }
}
