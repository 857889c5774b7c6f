// Deterministic calc suites for the benchmark (scripts/bench.mjs, scripts/bench-profile.mjs).
// The same seed and count always give the same bytes; a smaller suite is a prefix of a larger one.
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const SEED = 0x7a611;

/** The config every generated suite carries (the repo's calc pipeline with the `perfect` mock). */
export const SUITE_CONFIG = {
  'prepare.template': 'samples/calc/template.txt',
  'infer.model.name': 'perfect',
};

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPS = [
  ['+', 'addition', (a, b) => a + b],
  ['-', 'subtraction', (a, b) => a - b],
  ['*', 'multiplication', (a, b) => a * b],
];

function hex32(rand) {
  return Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0');
}

/** A UUIDv4-shaped id drawn from the PRNG. */
function uuid(rand) {
  const h = hex32(rand) + hex32(rand) + hex32(rand) + hex32(rand);
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Yields `count` calc cases: `{ uuid, keywords, user, base, answer }`, a quarter of them in base 16. */
export function* generateCases(count, seed = SEED) {
  const rand = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const id = uuid(rand);
    const base = rand() < 0.25 ? 16 : 10;
    const [symbol, name, apply] = OPS[Math.floor(rand() * OPS.length)];
    const a = Math.floor(rand() * 1000);
    const b = Math.floor(rand() * 1000);
    const show = (n) => n.toString(base);
    yield { uuid: id, keywords: ['gen', name], user: `${show(a)}${symbol}${show(b)}`, base, answer: apply(a, b) };
  }
}

/**
 * Writes `<dir>/calc-<count>.json`: the object form with the cases inline, pretty-printed with
 * two-space indents like the repo's own suites. Returns its path.
 */
export function writeJsonSuite(dir, count, seed = SEED) {
  const path = join(dir, `calc-${count}.json`);
  const suite = { pipeline: 'calc', config: SUITE_CONFIG, cases: [...generateCases(count, seed)] };
  writeFileSync(path, JSON.stringify(suite, null, 2) + '\n');
  return path;
}

/**
 * Writes `<dir>/calc-<count>.cases.jsonl` (one case a line) and the suite that points at it,
 * `<dir>/calc-<count>.jsonl-suite.json`. Streams, so a million cases never sit in memory.
 * Returns the suite's path.
 */
export function writeJsonlSuite(dir, count, seed = SEED) {
  const casesName = `calc-${count}.cases.jsonl`;
  const fd = openSync(join(dir, casesName), 'w');
  try {
    let batch = '';
    for (const c of generateCases(count, seed)) {
      batch += JSON.stringify(c) + '\n';
      if (batch.length >= 1 << 20) {
        writeSync(fd, batch);
        batch = '';
      }
    }
    if (batch) writeSync(fd, batch);
  } finally {
    closeSync(fd);
  }
  const path = join(dir, `calc-${count}.jsonl-suite.json`);
  writeFileSync(path, JSON.stringify({ pipeline: 'calc', config: SUITE_CONFIG, cases: casesName }, null, 2) + '\n');
  return path;
}

/** Writes a suite in `format` ('json' or 'jsonl'); returns its path. */
export function writeSuite(dir, format, count, seed = SEED) {
  if (format === 'json') return writeJsonSuite(dir, count, seed);
  if (format === 'jsonl') return writeJsonlSuite(dir, count, seed);
  throw new Error(`unknown suite format '${format}'`);
}
