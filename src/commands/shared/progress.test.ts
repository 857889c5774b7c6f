import { describe, expect, it } from 'vitest';
import { batchPart } from './progress.ts';

describe('batchPart', () => {
  it('shows the batches by state, their requests answered and the time spent waiting', () => {
    const batches = new Map([
      ['batch_2', { status: 'in_progress', total: 4000, completed: 1200, failed: 3 }],
      ['batch_1', { status: 'completed', total: 6000, completed: 5990, failed: 10 }],
      ['batch_3', { status: 'in_progress', total: 10, completed: 0, failed: 0 }],
    ]);
    expect(batchPart(batches, 125_000)).toBe('batches: 1 completed, 2 in_progress (7,203/10,010 requests), waited 2 min 5 s');
  });
});
