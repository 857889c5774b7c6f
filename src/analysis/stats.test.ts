import { describe, expect, it } from 'vitest';
import {
  binomialHalfCdf,
  bootstrapMean,
  createRandom,
  formatPValue,
  logGamma,
  mcnemarExact,
  normalQuantile,
  quantileSorted,
  sampleBinomial,
  tally,
} from './stats.ts';

// Reference values computed exactly with Python (fractions.Fraction and math.comb): two-sided
// p = min(1, 2·P(X ≤ min(b, c))), one-sided "worse" P(X ≤ c), "better" P(X ≤ b), X ~ Bin(b + c, ½).
const MCNEMAR_TABLE: [b: number, c: number, two: number, worse: number, better: number][] = [
  [12, 3, 0.03515625, 0.017578125, 0.996307373046875],
  [0, 5, 0.0625, 1, 0.03125],
  [5, 5, 1, 0.623046875, 0.623046875],
  [10, 0, 0.001953125, 0.0009765625, 1],
  [1, 0, 1, 0.5, 1],
  [30, 18, 0.11140289106101875, 0.055701445530509375, 0.9702683123731148],
  [520, 480, 0.21744829320414094, 0.10872414660207047, 0.9026168357691172],
  [40, 60, 0.05688793364098079, 0.9823998998911476, 0.028443966820490395],
  [5100, 4900, 0.04658552770494739, 0.023292763852473693, 0.9777871004769597],
];

describe('mcnemarExact', () => {
  it.each(MCNEMAR_TABLE)('b=%i c=%i: two-sided p=%f', (b, c, two, worse, better) => {
    const result = mcnemarExact(b, c);
    expect(result.pTwoSided).toBeCloseTo(two, 12);
    expect(result.pWorse).toBeCloseTo(worse, 12);
    expect(result.pBetter).toBeCloseTo(better, 12);
    expect(result.regressions).toBe(b);
    expect(result.fixes).toBe(c);
  });

  it('b=12, c=3 gives two-sided p ≈ 0.0352 (the hand computation: 2·576/32768)', () => {
    expect(mcnemarExact(12, 3).pTwoSided).toBeCloseTo((2 * (1 + 15 + 105 + 455)) / 32768, 15);
  });

  it('is 1 with no discordant pairs, and symmetric in b and c', () => {
    expect(mcnemarExact(0, 0)).toEqual({ regressions: 0, fixes: 0, pTwoSided: 1, pWorse: 1, pBetter: 1 });
    for (const [b, c] of [[3, 9], [100, 70], [0, 7]] as const) {
      const x = mcnemarExact(b, c);
      const y = mcnemarExact(c, b);
      expect(x.pTwoSided).toBe(y.pTwoSided);
      expect(x.pWorse).toBe(y.pBetter);
    }
  });

  it('stays exact for millions of discordant pairs', () => {
    const p = mcnemarExact(1_001_000, 999_000).pTwoSided;
    // z = 2000 / sqrt(2e6) ≈ 1.414: the normal approximation gives about 0.157.
    expect(p).toBeGreaterThan(0.15);
    expect(p).toBeLessThan(0.16);
    expect(mcnemarExact(2_000_000, 0).pTwoSided).toBe(0);
  });
});

describe('binomialHalfCdf', () => {
  it('matches exact sums', () => {
    expect(binomialHalfCdf(3, 15)).toBeCloseTo(576 / 32768, 15);
    expect(binomialHalfCdf(-1, 10)).toBe(0);
    expect(binomialHalfCdf(10, 10)).toBe(1);
    expect(binomialHalfCdf(5, 10)).toBeCloseTo(638 / 1024, 14);
    // Far in the tail: 8.702158206134392e-90 (Python, decimal arithmetic).
    expect(binomialHalfCdf(4000, 10000) / 8.702158206134392e-90).toBeCloseTo(1, 9);
  });
});

describe('logGamma', () => {
  it('matches known values', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5723649429247004, 13);
    expect(logGamma(10)).toBeCloseTo(12.801827480081467, 12);
    expect(logGamma(123.456)).toBeCloseTo(469.60554712992956, 10);
    expect(logGamma(1e6) / 12815504.569147611).toBeCloseTo(1, 13);
  });
});

describe('normalQuantile and quantileSorted', () => {
  it('gives the usual critical values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 7);
  });

  it('interpolates like R type 7', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([5], 0.95)).toBe(5);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
});

describe('createRandom', () => {
  it('is deterministic per seed and uniform enough', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const xs = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(xs);
    expect(Array.from({ length: 5 }, c)).not.toEqual(xs);
    const r = createRandom(1);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const u = r();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      bins[Math.floor(u * 10)]!++;
    }
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});

