/**
 * How one run's resolved config differs from another's, leaf by leaf: what a rerun or a resume
 * shows against the run it repeats.
 */
import { configDifferences } from './compare.ts';

export interface ConfigChange {
  readonly path: string;
  /** The value before; undefined: the path did not exist. */
  readonly from?: unknown;
  /** The value after; undefined: the path no longer exists. */
  readonly to?: unknown;
}

/** The leaves that differ from `before` to `after`, in the order of `after`, then the removed ones. */
export function configChanges(before: Record<string, unknown>, after: Record<string, unknown>): ConfigChange[] {
  return configDifferences(after, before).map(({ path, a, b }) => ({ path, from: b, to: a }));
}
