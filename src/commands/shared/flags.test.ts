import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { addSelectionOptions, addShardOption, Command, countOrAll, selectionFrom } from './flags.ts';

function parse(args: string[], options: { shard?: boolean } = {}) {
  const base = addSelectionOptions(new Command('x').exitOverride().configureOutput({ writeErr: () => {} }));
  const command = options.shard ? addShardOption(base) : base;
  command.parse(args, { from: 'user' });
  return selectionFrom(command.opts());
}

describe('addSelectionOptions and selectionFrom', () => {
  it('reads --filter, --ids (repeatable, comma-separated), --limit, --sample and --seed into a Selection', () => {
    expect(parse([])).toBeUndefined();
    expect(parse(['--filter', 'p0 && !slow', '--ids', 'a, b,', '--ids', 'c', '--limit', '5', '--sample', '3', '--seed', '-2'])).toEqual({
      filter: 'p0 && !slow',
      ids: ['a', 'b', 'c'],
      limit: 5,
      sample: 3,
      seed: -2,
    });
  });

  it('adds --shard i/n only when asked', () => {
    expect(parse(['--shard', '2/4'], { shard: true })).toEqual({ shard: { index: 2, count: 4 } });
    expect(() => parse(['--shard', '2/4'])).toThrow(/unknown option '--shard'/);
    expect(() => parse(['--shard', '5/4'], { shard: true })).toThrow(/expected i\/n with 1 ≤ i ≤ n/);
  });

  it('rejects bad numbers, empty id lists and --seed without --sample', () => {
    expect(() => parse(['--limit', '0'])).toThrow('--limit must be a whole number of at least 1');
    expect(() => parse(['--sample', 'x'])).toThrow('--sample must be a whole number of at least 1');
    expect(() => parse(['--seed', '1.5', '--sample', '2'])).toThrow('--seed must be a whole number');
    expect(() => parse(['--ids', ' , '])).toThrow('--ids needs at least one id');
    expect(() => parse(['--seed', '3'])).toThrow(UsageError);
  });
});

describe('countOrAll', () => {
  it('takes a whole number or all', () => {
    expect(countOrAll('-n')('7')).toBe(7);
    expect(countOrAll('-n')('all')).toBe(Number.POSITIVE_INFINITY);
    expect(() => countOrAll('-n')('0')).toThrow('-n must be a whole number of at least 1');
  });
});
