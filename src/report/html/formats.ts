/**
 * What the report page formats numbers with: the very functions the terminal and Markdown reports
 * use, not a copy. assets.ts imports this file with the `?browser` suffix, which bundles it for the
 * browser (scripts/browser-bundle.mjs); the page script starts with the bundle, and its exports are
 * the global `formats` (client/dom.js takes them from there).
 */
export * from '../../util/units.ts';
export { formatPValue } from '../../analysis/stats.ts';
export { interval, keywordNote, statisticsLines } from '../compare-format.ts';
