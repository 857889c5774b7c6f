/**
 * How tagliots writes numbers, wherever it shows them: money, durations, counts, rates and
 * percentage points, scores, sizes, local times. The terminal, Markdown and the report page all call
 * these functions; the page runs this very module, bundled for the browser at build time (the
 * page's script, src/report/html/client/, imports it), so a figure reads the same everywhere.
 *
 * Pure functions without Intl: its first use costs ~10 ms of start-up, and the output must not
 * depend on the locale. A missing value (null, undefined or NaN) prints as {@link MISSING}.
 */

/** What every formatter prints for a missing value: null, undefined or NaN. */
export const MISSING = '—';

/** A number that may be missing: a run without cost, a rate of no cases, a mean of nothing. */
export type MaybeNumber = number | null | undefined;

function present(x: MaybeNumber): x is number {
  return x !== null && x !== undefined && !Number.isNaN(x);
}

/** `toFixed` without a negative zero: -0.001 to 2 digits is "0.00", not "-0.00". */
function fixed(x: number, digits: number): string {
  const text = x.toFixed(digits);
  return /^-0(?:\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** Thousands separators in the whole part of a plain decimal: "1234567.5" → "1,234,567.5". */
function group(decimal: string): string {
  const [whole, fraction] = decimal.split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** A minus sign before `text` when the value is negative and `text` shows more than zero. */
function minus(value: number, text: string): string {
  return value < 0 && /[1-9]/.test(text) ? `-${text}` : text;
}

/** A plus sign before `text` when the value is positive and `text` shows more than zero. */
function plus(value: number, text: string): string {
  return value > 0 && /[1-9]/.test(text) ? `+${text}` : text;
}

/**
 * Three significant digits for 0 ≤ x < 1000, deciding on the rounded value so that 9.996 reads
 * "10.0", not "10.00": "0.50", "12.3", "855".
 */
function threeDigits(x: number): string {
  for (const digits of [2, 1]) {
    const text = fixed(x, digits);
    if (Number(text) < 10 ** (3 - digits)) return text;
  }
  return fixed(x, 0);
}

/** 1234567 → "1,234,567"; fractions are kept as they are: 1234.5 → "1,234.5". */
export function formatCount(n: MaybeNumber): string {
  return present(n) ? group(String(n)) : MISSING;
}

/** A count in few characters, for chart axes and cards: 950, 9,500, 95.0k, 9.50M, 1.20G. */
export function formatCompact(n: MaybeNumber): string {
  if (!present(n)) return MISSING;
  const tenths = Math.round(n * 10) / 10;
  if (Math.abs(tenths) < 10_000) return formatCount(tenths);
  const abs = Math.abs(n);
  for (const [scale, suffix] of [[1e3, 'k'], [1e6, 'M']] as const) {
    const text = threeDigits(abs / scale);
    if (Number(text) < 1000) return `${minus(n, text)}${suffix}`;
  }
  return `${minus(n, threeDigits(abs / 1e9))}G`;
}

/**
 * A duration in milliseconds, with a precision that suits its size: "0.50 ms", "12.3 ms",
 * "855 ms", "2.41 s", "3 min 4 s", "2 h 5 min". Negative durations (differences) get a minus sign.
 */
export function formatDuration(ms: MaybeNumber): string {
  if (!present(ms)) return MISSING;
  return minus(ms, durationText(Math.abs(ms)));
}

function durationText(abs: number): string {
  const milliseconds = threeDigits(abs);
  if (Number(milliseconds) < 1000) return `${milliseconds} ms`;
  const seconds = fixed(abs / 1000, 2);
  if (Number(seconds) < 60) return `${seconds} s`;
  const wholeSeconds = Math.round(abs / 1000);
  if (wholeSeconds < 3600) return `${Math.floor(wholeSeconds / 60)} min ${wholeSeconds % 60} s`;
  const wholeMinutes = Math.round(abs / 60_000);
  return `${Math.floor(wholeMinutes / 60)} h ${wholeMinutes % 60} min`;
}

/**
 * US dollars: two decimals from $1 on ("$1,234.50"), four under it ("$0.0123"), and two
 * significant digits under a tenth of a cent, so that a small per-call cost never reads as zero
 * ("$0.00012"). Negative amounts (differences) read "-$0.0012".
 */
export function formatUsd(usd: MaybeNumber): string {
  return present(usd) ? minus(usd, `$${usdText(Math.abs(usd))}`) : MISSING;
}

function usdText(abs: number): string {
  const fourDecimals = fixed(abs, 4);
  if (Number(fourDecimals) >= 1) return group(fixed(abs, 2));
  if (Number(fourDecimals) >= 0.001 || abs === 0) return fourDecimals;
  // Two significant digits, at most 12 decimals (costs are recorded to the nano-dollar).
  return fixed(abs, Math.min(12, 1 - Math.floor(Math.log10(abs))));
}

/** A rate (0 to 1) as a number of percent, without the unit: 0.3333 → "33.33". For ranges ("12.50 to 40.00 pp"). */
export function toPercent(rate: MaybeNumber, digits = 2): string {
  return present(rate) ? fixed(100 * rate, digits) : MISSING;
}

/** A rate (0 to 1) in percent: 0.3333 → "33.33%" (`digits` decimals). */
export function formatRate(rate: MaybeNumber, digits = 2): string {
  return present(rate) ? `${toPercent(rate, digits)}%` : MISSING;
}

/** `part` of `whole` in percent: 1 of 3 → "33.33%". Nothing of nothing reads "0.00%", as GoTaglio prints it. */
export function formatPercent(part: number, whole: number, digits = 2): string {
  return `${whole === 0 ? fixed(0, digits) : fixed((100 * part) / whole, digits)}%`;
}

/** A difference of two rates in percentage points, signed: -0.6667 → "-66.67 pp", 0.125 → "+12.50 pp". */
export function formatPoints(delta: MaybeNumber, digits = 2): string {
  return present(delta) ? `${plus(delta, toPercent(delta, digits))} pp` : MISSING;
}

/** A score or any plain number: integers with separators, others to 3 decimals (1 from 100 on, 6 under 0.001), trailing zeros cut. */
export function formatNumber(x: MaybeNumber): string {
  if (!present(x)) return MISSING;
  if (Number.isInteger(x)) return formatCount(x);
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 1 : abs >= 0.001 ? 3 : 6;
  return fixed(x, digits).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** A difference, signed: "+3", "-0.25", "+$0.0048", "+102 ms" (in `format`, {@link formatNumber} by default). */
export function formatSigned(value: MaybeNumber, format: (x: number) => string = formatNumber): string {
  return present(value) ? plus(value, format(value)) : MISSING;
}


/** A size in bytes, in binary units: 512 → "512 B", 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** An ISO time as `2025-11-20 15:03:12` in the local time zone (no fraction of a second); unparsable text as it is. */
export function formatLocalTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}
