import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { FilterSyntaxError, keywordsOf, parseFilter } from './filter.ts';

const has = (expression: string, ...keywords: string[]) => parseFilter(expression)(new Set(keywords));

describe('parseFilter', () => {
  it('evaluates every operand of a chain (GoTaglio looked at two)', () => {
    expect(has('a && b && c', 'a', 'b')).toBe(false);
    expect(has('a && b && c', 'a', 'b', 'c')).toBe(true);
    expect(has('c || d || a', 'a')).toBe(true);
    expect(has('c || d || a')).toBe(false);
  });

  it('binds ! tighter than && and && tighter than ||', () => {
    expect(has('a || b && c', 'a')).toBe(true);
    expect(has('(a || b) && c', 'a')).toBe(false);
    expect(has('!a && b', 'b')).toBe(true);
    expect(has('!(a && b)', 'a', 'b')).toBe(false);
    expect(has('!!a', 'a')).toBe(true);
  });

  it('accepts keywords with dashes, dots and digits, and quoted keywords with spaces', () => {
    expect(has('flakey-fails && v1.2', 'flakey-fails', 'v1.2')).toBe(true);
    expect(has('"two words" || x', 'two words')).toBe(true);
  });

  it.each([
    ['a b', "unexpected 'b' after a complete expression"],
    ['a &&', 'expected a keyword'],
    ['(a || b', "missing ')'"],
    ['a || )', "expected a keyword, found ')'"],
    ['', 'empty expression'],
    ['a & b', "unexpected '&'"],
    ['"open', 'unterminated quoted keyword'],
  ])('rejects %j with a clear message', (expression, problem) => {
    let error: unknown;
    try {
      parseFilter(expression);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('E_FILTER_SYNTAX');
    expect((error as UsageError).message).toContain(problem);
  });

  it('agrees with a direct evaluation on random expressions', () => {
    type Expr = { op: 'word'; w: string } | { op: 'not'; e: Expr } | { op: 'and' | 'or'; es: Expr[] };
    const words = ['a', 'b', 'c', 'd'];
    const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(...words).map((w): Expr => ({ op: 'word', w })),
        tie('e').map((e): Expr => ({ op: 'not', e })),
        fc.record({ op: fc.constantFrom<'and' | 'or'>('and', 'or'), es: fc.array(tie('e'), { minLength: 2, maxLength: 4 }) }),
      ),
    })).e;
    const show = (e: Expr): string => (e.op === 'word' ? e.w : e.op === 'not' ? `!(${show(e.e)})` : `(${e.es.map(show).join(e.op === 'and' ? ' && ' : ' || ')})`);
    const evaluate = (e: Expr, k: Set<string>): boolean =>
      e.op === 'word' ? k.has(e.w) : e.op === 'not' ? !evaluate(e.e, k) : e.op === 'and' ? e.es.every((x) => evaluate(x, k)) : e.es.some((x) => evaluate(x, k));
    fc.assert(
      fc.property(expr, fc.subarray(words), (e, present) => {
        const k = new Set(present);
        expect(parseFilter(show(e))(k)).toBe(evaluate(e, k));
      }),
      { numRuns: 300 },
    );
  });
});

describe('FilterSyntaxError', () => {
  it('says what is wrong and where apart from the message, for the report page to show', () => {
    const problem = (expression: string) => {
      try {
        parseFilter(expression);
      } catch (error) {
        expect(error).toBeInstanceOf(FilterSyntaxError);
        expect(error).toBeInstanceOf(UsageError);
        const e = error as FilterSyntaxError;
        expect(e.message).toContain(`${e.problem} at column ${e.column}:`);
        return `${e.problem} @${e.column}`;
      }
      return 'ok';
    };
    expect(problem('p0 &&')).toBe('expected a keyword @6');
    expect(problem('(a || b')).toBe("missing ')' @8");
    expect(problem("'open")).toBe('unterminated quoted keyword @1');
    expect(problem('a b')).toBe("unexpected 'b' after a complete expression @3");
    expect(problem('   ')).toBe('empty expression @1');
    expect(problem('a && !b')).toBe('ok');
  });
});

describe('keywordsOf', () => {
  it('reads the keywords array of a case, ignoring what is not a string', () => {
    expect([...keywordsOf({ keywords: ['a', 3, 'b'] })]).toEqual(['a', 'b']);
    expect(keywordsOf({}).size).toBe(0);
  });
});
