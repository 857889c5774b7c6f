/**
 * "At most N of this stage": a DAG node with `concurrency` gets one limiter (the same semaphore as
 * `stage(fn, { concurrency })`, util/limiter.ts), shared by every case of the run (the graph's nodes are built per run, so the limiters end with it).
 */
import type { GraphNode } from '../pipeline/dag.ts';
import { Limiter } from '../util/limiter.ts';

const limiters = new WeakMap<GraphNode, Limiter>();

/** The limiter of a node with `concurrency`, created on first use; undefined for a node without one. Its `maxActive` shows the most ever in flight. */
export function stageLimiter(node: GraphNode): Limiter | undefined {
  if (node.concurrency === undefined) return undefined;
  let limiter = limiters.get(node);
  if (!limiter) limiters.set(node, (limiter = new Limiter(node.concurrency)));
  return limiter;
}
