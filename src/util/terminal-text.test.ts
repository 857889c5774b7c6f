import { describe, expect, it } from 'vitest';
import { escapeControls, escapeForeignControls } from './terminal-text.ts';

const TITLE = '\u001b]0;title\u0007';
const CLEAR = '\u001b[2J';

describe('escapeControls', () => {
  it('shows control characters escaped rather than obeyed, keeping tabs and line feeds', () => {
    expect(escapeControls('red \u001b[31m and \r back')).toBe('red \\u001b[31m and \\u000d back');
    expect(escapeControls(`${TITLE}${CLEAR}`)).toBe('\\u001b]0;title\\u0007\\u001b[2J');
    expect(escapeControls('tab\tkept\nline')).toBe('tab\tkept\nline');
    // DEL and the C1 controls (U+009B is a one-character CSI).
    expect(escapeControls('\u007f\u009b2J')).toBe('\\u007f\\u009b2J');
  });
});

describe('escapeForeignControls', () => {
  it("keeps tagliots's own colours and progress-line clearing, and escapes every other control", () => {
    const own = '\u001b[1mSummary\u001b[22m \u001b[31;1mERROR\u001b[0m\r\u001b[2K3/4';
    expect(escapeForeignControls(own)).toBe(own);
    expect(escapeForeignControls(`id ${TITLE} ${CLEAR} \r over \u0008`)).toBe('id \\u001b]0;title\\u0007 \\u001b[2J \\u000d over \\u0008');
  });
});
