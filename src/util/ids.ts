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
export function uniquePrefixLength(ids: readonly string[], min = 3): number {
  let longest = 0;
  for (const id of ids) if (id.length > longest) longest = id.length;
  // Try each length, stopping at the first repeated prefix: a length that is too short is found
  // out after a handful of ids, so this is about one pass over the ids in practice.
  for (let length = min; length < longest; length++) {
    const seen = new Set<string>();
    let unique = true;
    for (const id of ids) {
      const prefix = id.length > length ? id.slice(0, length) : id;
      if (seen.has(prefix)) {
        unique = false;
        break;
      }
      seen.add(prefix);
    }
    if (unique) return length;
  }
  return Math.max(min, longest);
}
