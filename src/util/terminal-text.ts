/**
 * Text from a run log (case ids, keywords, values, error messages) on its way to a terminal or a
 * Markdown file: its control characters are shown, not obeyed, so a case cannot set the terminal's
 * title, clear the screen, move the cursor or change colours.
 */

// C0 controls but tab and line feed, DEL, and C1 controls (U+009B is a one-character CSI).
// eslint-disable-next-line no-control-regex -- escaping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with each control character written as its escape: ESC becomes the six characters `\u001b`. Tab and line feed stay. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// What tagliots itself writes to a terminal: colours (SGR, `ESC[…m`) and the progress line's
// return-and-clear (`CR ESC[2K`).
// eslint-disable-next-line no-control-regex -- matching control sequences is the point
const OWN_SEQUENCE_OR_CONTROL = /\x1b\[[0-9;]*m|\r\x1b\[2K|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * The last line of defence on a terminal: every control character escaped except in the colour and
 * line-clearing sequences tagliots writes. Text from a log is escaped where it is rendered
 * (`escapeControls`); this catches what reaches a terminal any other way (an error message quoting
 * a case id), so nothing can set the title, clear the screen or move the cursor.
 */
export function escapeForeignControls(text: string): string {
  return text.replace(OWN_SEQUENCE_OR_CONTROL, (match) => (match.length > 1 ? match : escapeControls(match)));
}
