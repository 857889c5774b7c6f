/**
 * Where JSON text is broken, for error messages that name file:line:column. JSON.parse does the
 * parsing; this only answers the "where" question that Node 20's JSON.parse messages leave open.
 */

export interface SyntaxProblem {
  offset: number;
  reason: string;
}

export const QUOTE = 34;
export const BACKSLASH = 92;
export const COMMA = 44;
export const COLON = 58;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;

export function isJsonSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Where and why `text` is not JSON, or undefined when it is. Node 20's JSON.parse messages do not
 * always give a position, so this re-checks the text (only ever on the error path).
 */
export function findJsonSyntaxError(text: string): SyntaxProblem | undefined {
  const n = text.length;
  const stack: number[] = [];
  let i = 0;
  let afterComma = false;

  const at = (offset: number, reason: string): SyntaxProblem =>
    offset >= n ? { offset: text.trimEnd().length, reason: `unexpected end of input (${reason})` } : { offset, reason };
  const skipSpace = (): void => {
    while (i < n && isJsonSpace(text.charCodeAt(i))) i++;
  };
  const describe = (offset: number): string => {
    const c = text.codePointAt(offset) ?? 0;
    return c < 32 ? `control character U+${c.toString(16).padStart(4, '0').toUpperCase()}` : `'${String.fromCodePoint(c)}'`;
  };
  const unexpected = (what: string): SyntaxProblem => {
    const c = text.charCodeAt(i);
    if ((c === CLOSE_BRACKET || c === CLOSE_BRACE) && afterComma) return at(i, `unexpected ${describe(i)}: JSON does not allow a trailing comma`);
    if (c === 39) return at(i, "unexpected \"'\": JSON strings use double quotes");
    const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(i, i + 64))?.[0];
    if (word !== undefined) {
      const quotes = what === 'expected a value' ? ' (strings need double quotes)' : '';
      return at(i, `unexpected '${word}': ${what}${quotes}`);
    }
    return at(i, `unexpected ${describe(i)}: ${what}`);
  };
  const readString = (): SyntaxProblem | undefined => {
    i++;
    for (;;) {
      if (i >= n) return at(i, 'unterminated string');
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i++;
        return undefined;
      }
      if (c === 10 || c === 13) return at(i, 'unterminated string: a JSON string cannot contain a line break (write \\n)');
      if (c < 32) return at(i, `${describe(i)} inside a string must be escaped`);
      if (c === BACKSLASH) {
        const e = text.charCodeAt(i + 1);
        if (e === 117) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return at(i, 'invalid \\u escape: expected 4 hex digits');
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i + 1] ?? 'x')) return at(i, i + 1 >= n ? 'unterminated string' : `invalid escape '\\${text[i + 1]}'`);
        i += 2;
        continue;
      }
      i++;
    }
  };
  const readDigits = (what: string): SyntaxProblem | undefined => {
    if (!isDigit(text.charCodeAt(i))) return at(i, `expected a digit ${what}`);
    while (isDigit(text.charCodeAt(i))) i++;
    return undefined;
  };
  const readNumber = (): SyntaxProblem | undefined => {
    const start = i;
    if (text.charCodeAt(i) === 45) i++;
    if (text.charCodeAt(i) === 48) {
      i++;
      if (isDigit(text.charCodeAt(i))) return at(start, 'a JSON number cannot start with 0');
    } else {
      const problem = readDigits("after '-'");
      if (problem) return problem;
    }
    if (text.charCodeAt(i) === 46) {
      i++;
      const problem = readDigits('after the decimal point');
      if (problem) return problem;
    }
    const e = text.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 43 || sign === 45) i++;
      const problem = readDigits('in the exponent');
      if (problem) return problem;
    }
    return undefined;
  };
  const readKey = (): SyntaxProblem | undefined => {
    skipSpace();
    if (i >= n) return at(i, 'expected a property name');
    if (text.charCodeAt(i) !== QUOTE) return unexpected('expected a property name in double quotes');
    const problem = readString();
    if (problem) return problem;
    skipSpace();
    if (text.charCodeAt(i) !== COLON) return i >= n ? at(i, "expected ':'") : unexpected("expected ':' after the property name");
    i++;
    afterComma = false;
    return undefined;
  };

  for (;;) {
    // A value starts here.
    skipSpace();
    if (i >= n) return at(i, 'expected a value');
    const c = text.charCodeAt(i);
    let problem: SyntaxProblem | undefined;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      i++;
      skipSpace();
      if (text.charCodeAt(i) === close) {
        i++;
      } else {
        stack.push(close);
        afterComma = false;
        if (close === CLOSE_BRACE) {
          problem = readKey();
          if (problem) return problem;
        }
        continue;
      }
    } else if (c === QUOTE) {
      problem = readString();
    } else if (c === 45 || isDigit(c)) {
      problem = readNumber();
    } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
      i += 4;
    } else if (text.startsWith('false', i)) {
      i += 5;
    } else {
      return unexpected('expected a value');
    }
    if (problem) return problem;
    afterComma = false;

    // After a value: close containers, or find the comma before the next value.
    for (;;) {
      skipSpace();
      const close = stack[stack.length - 1];
      if (close === undefined) return i < n ? at(i, `unexpected ${describe(i)} after the end of the JSON value`) : undefined;
      const expected = close === CLOSE_BRACKET ? "expected ',' or ']' after an array element" : "expected ',' or '}' after a property value";
      if (i >= n) return at(i, expected);
      const d = text.charCodeAt(i);
      if (d === close) {
        stack.pop();
        i++;
        continue;
      }
      if (d !== COMMA) return at(i, `unexpected ${describe(i)}: ${expected}`);
      i++;
      afterComma = true;
      if (close === CLOSE_BRACE) {
        skipSpace();
        if (text.charCodeAt(i) === CLOSE_BRACE) return at(i, "unexpected '}': JSON does not allow a trailing comma");
        problem = readKey();
        if (problem) return problem;
      }
      break;
    }
  }
}


/** Line (1-based), column (1-based, in code points) and the text of the line holding `offset`. */
export function positionOf(text: string, offset: number): { line: number; column: number; lineText: string; offsetInLine: number } {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  let lineText = text.slice(start, end === -1 ? text.length : end);
  if (lineText.endsWith('\r')) lineText = lineText.slice(0, -1);
  const offsetInLine = offset - start;
  return { line, column: codePoints(lineText.slice(0, offsetInLine)).length + 1, lineText, offsetInLine };
}

/** The source line (a window of it, when long) with a caret under `offset`; tabs are kept so the caret lines up. */
export function caretExcerpt(lineText: string, offset: number): string {
  const chars = codePoints(lineText);
  const column = codePoints(lineText.slice(0, offset)).length;
  const width = 100;
  const from = chars.length <= width ? 0 : Math.max(0, Math.min(column - width / 2, chars.length - width));
  const to = Math.min(chars.length, from + width);
  const lead = from > 0 ? '…' : '';
  const shown = lead + chars.slice(from, to).join('') + (to < chars.length ? '…' : '');
  const pad = (lead === '' ? '' : ' ') + chars.slice(from, column).map((c) => (c === '\t' ? '\t' : ' ')).join('');
  return `  ${shown}\n  ${pad}^`;
}

export function codePoints(text: string): string[] {
  return Array.from(text);
}

