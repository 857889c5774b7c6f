/**
 * What the tests of control characters in case data share: text that would take over a terminal,
 * how every output shows it, and a pattern that finds any raw control character left.
 */

/** A new window title (OSC 0 … BEL), then a cleared screen (CSI 2J). */
export const TAKEOVER = '\u001b]0;title\u0007\u001b[2J';

/** TAKEOVER as every terminal and Markdown output shows it: escaped, inert. */
export const TAKEOVER_SHOWN = '\\u001b]0;title\\u0007\\u001b[2J';

/** A control character a terminal would obey (tab and line feed excepted). */
// eslint-disable-next-line no-control-regex -- finding raw control characters is the point
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
