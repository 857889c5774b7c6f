/**
 * Gating runs from code: the CI rules of `tagliots gate` (completeness, coverage, infrastructure
 * errors, significance and non-inferiority against a baseline, pass rate, regressions, cost,
 * required cases) evaluated on a run, as plain data.
 */
import { compareDigests, type RunDigest } from '../analysis/compare.ts';
import { applyGateRules, baselineFlags, GATE_DEFAULTS, needsBaseline, type GateResult, type GateRules } from '../analysis/gate.ts';
import { UsageError } from '../errors.ts';
import { parseFilter } from '../suite/filter.ts';
import { readRunDigests, type RunSource } from './compare-runs.ts';
import type { LoadDigestsOptions } from './digests.ts';
import { findRunLogs, type RunsDirOptions } from './runs-dir.ts';

/** The rules of a gate, its baseline, and where to find the runs. */
export interface GateOptions extends GateRules, RunsDirOptions, LoadDigestsOptions {
  /**
   * The run to compare with: a run reference or a digest. With one, the significance rule holds by
   * default; `maxRegressions`, `alpha`, `margin` and `maxScoreDrop` need one.
   */
  readonly baseline?: RunSource;
}

/** A gate's verdict and the run it judged (e.g. for a JUnit testcase per case). */
export interface GatedRun {
  readonly result: GateResult;
  readonly run: RunDigest;
}

/**
 * Usage errors that can be found before any run is read: a rule that needs a baseline without one,
 * a `require` expression that does not parse. (So `run` fails before it runs a case.)
 */
export function checkGateOptions(options: GateRules & { readonly baseline?: unknown }): void {
  if (needsBaseline(options) && options.baseline === undefined) {
    const given = baselineFlags(options);
    const flags = given.length === 1 ? given[0]! : `${given.slice(0, -1).join(', ')} and ${given.at(-1)!}`;
    throw new UsageError('E_GATE_BASELINE', `${flags} compare${given.length === 1 ? 's' : ''} with a baseline run: add --baseline <run>.`, {
      hint: 'The baseline is a run id prefix, `latest`, or a log file (e.g. the main branch run, downloaded as an artifact).',
    });
  }
  for (const expression of options.require ?? []) parseFilter(expression);
}

/**
 * A gate on a run about to start, checked before any case runs: rejects bad rules and a baseline
 * that names no run, so a long run does not end in a usage error. Returns the options with the
 * baseline resolved to its log file now: after the run, `latest` would be the run itself.
 */
export async function checkRunGate<T extends GateRules & { readonly baseline?: string }>(options: T, runsDir: string, cwd: string): Promise<T> {
  checkGateOptions(options);
  if (options.baseline === undefined) return options;
  const [baseline] = await findRunLogs([options.baseline], { runsDir, cwd });
  return { ...options, baseline: baseline! };
}

/** evaluateGate(), also returning the digest of the run it judged. */
export async function gateRun(run: RunSource, options: GateOptions = {}): Promise<GatedRun> {
  checkGateOptions(options);
  const { baseline } = options;
  const where = {
    ...(options.runsDir !== undefined && { runsDir: options.runsDir }),
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    ...(options.onWarning !== undefined && { onWarning: options.onWarning }),
    ...(options.threads !== undefined && { threads: options.threads }),
  };
  const digests = await readRunDigests(baseline === undefined ? [run] : [baseline, run], where);
  const judged = digests.at(-1)!;
  // Compared at the gate's level, so the comparison it shows says what the gate decided.
  const comparison = digests.length > 1 ? compareDigests(digests[0]!, judged, { maxRows: 0, alpha: options.alpha ?? GATE_DEFAULTS.alpha }) : null;
  return { result: applyGateRules(judged, options, comparison), run: judged };
}

/**
 * Checks a run against CI rules and returns the verdict `tagliots gate --json` prints: every rule
 * with what it measured and its threshold, and whether all held. With no rule given, it checks that
 * the run completed, covers every case (and, with a `baseline`, the baseline's cases and repeats),
 * has at most 2% infrastructure errors, and (with a `baseline`) is not significantly worse, one-sided
 * at alpha 0.05. Throws `E_GATE_BASELINE` when a rule needs a baseline and none is given.
 *
 * @example
 * ```js
 * import { evaluateGate } from 'tagliots';
 * const gate = await evaluateGate('latest', { baseline: '019aa1f4', minPassRate: 0.9 });
 * if (!gate.passed) for (const rule of gate.rules) if (rule.status === 'fail') console.log(rule.reason);
 * ```
 */
export async function evaluateGate(run: RunSource, options: GateOptions = {}): Promise<GateResult> {
  return (await gateRun(run, options)).result;
}
