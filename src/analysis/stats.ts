/**
 * The statistics `compare` and `gate` use, with no dependencies: a seeded PRNG, an exact binomial
 * sampler, McNemar's exact test on paired pass/fail flips, and a paired bootstrap of a mean.
 *
 * Everything is deterministic: the same inputs and seed give the same numbers on every machine,
 * whatever order the cases were read in (bootstrap inputs are sorted before they are resampled).
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting PRNG, 128 bits of state), seeded through
 * splitmix32 so that nearby seeds give unrelated streams.
 */
export function createRandom(seed: number): Random {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) next();
  // 53 random bits, like Math.random().
  return () => (next() * 2 ** 21 + (next() >>> 11)) / 2 ** 53;
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (Lanczos, g = 7: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (y + i);
  const t = y + 7.5;
  return HALF_LOG_2PI + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln C(n, k). */
export function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * P(X ≤ k) for X ~ Binomial(n, 1/2), exactly (summed in log space, so n may be in the millions).
 */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (k > n / 2) return 1 - binomialHalfCdf(n - k - 1, n);
  // Below the mode the terms grow with i: sum from k downwards, relative to the largest term.
  const logTop = logChoose(n, k) - n * Math.LN2;
  let sum = 0;
  let term = 1;
  for (let i = k; i >= 0; i--) {
    sum += term;
    // pmf(i - 1) / pmf(i) = i / (n - i + 1)
    term *= i / (n - i + 1);
    if (term < sum * 1e-17) break;
  }
  return Math.min(1, Math.exp(logTop + Math.log(sum)));
}

export interface McNemarResult {
  /** Discordant pairs that went from passing to not passing (b). */
  readonly regressions: number;
  /** Discordant pairs that went from not passing to passing (c). */
  readonly fixes: number;
  /** Two-sided exact p-value: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, 1/2), at most 1. */
  readonly pTwoSided: number;
  /** One-sided p-value for "B is worse": P(X ≥ b). */
  readonly pWorse: number;
  /** One-sided p-value for "B is better": P(X ≥ c). */
  readonly pBetter: number;
}

/**
 * McNemar's exact test on paired binary outcomes: under "no difference" each discordant pair is
 * equally likely to be a regression or a fix, so the regressions among the b + c discordant pairs
 * follow Binomial(b + c, 1/2). Pairs that agree carry no information and do not enter.
 */
export function mcnemarExact(regressions: number, fixes: number): McNemarResult {
  const n = regressions + fixes;
  if (n === 0) return { regressions, fixes, pTwoSided: 1, pWorse: 1, pBetter: 1 };
  return {
    regressions,
    fixes,
    pTwoSided: Math.min(1, 2 * binomialHalfCdf(Math.min(regressions, fixes), n)),
    pWorse: binomialHalfCdf(fixes, n),
    pBetter: binomialHalfCdf(regressions, n),
  };
}

// ln(k!) − [(k + ½) ln(k + 1) − (k + 1) + ½ ln 2π]: the tail of Stirling's series, tabulated to k = 9.
const STIRLING_TAIL = Array.from({ length: 10 }, (_, k) => {
  let logFactorial = 0;
  for (let i = 2; i <= k; i++) logFactorial += Math.log(i);
  return logFactorial - ((k + 0.5) * Math.log(k + 1) - (k + 1) + HALF_LOG_2PI);
});

function stirlingTail(k: number): number {
  if (k <= 9) return STIRLING_TAIL[k]!;
  const kp1sq = (k + 1) * (k + 1);
  return (1 / 12 - (1 / 360 - 1 / 1260 / kp1sq) / kp1sq) / (k + 1);
}

/**
 * A draw from Binomial(n, p), exact: inversion when n·min(p, 1 − p) < 10, otherwise Hörmann's
 * BTRS (transformed rejection with squeeze, 1993), which takes O(1) time for any n.
 */
export function sampleBinomial(n: number, p: number, random: Random): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - sampleBinomial(n, 1 - p, random);
  if (n * p < 10) {
    // Inversion: walk the pmf from 0, pmf(k + 1) = pmf(k) · (n − k)/(k + 1) · p/(1 − p).
    const q = 1 - p;
    const s = p / q;
    let pmf = Math.exp(n * Math.log1p(-p));
    let u = random();
    let k = 0;
    while (u > pmf && k < n) {
      u -= pmf;
      pmf *= ((n - k) / (k + 1)) * s;
      k++;
      if (pmf === 0) break;
    }
    return k;
  }
  const spq = Math.sqrt(n * p * (1 - p));
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const alpha = (2.83 + 5.1 / b) * spq;
  const lpq = Math.log(p / (1 - p));
  const m = Math.floor((n + 1) * p);
  const h = logFactorialApprox(m) + logFactorialApprox(n - m);
  for (;;) {
    const u = random() - 0.5;
    let v = random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    if (v <= h - logFactorialApprox(k) - logFactorialApprox(n - k) + (k - m) * lpq) return k;
  }
}

