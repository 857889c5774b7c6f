/**
 * The HTML page of `tagliots report` and `tagliots view`: one self-contained file with its CSS and
 * JavaScript inline, and (for a report) its data in script elements the browser does not run.
 * The page builds its DOM from that data with textContent only; a Content-Security-Policy with a
 * fresh nonce lets no other script run, and no request leave the page except to the view server.
 */
import { randomBytes } from 'node:crypto';
import { PAGE_CSS, PAGE_SCRIPT } from './assets.ts';
import { scriptJson } from './embed.ts';

/** What the page script reads first (`#tg-boot`). */
export type PageBoot =
  | { readonly mode: 'static'; readonly generator: string }
  | { readonly mode: 'server'; readonly page: 'history'; readonly runsDir: string; readonly historyPollMs?: number }
  | { readonly mode: 'server'; readonly page: 'run'; readonly runId: string; readonly pollMs?: number }
  | { readonly mode: 'server'; readonly page: 'compare'; readonly a: string; readonly b: string };

export interface PageBlob {
  /** Element id, e.g. `tg-data` or `tg-records-0`. */
  readonly id: string;
  /** Base64 text (one blob), or several separated by newlines. */
  readonly parts: readonly string[];
  /** Placed after the page script: the page reads it only after the document has loaded. */
  readonly late?: boolean;
}

export interface PageOptions {
  readonly title: string;
  readonly boot: PageBoot;
  readonly blobs?: readonly PageBlob[];
  /** A nonce for the inline script; random by default. */
  readonly nonce?: string;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The Content-Security-Policy of a page: only the page's own script, no network but `connect`. */
export function contentSecurityPolicy(nonce: string, connect: 'none' | 'self'): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    `connect-src '${connect}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function createNonce(): string {
  return randomBytes(18).toString('base64');
}

/** The whole page, as chunks to write in order (a report can be tens of megabytes). */
export function renderPageChunks(options: PageOptions): string[] {
  const nonce = options.nonce ?? createNonce();
  const csp = contentSecurityPolicy(nonce, options.boot.mode === 'server' ? 'self' : 'none');
  const chunks: string[] = [];
  chunks.push(
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">\n`,
    '<meta name="referrer" content="no-referrer">\n',
    `<meta name="generator" content="tagliots">\n<title>${escapeHtml(options.title)}</title>\n`,
    `<style>\n${PAGE_CSS}</style>\n</head>\n<body>\n`,
    '<div id="app"><p class="loading">Loading…</p></div>\n',
    '<noscript><p>This page needs JavaScript.</p></noscript>\n',
    `<script type="application/json" id="tg-boot">${scriptJson(options.boot)}</script>\n`,
  );
  const blob = (b: PageBlob) => {
    chunks.push(`<script type="application/octet-stream" id="${escapeHtml(b.id)}">`);
    for (const [i, part] of b.parts.entries()) {
      if (!/^[A-Za-z0-9+/=]*$/.test(part)) throw new Error(`blob ${b.id} part ${i} is not base64`);
      chunks.push(i === 0 ? part : `\n${part}`);
    }
    chunks.push('</script>\n');
  };
  // The blobs the page needs at once go before its script, the case records (read only when a case
  // is opened) after it: the script starts without waiting for the browser to parse them.
  const [early, late] = [(options.blobs ?? []).filter((b) => !b.late), (options.blobs ?? []).filter((b) => b.late)];
  early.forEach(blob);
  // The page's own code must not be able to end its element either.
  if (/<\/script|<!--/i.test(PAGE_SCRIPT) || /<\/style/i.test(PAGE_CSS)) throw new Error('the page script or style contains </script, <!-- or </style');
  chunks.push(`<script nonce="${escapeHtml(nonce)}">\n${PAGE_SCRIPT}</script>\n`);
  late.forEach(blob);
  chunks.push('</body>\n</html>\n');
  return chunks;
}

export function renderPage(options: PageOptions): string {
  return renderPageChunks(options).join('');
}
