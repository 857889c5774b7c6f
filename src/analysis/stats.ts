/**
 * The statistics `compare` and `gate` use, with no dependencies. One convention everywhere: a
 * change is judged by two one-sided tests at level α ("B is worse", "B is better"), and shown with
 * the interval whose ends are the matching one-sided (1 − α) confidence bounds, that is the
 * two-sided (1 − 2α) interval: 90% for α = 0.05. The interval never contradicts the tests: its
 * upper end is below 0 exactly when "B is worse" is significant, and its lower end above 0 exactly
 * when "B is better" is.
 *
 * The unit of analysis is the case. Per case, the difference d = B − A of its pass rate (the share
 * of its repeats that passed) or of its mean score; the tests are paired sign-flip (randomization)
 * tests on those differences, which under "no difference" are symmetric about 0:
 *
 * - pass/fail with one record per case on each side: McNemar's exact test, the sign-flip test on
 *   ±1 differences, with Tango's score interval for the paired difference of proportions;
 * - repeats or scores: the sign-flip test on the per-case differences, exact for up to 16 changed
 *   cases, else with seeded random sign flips, else (very large suites) its normal limit. Its
 *   interval splits the change into the share of cases that changed (Clopper–Pearson) and the
 *   mean change of those cases (the inverted sign-flip test).
 *
 * Everything is deterministic: the same inputs and seed give the same numbers on every machine.
 * The values are checked against an independent implementation in
 * `test/fixtures/stats/reference.py` (see docs/statistics.md).
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** A source of uniform 32-bit unsigned integers. */
export type RandomBits = () => number;

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting PRNG, 128 bits of state), seeded through
 * splitmix32 so that nearby seeds give unrelated streams: 32 random bits per call.
 */
export function createRandomBits(seed: number): RandomBits {
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
  return next;
}

/** Uniform numbers in [0, 1) from createRandomBits(seed): 53 random bits each, like Math.random(). */
export function createRandom(seed: number): Random {
  const next = createRandomBits(seed);
  return () => (next() * 2 ** 21 + (next() >>> 11)) / 2 ** 53;
}

// ── special functions ──────────────────────────────────────────────────────────────────────────

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

/** erfc(x) for x ≥ 0, through the regularized upper incomplete gamma function Q(½, x²). */
function erfcPositive(x: number): number {
  const a = 0.5;
  const v = x * x;
  if (v === 0) return 1;
  const front = Math.exp(-v + a * Math.log(v) - logGamma(a));
  if (v < a + 1) {
    // Series for P(a, v).
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 500; n++) {
      term *= v / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return 1 - sum * front;
  }
  // Continued fraction for Q(a, v) (modified Lentz).
  const tiny = 1e-300;
  let b = v + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return front * h;
}

/** Φ(x), the standard normal distribution function (about 15 significant digits in both tails). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const t = Math.abs(x) / Math.SQRT2;
  const tail = 0.5 * erfcPositive(t);
  return x < 0 ? tail : 1 - tail;
}

/**
 * The standard normal quantile: Acklam's rational approximation (relative error below 1.2e-9),
 * refined by one Halley step on normalCdf to full double precision.
 */
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
  // Halley: the error of Φ(x) − p, over the density.
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** The continued fraction of the incomplete beta function (Numerical Recipes' betacf, modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(a, b, x)) / a;
  return 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  return regularizedBeta(1 - p, n - k, k + 1);
}

/** Up to this n, binomialHalfCdf sums the coefficients themselves (2^1000 still fits a double). */
const SMALL_BINOMIAL = 1000;

/**
 * P(X ≤ k) for X ~ Binomial(n, 1/2), exactly for small n, else summed in log space from the tail, so
 * n may be in the millions.
 */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (n <= SMALL_BINOMIAL) {
    // The binomial coefficients themselves (exact integers while they fit in 53 bits), over their sum.
    let term = 1;
    let below = 0;
    let total = 0;
    for (let i = 0; i <= n; i++) {
      if (i <= k) below += term;
      total += term;
      term = (term * (n - i)) / (i + 1);
    }
    return below / total;
  }
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

