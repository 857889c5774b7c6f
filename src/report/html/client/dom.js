// DOM and formatting helpers of the report page. Every value from a run log reaches the page
// through h() or svg() as text (textContent, or a Text node): never as HTML.

/* eslint-disable @typescript-eslint/no-unused-vars -- these are used by charts.js and app.js, concatenated after this file */
/* global document, formats */

// Numbers are written by the terminal's own formatters (src/util/units.ts and the report helpers
// that src/report/html/formats.ts re-exports), bundled into the page before this file.
const { formatCompact, formatCount, formatDuration, formatLocalTime, formatNumber, formatPValue, formatPercent, formatPoints, formatRate, formatSigned, formatUsd, interval } = formats;

/**
 * Creates an element. `props`: `class`, `text`, `on<event>` handlers, `dataset`, `style` (an object
 * for el.style), and attributes (never from log data for `href`, which only takes app routes).
 */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  appendChildren(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element, like h(). */
function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  appendChildren(el, children);
  return el;
}

function setProps(el, props) {
  if (!props) return;
  for (const key of Object.keys(props)) {
    const value = props[key];
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.setAttribute('class', value);
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style') Object.assign(el.style, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function appendChildren(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(typeof child === 'object' ? child : String(child));
  }
}

/** A JSON value on one line: strings as they are. */
function oneLineJson(value) {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}

function plural(n, word, many) {
  return `${formatCount(n)} ${n === 1 ? word : (many ?? `${word}s`)}`;
}
