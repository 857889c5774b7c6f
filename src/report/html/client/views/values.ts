/**
 * Values of a case as the detail panel shows them: text in blocks that clip long text, JSON pretty
 * printed, conversations message by message, errors, and objects as tables of their fields.
 */
import type { ErrorInfo, Usage } from '../../../../log/schema.ts';
import { formatBytes, formatCount } from '../../../../util/units.ts';
import { h, plural, type Child } from '../dom.ts';

interface Message {
  readonly role: string;
  readonly content: unknown;
  readonly [key: string]: unknown;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isMessages(value: unknown): value is readonly Message[] {
  return Array.isArray(value) && value.length > 0 && value.every((m) => isRecord(m) && typeof m['role'] === 'string' && 'content' in m);
}

function lineCount(text: string): number {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

function isLarge(text: string): boolean {
  if (text.length > 400) return true;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) if (++lines > 12) return true;
  return false;
}

/**
 * The most characters of one value the page holds until asked for all of it: laying out a 10 MB
 * value takes the browser seconds, so a huge value shows its beginning and a button.
 */
export const PREVIEW_CHARS = 20000;

/** The first PREVIEW_CHARS characters of `text`, never half a surrogate pair. */
function previewOf(text: string): string {
  const end = PREVIEW_CHARS - (/[\uD800-\uDBFF]/.test(text[PREVIEW_CHARS - 1] ?? '') ? 1 : 0);
  return text.slice(0, end);
}

/** The size of `text` in UTF-8, as `10.0 MiB`. */
function byteSize(text: string): string {
  return formatBytes(new Blob([text]).size);
}

/**
 * Text in a <pre>; long text is clipped with a button that shows it all. A huge one (more than
 * PREVIEW_CHARS characters) has only its beginning in the page until then, and again after "Show less".
 */
export function textBlock(text: string, kind?: 'text' | 'json'): HTMLElement {
  const huge = text.length > PREVIEW_CHARS;
  const pre = h('pre', { class: `value ${kind ?? ''}`, text: huge ? previewOf(text) : text });
  if (!isLarge(text)) return pre;
  pre.classList.add('clipped');
  const label = `Show all (${plural(lineCount(text), 'line')}, ${huge ? byteSize(text) : `${formatCount(text.length)} characters`})`;
  const toggle = h('button', { type: 'button', class: 'small expand', text: label });
  toggle.addEventListener('click', () => {
    const clipped = pre.classList.toggle('clipped');
    if (huge) pre.textContent = clipped ? previewOf(text) : text;
    toggle.textContent = clipped ? label : 'Show less';
  });
  return h('div', { class: 'long' }, pre, toggle);
}

/** Text within a line (an error message): a huge one shows its beginning and a button that shows it all. */
export function lineText(text: string): HTMLElement {
  if (text.length <= PREVIEW_CHARS) return h('span', { text });
  const span = h('span', { text: `${previewOf(text)}…` });
  const more = h('button', { type: 'button', class: 'small expand', text: `Show all (${byteSize(text)})` });
  more.addEventListener('click', () => {
    span.textContent = text;
    more.remove();
  });
  return h('span', {}, span, ' ', more);
}

export function jsonText(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, null, 2) ?? String(value);
}

/** A stage output or any value: a conversation, text, or pretty-printed JSON. */
export function valueView(value: unknown): HTMLElement {
  if (isMessages(value)) return conversation(value);
  if (typeof value === 'string') return textBlock(value, 'text');
  return textBlock(jsonText(value), 'json');
}

const ROLES = new Set(['system', 'user', 'assistant', 'tool', 'developer']);