/** The root of an increasing function on [low, high] by bisection, to double precision. */
function bisect(f: (x: number) => number, target: number, low: number, high: number): number {
  let lo = low;
  let hi = high;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Clopper–Pearson bounds for a binomial proportion, x successes in n: the lower bound has
 * P(X ≥ x) = `lowerTail`, the upper bound P(X ≤ x) = `upperTail` (each end misses with at most that
 * probability). With n = 0 the bounds are 0 and 1.
 */
export function clopperPearson(x: number, n: number, lowerTail: number, upperTail: number = lowerTail): { readonly low: number; readonly high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const low = x <= 0 ? 0 : bisect((p) => regularizedBeta(p, x, n - x + 1), lowerTail, 0, 1);
  const high = x >= n ? 1 : bisect((p) => -regularizedBeta(1 - p, n - x, x + 1), -upperTail, 0, 1);
  return { low, high };
}

// ── tests ──────────────────────────────────────────────────────────────────────────────────────

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

/**
 * Tango's score statistic for "the paired difference of proportions is δ": regressions b and fixes
 * c among n pairs, difference (c − b)/n, with the variance at the restricted maximum-likelihood
 * estimate of the regression probability q under p(fix) − p(regression) = δ.
 */
function tangoStatistic(b: number, c: number, n: number, delta: number): number {
  const k = b + c + (c - b) * delta - 2 * n * delta;
  const q = (k + Math.sqrt(Math.max(0, k * k + 8 * n * b * delta * (1 - delta)))) / (4 * n);
  const variance = (2 * q + delta - delta * delta) / n;
  const gap = (c - b) / n - delta;
  if (variance <= 0) return gap === 0 ? 0 : gap > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return gap / Math.sqrt(variance);
}

/**
 * Tango's score interval (1998) for the difference of two paired proportions, B − A = (c − b)/n,
 * with each end a one-sided bound at `alpha`. Never of zero width, even with no discordant pair.
 */
export function tangoInterval(regressions: number, fixes: number, n: number, alpha: number): { readonly low: number; readonly high: number } {
  if (n <= 0) return { low: -1, high: 1 };
  const z = normalQuantile(1 - alpha);
  const estimate = (fixes - regressions) / n;
  // The statistic decreases in δ: the lower end is where it equals z, the upper end where it equals −z.
  const low = bisect((d) => -tangoStatistic(regressions, fixes, n, d), -z, -1, estimate);
  const high = bisect((d) => -tangoStatistic(regressions, fixes, n, d), z, estimate, 1);
  return { low, high };
}

/** Holm's step-down adjustment of p-values (family-wise error at most α), in the order given. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/** The fewest cases that must all change the same way for a change to be significant at α: 2^−k < α. */
export function fewestSignificant(alpha: number): number {
  return Math.floor(Math.log2(1 / alpha)) + 1;
}

/** Power wanted for the minimum detectable effect. */
export const MDE_POWER = 0.8;

/**
 * The smallest drop of a paired pass rate that the one-sided exact test at `alpha` detects with 80%
 * power, with `n` cases of which a share `discordance` flips between runs when nothing changed:
 * the normal approximation with a continuity correction (within half a point of the exact power
 * for suites of 100 cases or more; see docs/statistics.md), with as many flips as the drop needs,
 * and at least the fewest regressions that can be significant at all.
 */
export function minimumDetectableDrop(n: number, discordance: number, alpha: number): number {
  if (n <= 0) return Number.NaN;
  const za = normalQuantile(1 - alpha);
  const power = (delta: number) => {
    const flips = Math.max(discordance, delta);
    const spread = n * (flips - delta * delta);
    if (spread <= 0) return 1;
    return normalCdf((n * delta - za * Math.sqrt(n * flips) - 1) / Math.sqrt(spread));
  };
  const drop = power(1) < MDE_POWER ? 1 : bisect(power, MDE_POWER, 0, 1);
  return Math.min(1, Math.max(drop, fewestSignificant(alpha) / n));
}

/** What a paired test says about B − A, over the cases both runs have. */
export interface PairedTest {
  /**
   * `mcnemar-exact`: one pass/fail record per case on each side. `sign-flip-exact`: every sign
   * pattern of up to 16 changed cases enumerated. `sign-flip-random`: `resamples` seeded random
   * sign patterns. `sign-flip-normal`: the normal limit of the sign-flip test (very large suites).
   */
  readonly method: 'mcnemar-exact' | 'sign-flip-exact' | 'sign-flip-random' | 'sign-flip-normal';
  /** Cases compared. */
  readonly cases: number;
  /** Cases whose value differs between the runs (for pass/fail: the discordant pairs). */
  readonly changed: number;
  /** Cases whose value went down (regressions) and up (fixes). */
  readonly worse: number;
  readonly better: number;
  /** The mean per-case difference B − A. */
  readonly estimate: number;
  /** One-sided p-value of "B is worse". */
  readonly pWorse: number;
  /** One-sided p-value of "B is better". */
  readonly pBetter: number;
  /** Level of each one-sided test. */
  readonly alpha: number;
  /**
   * The (1 − 2α) interval of B − A: each end a one-sided (1 − α) bound, so `high < 0` exactly when
   * pWorse < α and `low > 0` exactly when pBetter < α.
   */
  readonly interval: { readonly low: number; readonly high: number; readonly level: number };
  /** The smallest drop this comparison would detect with 80% power (the minimum detectable effect). */
  readonly mde: number;
  /** The widest a per-case difference can be: 1 for pass rates, the score range for scores. */
  readonly range: number;
  /** Random sign patterns drawn (`sign-flip-random` only), and their seed. */
  readonly resamples?: number;
  readonly seed?: number;
}

/**
 * The paired pass/fail comparison with one record per case on each side: McNemar's exact test,
 * and Tango's score interval. The interval is widened to 0 when the exact test finds no difference
 * (it can exclude 0 for a handful of flips where the exact test cannot), and its end is the
 * conditional exact bound when the exact test finds one the score interval misses: it never
 * contradicts the test.
 */
export function pairedBinaryTest(regressions: number, fixes: number, cases: number, alpha: number): PairedTest {
  const m = mcnemarExact(regressions, fixes);
  const changed = regressions + fixes;
  let { low, high } = tangoInterval(regressions, fixes, cases, alpha);
  // The share of regressions among the flips, exactly: when it is above ½, B is significantly worse.
  const share = changed === 0 ? null : clopperPearson(regressions, changed, alpha);
  const scale = changed / cases;
  if (m.pWorse >= alpha) high = Math.max(high, 0);
  else if (high >= 0) high = scale * (1 - 2 * share!.low);
  if (m.pBetter >= alpha) low = Math.min(low, 0);
  else if (low <= 0) low = scale * (1 - 2 * share!.high);
  return {
    method: 'mcnemar-exact',
    cases,
    changed,
    worse: regressions,
    better: fixes,
    estimate: cases === 0 ? 0 : (fixes - regressions) / cases,
    pWorse: m.pWorse,
    pBetter: m.pBetter,
    alpha,
    interval: { low, high, level: 1 - 2 * alpha },
    mde: minimumDetectableDrop(cases, changed / cases, alpha),
    range: 1,
  };
}

export interface SignFlipOptions {
  /** Level of each one-sided test. */
  readonly alpha: number;
  /**
   * The widest a per-case difference can be (1 for pass rates; the score range for scores): bounds
   * the mean change of changed cases when too few changed to say more.
   */
  readonly range: number;
  /** Random sign patterns for more than 16 changed cases. @default 10000 */
  readonly resamples?: number;
  /** @default 1 */
  readonly seed?: number;
}

/** How many bits are set in each byte. */
const BITS_IN_BYTE = Uint8Array.from({ length: 256 }, (_, byte) => {
  let n = 0;
  for (let b = byte; b > 0; b &= b - 1) n++;
  return n;
});

/** Changed cases up to which every sign pattern is enumerated (2^16 patterns). */
const EXACT_MAX_CHANGED = 16;
/** Changed cases × resamples up to which random sign patterns are drawn; beyond, the normal limit. */
const RANDOM_MAX_WORK = 2e7;
export const SIGN_FLIP_DEFAULTS = { resamples: 10_000, seed: 1 } as const;

/** The share of the interval's misses allowed to the share of changed cases (the rest goes to their mean change). */
const SHARE_ALPHA_FRACTION = 0.1;

/**
 * The paired sign-flip test on per-case differences `diffs` (B − A; zeros are unchanged cases):
 * under "no difference" each difference is as likely to have either sign, so the p-value of
 * "B is worse" is the share of sign patterns whose sum is at most the observed one.
 *
 * The interval multiplies two bounds: the share of cases that changed (Clopper–Pearson, at α/10
 * each side) and the mean change of the changed cases, from inverting the same sign-flip test on
 * them shifted by each candidate mean (at α each side). Its ends therefore cross 0 exactly when the
 * test is significant, it is never of zero width (when nothing changed, the change of a case is only
 * bounded by `range`), and each end misses with probability at most 1.1 α.
 */
export function signFlipTest(diffs: ArrayLike<number>, options: SignFlipOptions): PairedTest {
  const { alpha, range } = options;
  const n = diffs.length;
  let worse = 0;
  let better = 0;
  for (let i = 0; i < n; i++) {
    const d = diffs[i]!;
    if (d < 0) worse++;
    else if (d > 0) better++;
  }
  const values = new Float64Array(worse + better);
  for (let i = 0, at = 0; i < n; i++) if (diffs[i] !== 0) values[at++] = diffs[i]!;
  // Sorted, so the result does not depend on the order the cases were read in.
  values.sort();
  let sum = 0;
  let squares = 0;
  for (const d of values) {
    sum += d;
    squares += d * d;
  }
  const m = values.length;
  const base = { cases: n, changed: m, worse, better, estimate: n === 0 ? 0 : sum / n, alpha, range };
  const share = clopperPearson(m, n, SHARE_ALPHA_FRACTION * alpha);
  const interval = (meanLow: number, meanHigh: number) => {
    const lo = Math.max(-range, meanLow);
    const hi = Math.min(range, meanHigh);
    return {
      low: lo < 0 ? share.high * lo : share.low * lo,
      high: hi > 0 ? share.high * hi : share.low * hi,
      level: 1 - 2 * alpha,
    };
  };
  const floor = (fewestSignificant(alpha) * (m > 0 ? Math.max(Math.abs(values[0]!), Math.abs(values[m - 1]!)) : range)) / Math.max(1, n);
  const mde = n === 0 ? Number.NaN : Math.max(floor, ((normalQuantile(1 - alpha) + normalQuantile(MDE_POWER)) * Math.sqrt(squares / n)) / Math.sqrt(n));

  if (m === 0) return { ...base, method: 'sign-flip-exact', pWorse: 1, pBetter: 1, interval: interval(-range, range), mde };

  const resamples = options.resamples ?? SIGN_FLIP_DEFAULTS.resamples;
  const seed = options.seed ?? SIGN_FLIP_DEFAULTS.seed;
  if (m > EXACT_MAX_CHANGED && m * resamples > RANDOM_MAX_WORK) {
    // The normal limit: S/√Σd² is standard normal under "no difference". The interval inverts the
    // same statistic for the changed cases shifted by μ: (S − mμ)² = z²·Σ(d − μ)², a quadratic in μ.
    const z = normalQuantile(1 - alpha);
    const root = Math.sqrt(Math.max(0, sum * sum - (m * (sum * sum - z * z * squares)) / (m - z * z)));
    return {
      ...base,
      method: 'sign-flip-normal',
      pWorse: normalCdf(sum / Math.sqrt(squares)),
      pBetter: normalCdf(-sum / Math.sqrt(squares)),
      interval: interval((sum - root) / m, (sum + root) / m),
      mde,
    };
  }

  // Each sign pattern flips a subset of the changed cases; what matters is the sum and the count of
  // the flipped values. Flipping subset F turns the sum S into S − 2·sum(F), which is at most S
  // exactly when sum(F) ≥ 0; shifted by μ, when mean(F) ≥ μ.
  const exact = m <= EXACT_MAX_CHANGED;
  const patterns = exact ? 2 ** m : resamples;
  // Sums of values such as 1/3 and 2/3 that are equal in exact arithmetic differ in the last bits in
  // floating point: a flipped sum this close to 0 is a tie, as it would be in exact arithmetic.
  const tie = 1e-9 * Math.max(Math.abs(values[0]!), Math.abs(values[m - 1]!)) * m;
  const snap = (x: number) => (Math.abs(x) <= tie ? 0 : x);
  // A pattern is a bit mask over the changed cases. The sums of every 8-bit slice of the values
  // are tabulated once, so a pattern's flipped sum takes one lookup per 8 cases.
  const slices = Math.ceil(m / 8);
  const sliceSums = new Float64Array(slices * 256);
  for (let k = 0; k < slices; k++) {
    for (let byte = 1; byte < 256; byte++) {
      const low = byte & -byte;
      const i = 8 * k + 31 - Math.clz32(low);
      sliceSums[k * 256 + byte] = sliceSums[k * 256 + (byte ^ low)]! + (i < m ? values[i]! : 0);
    }
  }
  const means = new Float64Array(patterns);
  let meansUsed = 0;
  let atLeast = 0;
  let atMost = 0;
  // Patterns that flip nothing equal the observed data: they count on both sides, for every μ.
  let unflipped = exact ? 0 : 1;
  const bits = exact ? null : createRandomBits(seed);
  const words = new Uint32Array(Math.ceil(m / 32));
  const lastMask = m % 32 === 0 ? 0xffffffff : 2 ** (m % 32) - 1;
  for (let r = 0; r < patterns; r++) {
    if (exact) words[0] = r;
    else {
      for (let w = 0; w < words.length; w++) words[w] = bits!();
      words[words.length - 1]! &= lastMask;
    }
    let flippedSum = 0;
    let count = 0;
    for (let k = 0; k < slices; k++) {
      const byte = (words[k >> 2]! >>> (8 * (k & 3))) & 255;
      flippedSum += sliceSums[k * 256 + byte]!;
      count += BITS_IN_BYTE[byte]!;
    }
    flippedSum = snap(flippedSum);
    if (count === 0) unflipped++;
    else means[meansUsed++] = flippedSum / count;
    if (flippedSum >= 0) atLeast++;
    if (flippedSum <= 0) atMost++;
  }
  const total = exact ? patterns : patterns + 1;
  const sorted = means.subarray(0, meansUsed).sort();
  // The bound is the k-th largest (smallest) flipped mean, k the patterns needed for p ≥ α.
  const needed = Math.ceil(alpha * total - unflipped);
  const high = needed <= 0 ? Number.POSITIVE_INFINITY : needed > meansUsed ? Number.NEGATIVE_INFINITY : sorted[meansUsed - needed]!;
  const low = needed <= 0 ? Number.NEGATIVE_INFINITY : needed > meansUsed ? Number.POSITIVE_INFINITY : sorted[needed - 1]!;
  return {
    ...base,
    method: exact ? 'sign-flip-exact' : 'sign-flip-random',
    pWorse: exact ? atLeast / total : (1 + atLeast) / total,
    pBetter: exact ? atMost / total : (1 + atMost) / total,
    interval: interval(low, high),
    mde,
    ...(!exact && { resamples, seed }),
  };
}

/** The q-quantile of sorted values, interpolating linearly between order statistics (R's type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** "p < 0.001", "p = 0.035", "p = 1.00": two significant digits, plain enough for a verdict line. */
export function formatPValue(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  if (p >= 0.1) return `p = ${p.toFixed(2)}`;
  return `p = ${p.toPrecision(2)}`;
}
