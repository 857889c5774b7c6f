import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  binomialCdf,
  binomialHalfCdf,
  clopperPearson,
  createRandom,
  formatPValue,
  holm,
  logGamma,
  mcnemarExact,
  minimumDetectableDrop,
  normalCdf,
  normalQuantile,
  pairedBinaryTest,
  quantileSorted,
  signFlipTest,
  tangoInterval,
} from './stats.ts';

/**
 * Every value below comes from an independent implementation in Python's standard library:
 * test/fixtures/stats/reference.py, whose output is reference.json (run it to recompute them).
 */
interface Reference {
  mcnemar: { b: number; c: number; two: number; worse: number; better: number }[];
  normalCdf: { x: number; p: number }[];
  normalQuantile: { p: number; x: number }[];
  binomialCdf: { k: number; n: number; p: string; cdf: number }[];
  clopperPearson: { x: number; n: number; tail: number; low: number; high: number }[];
  tango: { b: number; c: number; n: number; alpha: number; low: number; high: number }[];
  pairedBinary: { b: number; c: number; n: number; alpha: number; pWorse: number; pBetter: number; low: number; high: number }[];
  signFlipExact: { diffs: number[]; alpha: number; range: number; pWorse: number; pBetter: number; low: number; high: number; estimate: number }[];
  signFlipRandom: { diffs: number[]; alpha: number; range: number; pWorse: number; pBetter: number; low: number; high: number };
  signFlipNormal: { diffs: number[]; alpha: number; range: number; pWorse: number; pBetter: number; low: number; high: number };
  holm: { p: number[]; adjusted: number[] }[];
  exactMde: { n: number; discordance: number; alpha: number; mde: number }[];
}
const REF = JSON.parse(readFileSync(new URL('../../test/fixtures/stats/reference.json', import.meta.url), 'utf8')) as Reference;

const fraction = (text: string) => {
  const [num, den] = text.split('/').map(Number);
  return num! / (den ?? 1);
};

describe('mcnemarExact', () => {
  it.each(REF.mcnemar.map((r) => [r.b, r.c, r] as const))('b=%i c=%i matches the exact binomial sums', (b, c, r) => {
    const result = mcnemarExact(b, c);
    expect(result.pTwoSided).toBeCloseTo(r.two, 12);
    expect(result.pWorse).toBeCloseTo(r.worse, 12);
    expect(result.pBetter).toBeCloseTo(r.better, 12);
  });

  it('is 1 with no discordant pairs, symmetric in b and c, and exact for millions of pairs', () => {
    expect(mcnemarExact(0, 0)).toEqual({ regressions: 0, fixes: 0, pTwoSided: 1, pWorse: 1, pBetter: 1 });
    expect(mcnemarExact(3, 9).pWorse).toBe(mcnemarExact(9, 3).pBetter);
    // z = 2000 / sqrt(2e6) ≈ 1.414: the normal approximation gives about 0.157.
    const p = mcnemarExact(1_001_000, 999_000).pTwoSided;
    expect(p).toBeGreaterThan(0.15);
    expect(p).toBeLessThan(0.16);
  });
});

describe('distribution functions', () => {
  it('normalCdf and normalQuantile match Python to 1e-12 (relative in the tails)', () => {
    for (const { x, p } of REF.normalCdf) expect(normalCdf(x) / p).toBeCloseTo(1, 11);
    for (const { p, x } of REF.normalQuantile) expect(normalQuantile(p)).toBeCloseTo(x, 11);
  });

  it('binomialCdf matches exact rational sums; binomialHalfCdf stays exact far in the tail', () => {
    for (const { k, n, p, cdf } of REF.binomialCdf) expect(binomialCdf(k, n, fraction(p))).toBeCloseTo(cdf, 12);
    expect(binomialHalfCdf(3, 15)).toBeCloseTo(576 / 32768, 15);
    expect(binomialHalfCdf(4000, 10000) / 8.702158206134392e-90).toBeCloseTo(1, 9);
  });

  it('logGamma matches known values', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5723649429247004, 13);
    expect(logGamma(123.456)).toBeCloseTo(469.60554712992956, 10);
    expect(logGamma(1e6) / 12815504.569147611).toBeCloseTo(1, 13);
  });

  it('clopperPearson matches bisection on the exact binomial tails', () => {
    for (const { x, n, tail, low, high } of REF.clopperPearson) {
      const ci = clopperPearson(x, n, tail);
      expect(ci.low).toBeCloseTo(low, 10);
      expect(ci.high).toBeCloseTo(high, 10);
    }
  });
});

describe('tangoInterval', () => {
  it.each(REF.tango.map((r) => [r.b, r.c, r.n, r] as const))('b=%i c=%i n=%i matches the score interval found by numerical likelihood', (b, c, n, r) => {
    const ci = tangoInterval(b, c, n, r.alpha);
    expect(ci.low).toBeCloseTo(r.low, 7);
    expect(ci.high).toBeCloseTo(r.high, 7);
  });
});

