import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAGE_CSS, PAGE_SCRIPT } from './assets.ts';
import { contentSecurityPolicy, escapeHtml, renderPage } from './page.ts';

describe('renderPage', () => {
  const html = renderPage({
    title: 'calc <script>alert(1)</script>',
    boot: { mode: 'static', generator: 'tagliots </script><!--' },
    blobs: [
      { id: 'tg-data', parts: ['QUJD'] },
      { id: 'tg-records-0', parts: ['AAAA', 'BBBB'], late: true },
    ],
    nonce: 'n0nce',
  });

  it('is one self-contained file: inline style and script, nothing loaded from elsewhere', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\(\s*['"]?https?:/i);
    expect(html).toContain(PAGE_CSS);
    expect(html).toContain(PAGE_SCRIPT);
  });

  it('carries the whole style sheet, as the published bundle does', () => {
    expect(PAGE_CSS).toBe(readFileSync(new URL('./client/style.css', import.meta.url), 'utf8'));
    expect(html).toContain(PAGE_CSS.slice(0, 200));
  });

  it('carries the page script as one strict script that leaves no globals, without Node modules or zod', () => {
    expect(PAGE_SCRIPT.startsWith('"use strict";\n(() => {')).toBe(true);
    expect(PAGE_SCRIPT.trimEnd().endsWith('})();')).toBe(true);
    expect(PAGE_SCRIPT).not.toMatch(/\brequire\(|["']node:|zod/i);
  });

  it('allows only its own nonced script, and no network for a file', () => {
    expect(html).toContain(`content="${escapeHtml(contentSecurityPolicy('n0nce', 'none'))}"`);
    expect(contentSecurityPolicy('n0nce', 'none')).toContain("script-src 'nonce-n0nce'");
    expect(contentSecurityPolicy('n0nce', 'none')).toContain("connect-src 'none'");
    expect(contentSecurityPolicy('n0nce', 'self')).toContain("connect-src 'self'");
    expect(html.match(/<script nonce="n0nce">/g)).toHaveLength(1);
  });

  it('escapes the title and the boot data', () => {
    expect(html).toContain('<title>calc &lt;script&gt;alert(1)&lt;/script&gt;</title>');
    const boot = /<script type="application\/json" id="tg-boot">(.*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(boot)).toEqual({ mode: 'static', generator: 'tagliots </script><!--' });
    expect(html.match(/<\/script>/g)).toHaveLength(4);
  });

  it('puts the data before the page script and the case records after it', () => {
    const data = html.indexOf('id="tg-data">QUJD</script>');
    const script = html.indexOf('<script nonce=');
    const records = html.indexOf('id="tg-records-0">AAAA\nBBBB</script>');
    expect(data).toBeGreaterThan(0);
    expect(script).toBeGreaterThan(data);
    expect(records).toBeGreaterThan(script);
  });

  it('refuses a blob that is not base64', () => {
    expect(() => renderPage({ title: 't', boot: { mode: 'static', generator: 'x' }, blobs: [{ id: 'x', parts: ['</script>'] }] })).toThrow(/not base64/);
  });

  it('uses a fresh nonce for each page', () => {
    const nonce = (text: string) => /<script nonce="([^"]+)">/.exec(text)![1];
    const one = renderPage({ title: 't', boot: { mode: 'static', generator: 'x' } });
    const two = renderPage({ title: 't', boot: { mode: 'static', generator: 'x' } });
    expect(nonce(one)).not.toBe(nonce(two));
    expect(nonce(one)!.length).toBeGreaterThanOrEqual(20);
  });
});
