import { escapeControls } from '../util/terminal-text.ts';

/** A config or output value as one line: strings raw, everything else as compact JSON; control characters escaped. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return escapeControls(value);
  if (value === undefined) return 'undefined';
  return escapeControls(JSON.stringify(value));
}

/** Shortens `text` to at most `max` characters on one line, control characters escaped. */
export function oneLine(text: string, max: number): string {
  const flat = escapeControls(text.replace(/\s*\n\s*/g, ' ⏎ '));
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(1, max - 1))}…`;
}