describe('pairedBinaryTest', () => {
  it.each(REF.pairedBinary.map((r) => [r.b, r.c, r.n, r] as const))('%i regressions, %i fixes in %i cases', (b, c, n, r) => {
    const t = pairedBinaryTest(b, c, n, r.alpha);
    expect(t.method).toBe('mcnemar-exact');
    expect(t.pWorse).toBeCloseTo(r.pWorse, 12);
    expect(t.pBetter).toBeCloseTo(r.pBetter, 12);
    expect(t.interval.low).toBeCloseTo(r.low, 7);
    expect(t.interval.high).toBeCloseTo(r.high, 7);
    expect(t.interval.level).toBeCloseTo(1 - 2 * r.alpha, 12);
  });

  it('never contradicts its test, and is never of zero width (every b, c up to 40 in 40 cases)', () => {
    for (let b = 0; b <= 40; b++) {
      for (let c = 0; b + c <= 40; c++) {
        const t = pairedBinaryTest(b, c, 40, 0.05);
        expect(t.interval.high < 0, `b=${b} c=${c}`).toBe(t.pWorse < 0.05);
        expect(t.interval.low > 0, `b=${b} c=${c}`).toBe(t.pBetter < 0.05);
        expect(t.interval.high - t.interval.low).toBeGreaterThan(0.05);
        expect(t.interval.low).toBeLessThanOrEqual(t.estimate);
        expect(t.interval.high).toBeGreaterThanOrEqual(t.estimate);
      }
    }
  });
});

describe('signFlipTest', () => {
  it.each(REF.signFlipExact.map((r, i) => [i, r] as const))('exact case %i matches the enumeration of every sign pattern', (_, r) => {
    const t = signFlipTest(r.diffs, { alpha: r.alpha, range: r.range });
    expect(t.method).toBe('sign-flip-exact');
    expect(t.pWorse).toBeCloseTo(r.pWorse, 12);
    expect(t.pBetter).toBeCloseTo(r.pBetter, 12);
    expect(t.estimate).toBeCloseTo(r.estimate, 12);
    expect(t.interval.low).toBeCloseTo(r.low, 7);
    expect(t.interval.high).toBeCloseTo(r.high, 7);
  });

  it('draws seeded sign patterns for more changed cases: within sampling error of the exact values', () => {
    const r = REF.signFlipRandom;
    const t = signFlipTest(r.diffs, { alpha: r.alpha, range: r.range });
    expect(t.method).toBe('sign-flip-random');
    expect(t.resamples).toBe(10_000);
    // Three standard errors of a proportion estimated from 10,000 draws.
    expect(Math.abs(t.pWorse - r.pWorse)).toBeLessThan(3 * Math.sqrt((r.pWorse * (1 - r.pWorse)) / 10_000));
    expect(Math.abs(t.interval.low - r.low)).toBeLessThan(0.02);
    expect(Math.abs(t.interval.high - r.high)).toBeLessThan(0.02);
    expect(signFlipTest([...r.diffs].reverse(), { alpha: r.alpha, range: r.range })).toEqual(t);
  });

  it('uses the normal limit for very many changed cases', () => {
    const r = REF.signFlipNormal;
    const t = signFlipTest(r.diffs, { alpha: r.alpha, range: r.range });
    expect(t.method).toBe('sign-flip-normal');
    expect(t.pWorse).toBeCloseTo(r.pWorse, 10);
    expect(t.pBetter).toBeCloseTo(r.pBetter, 10);
    expect(t.interval.low).toBeCloseTo(r.low, 8);
    expect(t.interval.high).toBeCloseTo(r.high, 8);
  });

  it('never contradicts its test', () => {
    const random = createRandom(3);
    for (let trial = 0; trial < 200; trial++) {
      const n = 5 + Math.floor(random() * 60);
      const shift = (random() - 0.5) * 0.6;
      const diffs = Array.from({ length: n }, () => (random() < 0.4 ? 0 : Math.round((random() - 0.5 + shift) * 6) / 3));
      const t = signFlipTest(diffs, { alpha: 0.05, range: 1, resamples: 1000 });
      expect(t.interval.high < 0).toBe(t.pWorse < 0.05);
      expect(t.interval.low > 0).toBe(t.pBetter < 0.05);
    }
  });
});

describe('holm', () => {
  it.each(REF.holm.map((r) => [r.p, r.adjusted] as const))('adjusts %j', (p, adjusted) => {
    expect(holm(p)).toEqual(adjusted.map((x) => expect.closeTo(x, 14)));
  });
});

describe('minimumDetectableDrop', () => {
  it.each(REF.exactMde.map((r) => [r.n, r.discordance, r] as const))('n=%i with %f flipping is within half a point of the exact power 80% drop', (n, discordance, r) => {
    expect(Math.abs(minimumDetectableDrop(n, discordance, r.alpha) - r.mde)).toBeLessThan(0.005);
  });

  it('is at least the fewest regressions that can be significant', () => {
    // 2^-5 < 0.05 ≤ 2^-4: five regressions and no fix is the smallest significant drop.
    expect(minimumDetectableDrop(24, 0, 0.05)).toBeGreaterThanOrEqual(5 / 24);
    expect(minimumDetectableDrop(5, 0.5, 0.05)).toBe(1);
  });
});

describe('helpers', () => {
  it('createRandom is deterministic per seed', () => {
    expect(Array.from({ length: 5 }, createRandom(7))).toEqual(Array.from({ length: 5 }, createRandom(7)));
    expect(Array.from({ length: 5 }, createRandom(8))).not.toEqual(Array.from({ length: 5 }, createRandom(7)));
  });

  it('quantileSorted interpolates like R type 7', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it('formatPValue keeps two significant digits', () => {
    expect(formatPValue(0.03515625)).toBe('p = 0.035');
    expect(formatPValue(1)).toBe('p = 1.00');
    expect(formatPValue(0.00099)).toBe('p < 0.001');
  });
});