/** ln(k!) via Stirling's series with its tabulated tail. */
function logFactorialApprox(k: number): number {
  return (k + 0.5) * Math.log(k + 1) - (k + 1) + HALF_LOG_2PI + stirlingTail(k);
}

export interface BootstrapOptions {
  /** @default 2000 */
  readonly resamples?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Coverage of the interval. @default 0.95 */
  readonly level?: number;
}

export interface BootstrapInterval {
  /** The mean of the sample. */
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
  readonly level: number;
  readonly resamples: number;
  readonly seed: number;
  /**
   * `bootstrap`: percentile interval of resampled means. `normal`: mean ± z·sd/√n, used only when a
   * sample is too large and too varied to resample (over 50,000 values with more than 256 distinct),
   * where the bootstrap distribution of the mean is normal to well within the shown precision.
   */
  readonly method: 'bootstrap' | 'normal';
  /** Values in the sample. */
  readonly n: number;
}

export const BOOTSTRAP_DEFAULTS = { resamples: 2000, seed: 1, level: 0.95 } as const;

/** Distinct values (ascending) and how often each occurs. */
export interface Tally {
  readonly values: readonly number[];
  readonly counts: readonly number[];
}

/** Counts the distinct values of a sample, ascending. */
export function tally(sample: ArrayLike<number>): Tally {
  const sorted = Float64Array.from(sample).sort();
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (values.length > 0 && values[values.length - 1] === v) counts[counts.length - 1]!++;
    else {
      values.push(v);
      counts.push(1);
    }
  }
  return { values, counts };
}

const MULTINOMIAL_MAX_DISTINCT = 256;
const DIRECT_MAX_WORK = 1e8;

/**
 * A percentile bootstrap confidence interval for the mean of `sample` (for paired data: the
 * per-case differences B − A, so the pairing is kept). Null for an empty sample.
 *
 * A resample of n values from a sample with k distinct values is a draw of their counts from
 * Multinomial(n; frequencies), so when k is small (pass/fail differences are −1, 0 or 1) each
 * resample takes k binomial draws instead of n: the same distribution, in O(k) time.
 */
export function bootstrapMean(sample: ArrayLike<number> | Tally, options: BootstrapOptions = {}): BootstrapInterval | null {
  const { values, counts } = isTally(sample) ? sample : tally(sample);
  const resamples = options.resamples ?? BOOTSTRAP_DEFAULTS.resamples;
  const seed = options.seed ?? BOOTSTRAP_DEFAULTS.seed;
  const level = options.level ?? BOOTSTRAP_DEFAULTS.level;
  let n = 0;
  let sum = 0;
  for (let j = 0; j < values.length; j++) {
    n += counts[j]!;
    sum += values[j]! * counts[j]!;
  }
  if (n === 0) return null;
  const estimate = sum / n;
  const base = { estimate, level, resamples, seed, n };
  if (values.length === 1) return { ...base, low: values[0]!, high: values[0]!, method: 'bootstrap' };

  const random = createRandom(seed);
  const means = new Float64Array(resamples);
  if (values.length <= MULTINOMIAL_MAX_DISTINCT) {
    for (let r = 0; r < resamples; r++) {
      let left = n;
      let leftWeight = n;
      let total = 0;
      for (let j = 0; j < values.length && left > 0; j++) {
        const drawn = j === values.length - 1 ? left : sampleBinomial(left, counts[j]! / leftWeight, random);
        total += drawn * values[j]!;
        left -= drawn;
        leftWeight -= counts[j]!;
      }
      means[r] = total / n;
    }
  } else if (n * resamples <= DIRECT_MAX_WORK) {
    const flat = new Float64Array(n);
    for (let j = 0, at = 0; j < values.length; j++) flat.fill(values[j]!, at, (at += counts[j]!));
    for (let r = 0; r < resamples; r++) {
      let total = 0;
      for (let i = 0; i < n; i++) total += flat[Math.floor(random() * n)]!;
      means[r] = total / n;
    }
  } else {
    let squares = 0;
    for (let j = 0; j < values.length; j++) squares += counts[j]! * (values[j]! - estimate) ** 2;
    const half = normalQuantile(0.5 + level / 2) * Math.sqrt(squares / n / n);
    return { ...base, low: estimate - half, high: estimate + half, method: 'normal' };
  }
  means.sort();
  const tail = (1 - level) / 2;
  return { ...base, low: quantileSorted(means, tail), high: quantileSorted(means, 1 - tail), method: 'bootstrap' };
}

function isTally(sample: ArrayLike<number> | Tally): sample is Tally {
  return !ArrayBuffer.isView(sample) && !Array.isArray(sample) && 'counts' in sample;
}

/** The q-quantile of sorted values, interpolating linearly between order statistics (R's type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** The standard normal quantile (Acklam's rational approximation: relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [-39.69683028665376, 220.9460984245205, -275.928510446969, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

/** "p < 0.001", "p = 0.035", "p = 1.00": two significant digits, plain enough for a verdict line. */
export function formatPValue(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  if (p >= 0.1) return `p = ${p.toFixed(2)}`;
  return `p = ${p.toPrecision(2)}`;
}
