/**
 * The six-node DAG from GoTaglio's guide, in the definePipeline form. A and E start at once; B and
 * C wait for A; D waits for B and C; F waits for D and E. Each stage takes a number from a per-case
 * counter when it starts and when it ends, so its output (and the `order` column) shows which
 * stages overlapped; the stage records in the run log have the real start and end times.
 */
import { definePipeline, type StageContext, type StageFn } from 'tagliots';

export interface Step {
  name: string;
  start: number;
  end: number;
}

type DagStages = Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F', Step>;
type DagCase = { id: string; keywords?: string[] };

const counters = new WeakMap<object, number>();
function tick(ctx: StageContext<DagCase, DagStages>): number {
  const next = (counters.get(ctx.case) ?? 0) + 1;
  counters.set(ctx.case, next);
  return next;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** A stage that records its start and end step and takes `ms` milliseconds. */
function step(name: string, ms: number): StageFn<DagCase, DagStages> {
  return async (ctx) => {
    const start = tick(ctx);
    await sleep(ms, ctx.signal);
    return { name, start, end: tick(ctx) };
  };
}

export default definePipeline<DagCase, DagStages>({
  name: 'dag',
  description: 'An example of a directed acyclic graph (DAG) pipeline.',
  stages: () => [
    { name: 'A', stage: step('A', 10), inputs: [] },
    { name: 'B', stage: step('B', 10), inputs: ['A'] },
    { name: 'C', stage: step('C', 20), inputs: ['A'] },
    { name: 'D', stage: step('D', 10), inputs: ['B', 'C'] },
    { name: 'E', stage: step('E', 10), inputs: [] },
    { name: 'F', stage: step('F', 10), inputs: ['D', 'E'] },
  ],
  // F runs last, after everything else: the case passed if it got there in the right order.
  passed: ({ stages }) => stages.F !== undefined && stages.D!.end < stages.F.start && stages.E!.end < stages.F.start,
  columns: {
    order: ({ stages }) =>
      Object.values(stages)
        .filter((s): s is Step => s !== undefined)
        .sort((a, b) => a.end - b.end)
        .map((s) => s.name)
        .join(' '),
  },
});
