/**
 * DOM helpers of the report page. Every value from a run log reaches the page through h() or svg()
 * as text (textContent, or a Text node): never as HTML.
 */
import { formatCount } from '../../../util/units.ts';

/** What h() and svg() take as children: nodes and text; null, undefined and false are left out. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

/**
 * Element properties: `class`, `text`, `on<event>` handlers, `dataset`, `style` (assigned to
 * el.style), and attributes (never from log data for `href`, which only takes app routes).
 * null, undefined and false leave a property out; true sets an empty attribute.
 */
export type Props = Readonly<Record<string, unknown>>;

/** Creates an element. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setProps(el, props);
  appendChildren(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element, like h(). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  appendChildren(el, children);
  return el;
}

function setProps(el: HTMLElement | SVGElement, props: Props | null | undefined): void {
  if (!props) return;
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.setAttribute('class', String(value));
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') {
      for (const [name, data] of Object.entries(value as Record<string, unknown>)) el.dataset[name] = String(data);
    } else if (key === 'style') Object.assign(el.style, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value as EventListener);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

/**
 * Appends children to an element, leaving out null, undefined and false (the DOM's own append()
 * would write them as the text "null" or "undefined").
 */
export function appendChildren(el: Element | DocumentFragment, children: readonly Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) appendChildren(el, child as readonly Child[]);
    else el.append(typeof child === 'object' ? (child as Node) : String(child));
  }
}

/** A JSON value on one line: strings as they are. */
export function oneLineJson(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}

/** `3 cases`, `1 case`: the count formatted as the terminal does. */
export function plural(n: number, word: string, many?: string): string {
  return `${formatCount(n)} ${n === 1 ? word : (many ?? `${word}s`)}`;
}
