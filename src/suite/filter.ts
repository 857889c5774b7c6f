import { UsageError } from '../errors.ts';

/** True when a case with these keywords is selected. */
export type KeywordPredicate = (keywords: ReadonlySet<string>) => boolean;

type Token = { kind: 'and' | 'or' | 'not' | 'open' | 'close' | 'end' } | { kind: 'word'; value: string };
type Positioned = Token & { at: number };

const WORD = /[A-Za-z0-9_][A-Za-z0-9_.:/-]*/y;

function tokenize(expression: string): Positioned[] {
  const tokens: Positioned[] = [];
  let i = 0;
  while (i < expression.length) {
    const c = expression[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
    } else if (expression.startsWith('&&', i)) {
      tokens.push({ kind: 'and', at: i });
      i += 2;
    } else if (expression.startsWith('||', i)) {
      tokens.push({ kind: 'or', at: i });
      i += 2;
    } else if (c === '!') {
      tokens.push({ kind: 'not', at: i++ });
    } else if (c === '(') {
      tokens.push({ kind: 'open', at: i++ });
    } else if (c === ')') {
      tokens.push({ kind: 'close', at: i++ });
    } else if (c === '"' || c === "'") {
      const end = expression.indexOf(c, i + 1);
      if (end === -1) throw syntaxError(expression, i, 'unterminated quoted keyword');
      tokens.push({ kind: 'word', value: expression.slice(i + 1, end), at: i });
      i = end + 1;
    } else {
      WORD.lastIndex = i;
      const match = WORD.exec(expression);
      if (!match) throw syntaxError(expression, i, `unexpected '${c}'`);
      tokens.push({ kind: 'word', value: match[0], at: i });
      i += match[0].length;
    }
  }
  tokens.push({ kind: 'end', at: expression.length });
  return tokens;
}

/** A keyword expression that does not parse: what is wrong, and where (the report page shows both). */
export class FilterSyntaxError extends UsageError {
  constructor(
    expression: string,
    /** What is wrong, e.g. `expected a keyword`. */
    readonly problem: string,
    /** Where, from 1. */
    readonly column: number,
  ) {
    super('E_FILTER_SYNTAX', `Invalid --filter expression: ${problem} at column ${column}:\n  ${expression}\n  ${' '.repeat(column - 1)}^`, {
      hint: "Keywords combined with && (and), || (or), ! (not) and parentheses, e.g. --filter 'p0 && !(slow || flaky)'.",
    });
  }
}

function syntaxError(expression: string, at: number, problem: string): FilterSyntaxError {
  return new FilterSyntaxError(expression, problem, at + 1);
}

/**
 * Parses a keyword expression such as `p0 && !(slow || flaky)`: `!` binds tightest, then `&&`,
 * then `||`; chains of any length evaluate every operand (GoTaglio looked at two), and anything
 * left over is an error rather than silently ignored. A keyword is true when the case has it.
 */
export function parseFilter(expression: string): KeywordPredicate {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position]!;
  const next = () => tokens[position++]!;

  const parseOr = (): KeywordPredicate => {
    const parts = [parseAnd()];
    while (peek().kind === 'or') {
      next();
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0]! : (k) => parts.some((part) => part(k));
  };
  const parseAnd = (): KeywordPredicate => {
    const parts = [parseNot()];
    while (peek().kind === 'and') {
      next();
      parts.push(parseNot());
    }
    return parts.length === 1 ? parts[0]! : (k) => parts.every((part) => part(k));
  };
  const parseNot = (): KeywordPredicate => {
    if (peek().kind === 'not') {
      next();
      const inner = parseNot();
      return (k) => !inner(k);
    }
    return parsePrimary();
  };
  const parsePrimary = (): KeywordPredicate => {
    const token = next();
    if (token.kind === 'word') {
      const word = token.value;
      return (k) => k.has(word);
    }
    if (token.kind === 'open') {
      const inner = parseOr();
      const close = next();
      if (close.kind !== 'close') throw syntaxError(expression, close.at, close.kind === 'end' ? "missing ')'" : "expected ')'");
      return inner;
    }
    throw syntaxError(expression, token.at, token.kind === 'end' ? 'expected a keyword' : `expected a keyword, found '${describe(token)}'`);
  };

  if (expression.trim() === '') throw syntaxError(expression, 0, 'empty expression');
  const predicate = parseOr();
  const rest = peek();
  if (rest.kind !== 'end') throw syntaxError(expression, rest.at, `unexpected '${describe(rest)}' after a complete expression`);
  return predicate;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'and':
      return '&&';
    case 'or':
      return '||';
    case 'not':
      return '!';
    case 'open':
      return '(';
    case 'close':
      return ')';
    case 'end':
      return 'end';
    case 'word':
      return token.value;
  }
}

/** The keywords of a case (its `keywords` array of strings), as a set. */
export function keywordsOf(testCase: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const raw = testCase['keywords'];
  return new Set(Array.isArray(raw) ? raw.filter((k): k is string => typeof k === 'string') : []);
}
