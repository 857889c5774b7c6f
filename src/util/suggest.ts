/** "Did you mean" suggestions and list formatting for error messages. */

/** Edit distance: the fewest single-character insertions, deletions and substitutions. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * How far a typo may be from what was meant. Scales with length; at least 2 for words of 3+
 * characters, because swapping two letters (`nmae`) already costs 2.
 */
function tolerance(length: number): number {
  return length < 3 ? length - 1 : Math.max(2, Math.floor(length / 3));
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

export interface ClosestOptions {
  /** Most suggestions to return. @default 3 */
  max?: number;
}

/**
 * The candidates closest to `input` (case-insensitive), best first, or [] when none is close.
 * Whole-path matches win; failing those, candidates whose last dotted segment is close to the
 * input's last segment, so `temperature` or `infer.settings.temprature` still find
 * `infer.model.settings.temperature`. Only the best and near-best (one edit worse) are returned, so
 * `infer.model.nmae` suggests `infer.model.name` and not also `infer.model`.
 */
export function closest(input: string, candidates: readonly string[], options: ClosestOptions = {}): string[] {
  const max = options.max ?? 3;
  const wanted = input.toLowerCase();
  const wantedLast = lastSegment(wanted);
  const scored: { candidate: string; tier: number; distance: number; index: number }[] = [];
  candidates.forEach((candidate, index) => {
    const lower = candidate.toLowerCase();
    const whole = levenshtein(wanted, lower);
    if (whole <= tolerance(wanted.length)) {
      scored.push({ candidate, tier: 0, distance: whole, index });
      return;
    }
    const last = levenshtein(wantedLast, lastSegment(lower));
    if (wantedLast !== '' && last <= tolerance(wantedLast.length)) scored.push({ candidate, tier: 1, distance: last, index });
  });
  scored.sort((x, y) => x.tier - y.tier || x.distance - y.distance || x.index - y.index);
  const best = scored[0];
  if (best === undefined) return [];
  const near = scored.filter((s) => s.tier === best.tier && s.distance <= best.distance + 1);
  return [...new Set(near.map((s) => s.candidate))].slice(0, Math.max(0, max));
}

/** `a`, `a and b`, `a, b, and c` (or with another conjunction: `a, b, or c`). */
export function oxfordJoin(items: readonly string[], conjunction = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  if (items.length === 2) return `${items[0]} ${conjunction} ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, ${conjunction} ${items[items.length - 1]}`;
}
