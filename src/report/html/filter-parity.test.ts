/**
 * The case table's keyword filter (client/filter.js, run by the page) must accept, reject and
 * evaluate expressions exactly as `--filter` (src/suite/filter.ts) does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { parseFilter } from '../../suite/filter.ts';
import { FILTER_JS } from './assets.ts';

type Predicate = (keywords: Set<string>) => boolean;
// The page's own source, evaluated to test it.
const parseKeywordFilter = new Function(`${FILTER_JS}\nreturn parseKeywordFilter;`)() as (expression: string) => Predicate;

/** 'ok', or the problem and column a parser reports. */
function outcome(parse: () => unknown): string {
  try {
    parse();
    return 'ok';
  } catch (error) {
    if (error instanceof UsageError) {
      const match = /expression: (.*) at column (\d+):/.exec(error.message);
      return `${match?.[1]} @${match?.[2]}`;
    }
    const e = error as Error & { problem?: string; column?: number };
    return `${e.problem} @${e.column}`;
  }
}

const WORDS = ['a', 'b', 'c', 'flakey-fails', 'v1.2', 'two words'];

describe('the page keyword filter', () => {
  it.each([
    ['a && b && c'],
    ['a || b && c'],
    ['!(a && b) || !!c'],
    ['"two words" || \'flakey-fails\''],
    ['v1.2 && (a || (b && !c))'],
    ['a b'],
    ['a &&'],
    ['(a || b'],
    ['a || )'],
    [''],
    ['   '],
    ['a & b'],
    ['"open'],
    ['a | b'],
    ['(a))'],
    ['!'],
    ['a && -b'],
  ])('treats %j like --filter', (expression) => {
    expect(outcome(() => parseKeywordFilter(expression))).toBe(outcome(() => parseFilter(expression)));
  });

  it('agrees with --filter on random expressions and keyword sets', () => {
    type Expr = { op: 'word'; w: string } | { op: 'not'; e: Expr } | { op: 'and' | 'or'; es: Expr[] };
    const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(...WORDS).map((w): Expr => ({ op: 'word', w })),
        tie('e').map((e): Expr => ({ op: 'not', e })),
        fc.record({ op: fc.constantFrom<'and' | 'or'>('and', 'or'), es: fc.array(tie('e'), { minLength: 2, maxLength: 4 }) }),
      ),
    })).e;
    const word = (w: string) => (w.includes(' ') ? `"${w}"` : w);
    const show = (e: Expr, parens: boolean): string => {
      if (e.op === 'word') return word(e.w);
      if (e.op === 'not') return `!${show(e.e, true)}`;
      const text = e.es.map((x) => show(x, true)).join(e.op === 'and' ? ' && ' : ' || ');
      return parens ? `(${text})` : text;
    };
    fc.assert(
      fc.property(expr, fc.boolean(), fc.subarray(WORDS), (e, bare, present) => {
        const text = show(e, !bare);
        const keywords = new Set(present);
        expect(parseKeywordFilter(text)(keywords)).toBe(parseFilter(text)(keywords));
      }),
      { numRuns: 400 },
    );
  });

  it('accepts and rejects the same random strings, with the same message', () => {
    const alphabet = fc.constantFrom('a', 'b', ' ', '&', '|', '!', '(', ')', '"', "'", '-', '.', '_', '1', '&&', '||', '$');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 14 }).map((parts) => parts.join('')), (text) => {
        expect(outcome(() => parseKeywordFilter(text))).toBe(outcome(() => parseFilter(text)));
      }),
      { numRuns: 1000 },
    );
  });
});
