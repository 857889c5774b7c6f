/**
 * Comparing runs from code: run references (or digests already read) become the comparison
 * `tagliots compare --json` prints.
 */
import { compareDigests, type Comparison, type RunDigest, type RunInfo } from '../analysis/compare.ts';
import { checkIds, loadDigests, type CaseFilter, type LoadDigestsOptions } from './digests.ts';
import { findRunLogs, type RunsDirOptions } from './runs-dir.ts';

/**
 * A run to compare or gate: a reference — `latest`, a run-id prefix, or a path to a log file — or a
 * digest already read (see readRunDigests), which is used as it is.
 */
export type RunSource = string | RunDigest;

/** Where the runs are, which of their cases to read, and how. */
export interface ReadDigestsOptions extends RunsDirOptions, CaseFilter, LoadDigestsOptions {}

export interface CompareRunsOptions extends ReadDigestsOptions {
  /** Significance level of the verdict. @default 0.05 */
  readonly alpha?: number;
  /** List every common case (`cases`) when there are at most this many, else only the changed ones. @default 100 */
  readonly maxRows?: number;
}

/** Every run compared with one baseline: what `tagliots compare --json` prints for three runs or more. */
export interface BaselineComparison {
  readonly baseline: RunInfo;
  /** One comparison per run, in the order given; A is the baseline in each. */
  readonly comparisons: readonly Comparison[];
}

/**
 * Reads runs into digests, in the order given: references are resolved (the runs folder only when
 * one needs it) and read with the case filter; digests given are kept as they are. Throws
 * `E_SELECT_IDS` when an `ids` prefix matches no case of any run.
 */
export async function readRunDigests(runs: readonly RunSource[], options: ReadDigestsOptions = {}): Promise<RunDigest[]> {
  const refs = runs.filter((run) => typeof run === 'string');
  const paths = await findRunLogs(refs, options);
  // Only the case filter goes to the reader threads (functions such as onWarning cannot).
  const filter: CaseFilter = { ...(options.filter !== undefined && { filter: options.filter }), ...(options.ids !== undefined && { ids: options.ids }) };
  const read = await loadDigests(paths, filter, options.threads === undefined ? {} : { threads: options.threads });
  let next = 0;
  const digests = runs.map((run) => (typeof run === 'string' ? read[next++]! : run));
  checkIds(options, digests);
  return digests;
}

/**
 * Compares run `b` with run `a`, the baseline, case by case: regressions and fixes, status
 * transitions, score, cost, token and latency deltas, config differences, a per-keyword breakdown
 * (Holm-adjusted), the paired tests of the pass rate and the mean score over cases (one-sided at
 * `alpha` each way, with their intervals and minimum detectable effects) and a verdict. The result
 * is what `tagliots compare a b --json` prints.
 *
 * @example
 * ```js
 * import { compareRuns } from 'tagliots';
 * const comparison = await compareRuns('019aa1f4', 'latest', { filter: 'p0' });
 * console.log(comparison.verdict.text, comparison.regressions.length);
 * ```
 */
export async function compareRuns(a: RunSource, b: RunSource, options: CompareRunsOptions = {}): Promise<Comparison> {
  const { comparisons } = await compareToBaseline(a, [b], options);
  return comparisons[0]!;
}

/**
 * Compares each of `runs` with `baseline`, reading the baseline once: what
 * `tagliots compare baseline run1 run2 … --json` prints. The runs are judged together: each
 * comparison tests at alpha divided by the number of runs (Bonferroni), so that a verdict of
 * "worse" or "better" in any row holds for the whole table.
 */
export async function compareToBaseline(baseline: RunSource, runs: readonly RunSource[], options: CompareRunsOptions = {}): Promise<BaselineComparison> {
  const [base, ...others] = await readRunDigests([baseline, ...runs], options);
  const compareOptions = {
    ...(options.alpha !== undefined && { alpha: options.alpha }),
    ...(options.maxRows !== undefined && { maxRows: options.maxRows }),
    ...(options.limit !== undefined && { limit: options.limit }),
    // Several runs against one baseline are judged together: alpha is split between them.
    family: others.length,
  };
  return { baseline: base!.info, comparisons: others.map((other) => compareDigests(base!, other, compareOptions)) };
}
