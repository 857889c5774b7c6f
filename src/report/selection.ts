import type { Selection } from '../suite/select.ts';

/** A selection as one line, in the words of its flags: `filter 'p0 && !slow', limit 5`. */
export function describeSelection(selection: Selection): string {
  const parts: string[] = [];
  if (selection.filter !== undefined) parts.push(`filter '${selection.filter}'`);
  if (selection.ids && selection.ids.length > 0) parts.push(`ids ${selection.ids.join(',')}`);
  if (selection.sample !== undefined) parts.push(`sample ${selection.sample} (seed ${selection.seed ?? 0})`);
  if (selection.limit !== undefined) parts.push(`limit ${selection.limit}`);
  if (selection.shard) parts.push(`shard ${selection.shard.index}/${selection.shard.count}`);
  return parts.join(', ');
}