describe('sampleBinomial', () => {
  const moments = (n: number, p: number, draws: number, seed: number) => {
    const random = createRandom(seed);
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < draws; i++) {
      const k = sampleBinomial(n, p, random);
      expect(Number.isInteger(k) && k >= 0 && k <= n).toBe(true);
      sum += k;
      squares += k * k;
    }
    const mean = sum / draws;
    return { mean, variance: squares / draws - mean * mean };
  };

  it.each([
    [20, 0.1],
    [1000, 0.3],
    [1000, 0.9],
    [50, 0.5],
    [1_000_000, 0.5],
    [3_000_000, 0.0001],
  ])('Binomial(%i, %f) has the right mean and variance', (n, p) => {
    const { mean, variance } = moments(n, p, 20_000, 3);
    const sd = Math.sqrt(n * p * (1 - p));
    // The mean of 20,000 draws is within 4 standard errors; the variance within 6%.
    expect(Math.abs(mean - n * p)).toBeLessThan((4 * sd) / Math.sqrt(20_000));
    expect(variance / (n * p * (1 - p))).toBeGreaterThan(0.94);
    expect(variance / (n * p * (1 - p))).toBeLessThan(1.06);
  });

  it('matches the probability mass function (chi-square test, BTRS and inversion)', () => {
    for (const [n, p] of [
      [60, 0.4],
      [25, 0.2],
    ] as const) {
      const random = createRandom(11);
      const draws = 50_000;
      const counts = new Array<number>(n + 1).fill(0);
      for (let i = 0; i < draws; i++) counts[sampleBinomial(n, p, random)]!++;
      let chi2 = 0;
      let bins = 0;
      for (let k = 0; k <= n; k++) {
        const expected = draws * Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log(1 - p));
        if (expected < 5) continue;
        chi2 += (counts[k]! - expected) ** 2 / expected;
        bins++;
      }
      // 99.9th percentile of chi-square with ~30 degrees of freedom is about 60.
      expect(chi2).toBeLessThan(bins + 4 * Math.sqrt(2 * bins));
    }
  });

  it('handles the edges', () => {
    const random = createRandom(1);
    expect(sampleBinomial(0, 0.5, random)).toBe(0);
    expect(sampleBinomial(10, 0, random)).toBe(0);
    expect(sampleBinomial(10, 1, random)).toBe(10);
  });
});

describe('bootstrapMean', () => {
  it('is deterministic with a fixed seed, whatever the order of the sample', () => {
    const random = createRandom(5);
    const sample = Array.from({ length: 500 }, () => Math.round(random() * 4) - 2);
    const shuffled = [...sample].reverse();
    const a = bootstrapMean(sample, { seed: 9 })!;
    const b = bootstrapMean(shuffled, { seed: 9 })!;
    expect(a).toEqual(b);
    expect(a.method).toBe('bootstrap');
    expect(a.resamples).toBe(2000);
    expect(a.low).toBeLessThan(a.estimate);
    expect(a.high).toBeGreaterThan(a.estimate);
    expect(bootstrapMean(sample, { seed: 10 })).not.toEqual(a);
  });

  it('gives a fixed, known interval for a fixed seed (pass-rate differences: 12 regressions, 3 fixes in 100)', () => {
    const ci = bootstrapMean({ values: [-1, 0, 1], counts: [12, 85, 3] }, { seed: 1 })!;
    expect(ci.estimate).toBeCloseTo(-0.09, 12);
    // The paired bootstrap interval is close to the Wald interval for a paired difference,
    // -0.09 ± 1.96 · sqrt((0.15 − 0.0081) / 100) ≈ [-0.164, -0.016].
    expect(ci.low).toBeGreaterThan(-0.18);
    expect(ci.low).toBeLessThan(-0.15);
    expect(ci.high).toBeGreaterThan(-0.03);
    expect(ci.high).toBeLessThan(-0.01);
    expect(bootstrapMean({ values: [-1, 0, 1], counts: [12, 85, 3] }, { seed: 1 })).toEqual(ci);
  });

  it('covers the true difference about 95% of the time (paired synthetic data, both resampling paths)', () => {
    for (const distinct of ['few', 'many'] as const) {
      const random = createRandom(distinct === 'few' ? 21 : 22);
      let covered = 0;
      const trials = 150;
      for (let t = 0; t < trials; t++) {
        // 150 pairs; the true mean difference is 0.1.
        const sample = Array.from({ length: 150 }, () => {
          if (distinct === 'few') return random() < 0.3 ? (random() < 0.5 + 0.1 / 0.3 / 2 ? 1 : -1) : 0;
          return 0.1 + (random() - 0.5) * 2;
        });
        const ci = bootstrapMean(sample, { seed: t, resamples: 500 })!;
        expect(ci.method).toBe('bootstrap');
        if (ci.low <= 0.1 && 0.1 <= ci.high) covered++;
      }
      expect(covered / trials).toBeGreaterThan(0.88);
      expect(covered / trials).toBeLessThanOrEqual(0.99);
    }
  });

  it('uses the normal limit for huge, varied samples, and handles trivial ones', () => {
    const random = createRandom(2);
    const huge = Float64Array.from({ length: 60_000 }, () => random());
    const ci = bootstrapMean(huge)!;
    expect(ci.method).toBe('normal');
    expect(ci.high - ci.low).toBeCloseTo(2 * 1.96 * Math.sqrt(1 / 12 / 60_000), 4);
    expect(bootstrapMean([])).toBeNull();
    expect(bootstrapMean([0.5, 0.5, 0.5])).toMatchObject({ estimate: 0.5, low: 0.5, high: 0.5 });
  });

  it('tally counts distinct values in order', () => {
    expect(tally([3, 1, 3, -1, 1, 3])).toEqual({ values: [-1, 1, 3], counts: [1, 2, 3] });
  });
});

describe('formatPValue', () => {
  it('keeps two significant digits', () => {
    expect(formatPValue(0.03515625)).toBe('p = 0.035');
    expect(formatPValue(0.0625)).toBe('p = 0.063');
    expect(formatPValue(1)).toBe('p = 1.00');
    expect(formatPValue(0.2174)).toBe('p = 0.22');
    expect(formatPValue(0.00099)).toBe('p < 0.001');
  });
});
