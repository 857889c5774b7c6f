/**
 * The page's own script and CSS, imported as text so the CLI bundle carries them and needs no files
 * at run time. The script is client/main.ts and the modules it imports (the terminal's formatters
 * and keyword-filter parser among them), bundled for the browser into one script by
 * scripts/browser-bundle.mjs (the `?browser` suffix).
 */
import pageJs from './client/main.ts?browser';
import styleCss from './client/style.css?raw';

export const PAGE_SCRIPT: string = pageJs;

export const PAGE_CSS: string = styleCss;
