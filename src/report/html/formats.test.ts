import { describe, expect, it } from 'vitest';
import * as units from '../../util/units.ts';
import { PAGE_SCRIPTS } from './assets.ts';

type Formats = typeof import('./formats.ts');

/** The formatters as the page runs them: the bundle the page script starts with, evaluated on its own. */
function pageFormats(): Formats {
  const bundle = PAGE_SCRIPTS.find((script) => script.name === 'formats.js');
  expect(bundle, 'the page script starts with the formatters').toBe(PAGE_SCRIPTS[0]);
  return new Function(`${bundle!.text}\nreturn formats;`)() as Formats;
}

describe('the report page formatters', () => {
  const page = pageFormats();
  const values = [null, Number.NaN, 0, -0, 0.004, 0.00012, 0.0049, 0.5, 0.99996, 1, 12.5, 99.96, 855.2, 1234.5, 59_999, 184_000, 7_500_000, -0.0012, -256.4, 1e9];

  it('print every value as the terminal does', () => {
    for (const x of values) {
      for (const name of ['formatCount', 'formatCompact', 'formatDuration', 'formatUsd', 'formatRate', 'formatPoints', 'formatNumber', 'formatSigned'] as const) {
        expect(page[name](x), `${name}(${x})`).toBe(units[name](x));
      }
    }
    expect(page.formatPercent(1, 3)).toBe(units.formatPercent(1, 3));
    expect(page.formatPValue(0.035)).toBe('p = 0.035');
    expect(page.interval({ low: -0.25, high: 0.125, level: 0.9 }, 'rate')).toBe('90% CI -25.0 to 12.5 pp');
  });
});
