// DOM and formatting helpers of the report page. Every value from a run log reaches the page
// through h() or svg() as text (textContent, or a Text node): never as HTML.

/* eslint-disable @typescript-eslint/no-unused-vars -- these are used by charts.js and app.js, concatenated after this file */
/* global document */

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

/** 1234567 → "1,234,567". */
function fmtCount(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  const [whole, fraction] = String(n).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** A count in few characters: 950, 9,500, 95k, 9.5M. */
function fmtCompact(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  const abs = Math.abs(n);
  if (abs < 10000) return fmtCount(Math.round(n * 10) / 10);
  if (abs < 1e6) return `${(n / 1e3).toFixed(abs < 1e5 ? 1 : 0)}k`;
  if (abs < 1e9) return `${(n / 1e6).toFixed(abs < 1e7 ? 2 : 1)}M`;
  return `${(n / 1e9).toFixed(2)}G`;
}

/** Milliseconds with a precision that suits their size. */
function fmtMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  const abs = Math.abs(ms);
  if (abs < 10) return `${ms.toFixed(2)} ms`;
  if (abs < 1000) return `${ms.toFixed(1)} ms`;
  if (abs < 60000) return `${(ms / 1000).toFixed(2)} s`;
  if (abs < 3600000) return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
  return `${Math.floor(ms / 3600000)} h ${Math.round((ms % 3600000) / 60000)} min`;
}

function fmtPct(part, whole) {
  if (!whole) return '—';
  return `${((100 * part) / whole).toFixed(1)}%`;
}

function fmtRate(rate) {
  return rate === null || rate === undefined || Number.isNaN(rate) ? '—' : `${(100 * rate).toFixed(1)}%`;
}

function fmtUsd(usd) {
  if (usd === null || usd === undefined || Number.isNaN(usd)) return '—';
  const abs = Math.abs(usd);
  return `${usd < 0 ? '-' : ''}$${abs.toFixed(abs >= 100 ? 2 : abs >= 1 ? 3 : abs >= 0.01 ? 4 : 6)}`;
}

/** A score or other number, short: integers as they are, others to 3 decimals. */
function fmtNum(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '';
  if (Number.isInteger(value)) return fmtCount(value);
  const digits = Math.abs(value) >= 100 ? 1 : 3;
  return value.toFixed(digits).replace(/0+$/, '').replace(/\.$/, '');
}

function fmtSigned(value, format) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const text = (format ?? fmtNum)(value);
  return value > 0 ? `+${text}` : text;
}

/** A local date and time, `2025-11-20 14:03:12`. */
function fmtTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A JSON value on one line: strings as they are. */
function oneLineJson(value) {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}

function plural(n, word, many) {
  return `${fmtCount(n)} ${n === 1 ? word : (many ?? `${word}s`)}`;
}
