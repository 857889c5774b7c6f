import { describe, expect, it } from 'vitest';
import {
  MISSING,
  formatBytes,
  formatCompact,
  formatCount,
  formatDuration,
  formatLocalTime,
  formatNumber,
  formatPercent,
  formatPoints,
  formatRate,
  formatSigned,
  formatUsd,
  toPercent,
} from './units.ts';

const missing = [null, undefined, Number.NaN];

describe('formatCount', () => {
  it.each<[number, string]>([
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [1000, '1,000'],
    [1234567, '1,234,567'],
    [-1234, '-1,234'],
    [1234.5, '1,234.5'],
    [-0, '0'],
    [1e21, '1e+21'],
  ])('%s → %s', (n, text) => expect(formatCount(n)).toBe(text));

  it('prints a missing count as a dash', () => {
    for (const n of missing) expect(formatCount(n)).toBe(MISSING);
  });
});

describe('formatCompact', () => {
  it.each<[number, string]>([
    [0, '0'],
    [950, '950'],
    [12.34, '12.3'],
    [9500, '9,500'],
    [9999.96, '10.0k'],
    [12_345, '12.3k'],
    [95_000, '95.0k'],
    [99_960, '100k'],
    [999_999, '1.00M'],
    [9_500_000, '9.50M'],
    [123_456_789, '123M'],
    [1.2e9, '1.20G'],
    [2.5e12, '2500G'],
    [-12_345, '-12.3k'],
  ])('%s → %s', (n, text) => expect(formatCompact(n)).toBe(text));

  it('prints a missing count as a dash', () => {
    for (const n of missing) expect(formatCompact(n)).toBe(MISSING);
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0.00 ms'],
    [0.004, '0.00 ms'],
    [0.06, '0.06 ms'],
    [0.5, '0.50 ms'],
    [3.88, '3.88 ms'],
    [9.996, '10.0 ms'],
    [12.5, '12.5 ms'],
    [99.96, '100 ms'],
    [855.2, '855 ms'],
    [999.6, '1.00 s'],
    [1000, '1.00 s'],
    [1140, '1.14 s'],
    [2500, '2.50 s'],
    [59_994, '59.99 s'],
    [59_999, '1 min 0 s'],
    [184_000, '3 min 4 s'],
    [119_999, '2 min 0 s'],
    [3_599_400, '59 min 59 s'],
    [3_599_600, '1 h 0 min'],
    [7_500_000, '2 h 5 min'],
    [360_000_000, '100 h 0 min'],
    [-60, '-60.0 ms'],
    [-256.4, '-256 ms'],
    [-0.001, '0.00 ms'],
    [-125_000, '-2 min 5 s'],
  ])('%s ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('prints a missing duration as a dash', () => {
    for (const ms of missing) expect(formatDuration(ms)).toBe(MISSING);
  });
});

describe('formatUsd', () => {
  it.each<[number, string]>([
    [0, '$0.0000'],
    [0.0123, '$0.0123'],
    [0.01234, '$0.0123'],
    [0.1, '$0.1000'],
    [0.5, '$0.5000'],
    [0.0049, '$0.0049'],
    [0.00495, '$0.0050'],
    [0.001, '$0.0010'],
    [0.000999, '$0.0010'],
    [0.00012, '$0.00012'],
    [0.000123, '$0.00012'],
    [0.0000075, '$0.0000075'],
    [3e-9, '$0.0000000030'],
    [1e-15, '$0.000000000000'],
    [0.99994, '$0.9999'],
    [0.99996, '$1.00'],
    [1, '$1.00'],
    [1.234, '$1.23'],
    [1.75, '$1.75'],
    [1234.5, '$1,234.50'],
    [1_000_000, '$1,000,000.00'],
    [-0.0012, '-$0.0012'],
    [-1234.5, '-$1,234.50'],
    [-0.00001, '-$0.000010'],
    [-0, '$0.0000'],
  ])('%s → %s', (usd, text) => expect(formatUsd(usd)).toBe(text));

  it('prints a missing amount as a dash', () => {
    for (const usd of missing) expect(formatUsd(usd)).toBe(MISSING);
  });
});

