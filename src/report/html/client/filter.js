// The keyword filter of the case table: the grammar of src/suite/filter.ts (`--filter`), ported to
// the page. `!` binds tightest, then `&&`, then `||`; parentheses group; a keyword is a word of
// letters, digits and `_ . : / -`, or any text in single or double quotes. A keyword is true when
// the case has it. src/report/html/filter-parity.test.ts checks that both accept, reject and
// evaluate the same expressions.

/**
 * Parses a keyword expression. Returns a predicate over a Set of keywords, or throws an Error whose
 * `problem` and `column` (1-based) say what is wrong, with the same wording as `--filter`.
 * @param {string} expression
 * @returns {(keywords: Set<string>) => boolean}
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- used by app.js, which is concatenated after this file
function parseKeywordFilter(expression) {
  const WORD = /[A-Za-z0-9_][A-Za-z0-9_.:/-]*/y;
  const fail = (at, problem) => {
    const error = new Error(`${problem} at column ${at + 1}`);
    error.problem = problem;
    error.column = at + 1;
    throw error;
  };

  const tokens = [];
  let i = 0;
  while (i < expression.length) {
    const c = expression[i];
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
      if (end === -1) fail(i, 'unterminated quoted keyword');
      tokens.push({ kind: 'word', value: expression.slice(i + 1, end), at: i });
      i = end + 1;
    } else {
      WORD.lastIndex = i;
      const match = WORD.exec(expression);
      if (!match) fail(i, `unexpected '${c}'`);
      tokens.push({ kind: 'word', value: match[0], at: i });
      i += match[0].length;
    }
  }
  tokens.push({ kind: 'end', at: expression.length });

  const SYMBOLS = { and: '&&', or: '||', not: '!', open: '(', close: ')', end: 'end' };
  const describe = (token) => (token.kind === 'word' ? token.value : SYMBOLS[token.kind]);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];

  const parseOr = () => {
    const parts = [parseAnd()];
    while (peek().kind === 'or') {
      next();
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0] : (k) => parts.some((part) => part(k));
  };
  const parseAnd = () => {
    const parts = [parseNot()];
    while (peek().kind === 'and') {
      next();
      parts.push(parseNot());
    }
    return parts.length === 1 ? parts[0] : (k) => parts.every((part) => part(k));
  };
  const parseNot = () => {
    if (peek().kind === 'not') {
      next();
      const inner = parseNot();
      return (k) => !inner(k);
    }
    return parsePrimary();
  };
  const parsePrimary = () => {
    const token = next();
    if (token.kind === 'word') {
      const word = token.value;
      return (k) => k.has(word);
    }
    if (token.kind === 'open') {
      const inner = parseOr();
      const close = next();
      if (close.kind !== 'close') fail(close.at, close.kind === 'end' ? "missing ')'" : "expected ')'");
      return inner;
    }
    return fail(token.at, token.kind === 'end' ? 'expected a keyword' : `expected a keyword, found '${describe(token)}'`);
  };

  if (expression.trim() === '') fail(0, 'empty expression');
  const predicate = parseOr();
  const rest = peek();
  if (rest.kind !== 'end') fail(rest.at, `unexpected '${describe(rest)}' after a complete expression`);
  return predicate;
}
