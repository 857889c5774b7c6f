/**
 * The page's own JavaScript and CSS, kept as plain files (linted, readable in a browser's dev
 * tools) and imported as text, so the CLI bundle carries them and needs no files at run time. The
 * number formatters come first: formats.ts bundled for the browser, the same code the terminal runs.
 */
import formatsJs from './formats.ts?browser';
import appJs from './client/app.js?raw';
import chartsJs from './client/charts.js?raw';
import domJs from './client/dom.js?raw';
import filterJs from './client/filter.js?raw';
import styleCss from './client/style.css?raw';

/** The page's scripts in order: each may use what the files before it declare. */
export const PAGE_SCRIPTS: readonly { readonly name: string; readonly text: string }[] = [
  { name: 'formats.js', text: formatsJs },
  { name: 'filter.js', text: filterJs },
  { name: 'dom.js', text: domJs },
  { name: 'charts.js', text: chartsJs },
  { name: 'app.js', text: appJs },
];

export const PAGE_CSS: string = styleCss;

/** The keyword-filter grammar as the page runs it (for the test that it agrees with --filter). */
export const FILTER_JS: string = filterJs;