describe('rates and percentages', () => {
  it('formats a rate with 2 decimals, or as many as asked', () => {
    expect(formatRate(1 / 3)).toBe('33.33%');
    expect(formatRate(1)).toBe('100.00%');
    expect(formatRate(0)).toBe('0.00%');
    expect(formatRate(1 / 3, 1)).toBe('33.3%');
    expect(formatRate(0.505, 0)).toBe('51%');
    expect(formatRate(-0.00001)).toBe('0.00%');
    for (const rate of missing) expect(formatRate(rate)).toBe(MISSING);
  });

  it('formats part of a whole, and nothing of nothing as 0', () => {
    expect(formatPercent(1, 3)).toBe('33.33%');
    expect(formatPercent(24, 24)).toBe('100.00%');
    expect(formatPercent(0, 0)).toBe('0.00%');
    expect(formatPercent(2, 3, 1)).toBe('66.7%');
  });

  it('formats a rate as a number of percent for ranges', () => {
    expect(`${toPercent(-0.8542)} to ${toPercent(-0.4583)} pp`).toBe('-85.42 to -45.83 pp');
    expect(toPercent(0.125, 1)).toBe('12.5');
    expect(toPercent(null)).toBe(MISSING);
  });

  it('formats a difference of rates in signed percentage points', () => {
    expect(formatPoints(-2 / 3)).toBe('-66.67 pp');
    expect(formatPoints(0.125)).toBe('+12.50 pp');
    expect(formatPoints(0.125, 1)).toBe('+12.5 pp');
    expect(formatPoints(0)).toBe('0.00 pp');
    expect(formatPoints(0.000001)).toBe('0.00 pp');
    expect(formatPoints(null)).toBe(MISSING);
  });
});

describe('formatNumber', () => {
  it.each<[number, string]>([
    [0, '0'],
    [1, '1'],
    [2060, '2,060'],
    [0.5, '0.5'],
    [2 / 3, '0.667'],
    [-0.25, '-0.25'],
    [123.456, '123.5'],
    [0.0004, '0.0004'],
    [-0.0000001, '0'],
    [1e-7, '0'],
  ])('%s → %s', (x, text) => expect(formatNumber(x)).toBe(text));

  it('prints a missing number as a dash', () => {
    for (const x of missing) expect(formatNumber(x)).toBe(MISSING);
  });
});

describe('formatSigned', () => {
  it('puts a plus before a positive difference that shows more than zero', () => {
    expect(formatSigned(3)).toBe('+3');
    expect(formatSigned(-0.25)).toBe('-0.25');
    expect(formatSigned(0)).toBe('0');
    expect(formatSigned(1e-9)).toBe('0');
    expect(formatSigned(0.0048, formatUsd)).toBe('+$0.0048');
    expect(formatSigned(-0.0012, formatUsd)).toBe('-$0.0012');
    expect(formatSigned(102.3, formatDuration)).toBe('+102 ms');
    expect(formatSigned(0, formatDuration)).toBe('0.00 ms');
    expect(formatSigned(1500, formatCount)).toBe('+1,500');
    expect(formatSigned(null)).toBe(MISSING);
  });
});

describe('formatBytes', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [5 * 1024 ** 2, '5.0 MiB'],
    [3 * 1024 ** 3, '3.00 GiB'],
  ])('%s → %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('formatLocalTime', () => {
  it('prints a local date and time to the second, and text that is no time as it is', () => {
    const local = new Date(2025, 10, 20, 14, 3, 12, 345);
    expect(formatLocalTime(local.toISOString())).toBe('2025-11-20 14:03:12');
    expect(formatLocalTime('not a time')).toBe('not a time');
  });
});