export function conversation(messages: readonly Message[]): HTMLElement {
  return h(
    'div',
    { class: 'conversation' },
    messages.map((message) => {
      const role = String(message.role);
      let content: Child;
      if (typeof message.content === 'string') content = textBlock(message.content, 'text');
      else if (Array.isArray(message.content) && message.content.every(isRecord)) {
        content = (message.content as readonly Readonly<Record<string, unknown>>[]).map((part) => (part['type'] === 'text' && typeof part['text'] === 'string' ? textBlock(part['text'], 'text') : textBlock(jsonText(part), 'json')));
      } else content = textBlock(jsonText(message.content), 'json');
      const extra = Object.keys(message).filter((k) => k !== 'role' && k !== 'content');
      return h(
        'div',
        { class: `message role-${ROLES.has(role) ? role : 'other'}` },
        h('div', { class: 'role', text: role }),
        content,
        extra.length ? textBlock(jsonText(Object.fromEntries(extra.map((k) => [k, message[k]]))), 'json') : null,
      );
    }),
  );
}

export function errorView(error: ErrorInfo, options: { readonly noStage?: boolean } = {}): HTMLElement {
  const box = h('div', { class: 'error-box' });
  box.append(h('div', { class: 'error-title' }, h('strong', { text: `${error.name}: ` }), lineText(error.message)));
  const meta: HTMLElement[] = [];
  if (!options.noStage) meta.push(h('span', {}, 'stage ', h('code', { text: error.stage ?? '(none: passed() or score())' })));
  if (error.code) meta.push(h('span', {}, 'code ', h('code', { text: error.code })));
  if (meta.length) box.append(h('div', { class: 'error-meta' }, meta.flatMap((m, k) => (k ? [' · ', m] : [m]))));
  if (error.context && error.context.length > 0) {
    box.append(h('div', { class: 'error-context' }, h('span', { class: 'muted', text: 'while ' }), error.context.flatMap((c, k) => (k ? [h('span', { class: 'sep', text: ' › ' }), h('span', { text: c })] : [h('span', { text: c })]))));
  }
  if (error.stack) box.append(h('details', { class: 'stack' }, h('summary', { text: 'Stack trace' }), error.stack.length > PREVIEW_CHARS ? textBlock(error.stack) : h('pre', { class: 'value', text: error.stack })));
  return box;
}

/** `12 in, 3 out tokens (2 calls)`. */
export function usageText(usage: (Partial<Usage> & Pick<Usage, 'inputTokens' | 'outputTokens'>) | undefined): string {
  if (!usage) return '';
  const parts = [`${formatCount(usage.inputTokens)} in`, `${formatCount(usage.outputTokens)} out`];
  if (usage.cachedInputTokens) parts.push(`${formatCount(usage.cachedInputTokens)} cached`);
  if (usage.reasoningTokens) parts.push(`${formatCount(usage.reasoningTokens)} reasoning`);
  return `${parts.join(', ')} tokens${usage.calls !== undefined ? ` (${plural(usage.calls, 'call')})` : ''}`;
}

/** An object as a table of its fields: strings as text, small values as one line of JSON. */
export function keyValues(object: Readonly<Record<string, unknown>>): HTMLElement {
  const table = h('table', { class: 'kv' });
  for (const [key, value] of Object.entries(object)) {
    let view: HTMLElement;
    if (typeof value === 'string') view = textBlock(value, 'text');
    else {
      const compact = JSON.stringify(value) ?? String(value);
      view = compact.length <= 100 ? textBlock(compact, 'json') : textBlock(jsonText(value), 'json');
    }
    table.append(h('tr', {}, h('th', { class: 'mono', text: key }), h('td', {}, view)));
  }
  return table;
}

export function section(title: string, ...content: Child[]): HTMLElement {
  return h('section', { class: 'detail-section' }, h('h3', { text: title }), ...content);
}

/** A table of class `plain <kind>`: a head row of `headings`, then a row of cells per item. */
export function plainTable<T>(kind: string, headings: readonly string[], items: readonly T[], cells: (item: T) => Child[]): HTMLElement {
  return h('table', { class: `plain ${kind}` }, h('thead', {}, h('tr', {}, headings.map((t) => h('th', { text: t })))), h('tbody', {}, items.map((item) => h('tr', {}, cells(item)))));
}
