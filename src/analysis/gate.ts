/**
 * CI gate rules over a finished run (and optionally a comparison with a baseline run). Each rule
 * reports what it measured and the threshold, so a failed gate says exactly why. Rules:
 *
 * - `complete`: the run ended normally (not interrupted, stopped by its budget, crashed or still
 *   running), unless incomplete runs are allowed;
 * - `min-pass-rate`: passed / cases the run covers (cases not run count as not passed);
 * - `max-regressions`: cases that passed in the baseline and did not pass in the run;
 * - `alpha`: no statistically significant drop against the baseline: McNemar's exact test on the
 *   pass/fail flips, one-sided (B worse), fails when p < alpha;
 * - `max-cost`: the run's recorded cost;
 * - `require`: every case matching a keyword expression passed (each repetition).
 */
import { parseFilter } from '../suite/filter.ts';
import { OUTCOMES, idAt, type CaseRef, type Comparison, type Outcome, type RunDigest, type RunInfo } from './compare.ts';
import { formatPValue } from './stats.ts';
import { formatCount as count, formatRate as pct, formatUsd as money } from '../util/units.ts';

export interface GateRules {
  /** Between 0 and 1. */
  readonly minPassRate?: number;
  readonly maxRegressions?: number;
  readonly alpha?: number;
  /** US dollars. */
  readonly maxCost?: number;
  /** Keyword expressions: every case matching one must pass. */
  readonly require?: readonly string[];
  readonly allowIncomplete?: boolean;
}

export type RuleStatus = 'pass' | 'fail' | 'skip';

export interface RuleResult {
  /** Stable: `complete`, `baseline`, `min-pass-rate`, `max-regressions`, `alpha`, `max-cost`, `require`. */
  readonly id: string;
  /** What the rule checks, for people: "pass rate", "required cases: p0". */
  readonly name: string;
  readonly status: RuleStatus;
  /** The measured value, formatted: "87.50% (21/24)". */
  readonly measured: string;
  /** The threshold, formatted: "≥ 90.00%". */
  readonly threshold: string;
  /** The measured value as a number, when it is one. */
  readonly value: number | null;
  /** The threshold as a number, when it is one. */
  readonly limit: number | null;
  /** Why the rule failed or was skipped, in a sentence; null when it passed. */
  readonly reason: string | null;
  /** The cases behind a failure (regressions, required cases that did not pass). */
  readonly cases?: readonly (CaseRef & { readonly outcome: Outcome; readonly from?: Outcome })[];
}

export interface GateResult {
  readonly passed: boolean;
  readonly run: RunInfo;
  readonly baseline: RunInfo | null;
  readonly rules: readonly RuleResult[];
  /** Rules that failed. */
  readonly failed: number;
  /** The comparison with the baseline, when there is one. */
  readonly comparison: Comparison | null;
}

/** True when at least one rule needs a baseline run. */
export function needsBaseline(rules: GateRules): boolean {
  return rules.maxRegressions !== undefined || rules.alpha !== undefined;
}

/**
 * Evaluates `rules` on `run`; `comparison` is the run compared with the baseline (A = baseline,
 * B = run), required by the baseline rules (max-regressions, alpha).
 */
export function applyGateRules(run: RunDigest, rules: GateRules, comparison: Comparison | null = null): GateResult {
  const info = run.info;
  const results: RuleResult[] = [];
  const rule = (r: Omit<RuleResult, 'reason'> & { reason?: string | null }) => results.push({ ...r, reason: r.reason ?? null });

  // The run must have ended normally.
  {
    const done = info.counts.total - info.counts.notRun;
    const ok = info.status === 'completed';
    const measured = ok ? `completed, ${count(done)}/${count(info.counts.total)} cases` : describeStatus(info);
    rule({
      id: 'complete',
      name: 'run complete',
      status: ok ? 'pass' : rules.allowIncomplete ? 'skip' : 'fail',
      measured,
      threshold: rules.allowIncomplete ? 'any (--allow-incomplete)' : 'completed',
      value: null,
      limit: null,
      reason: ok ? null : `the run is ${measured}${rules.allowIncomplete ? ' (allowed by --allow-incomplete)' : '; pass --allow-incomplete to gate it anyway'}`,
    });
  }

  if (comparison) {
    const ok = comparison.common > 0;
    rule({
      id: 'baseline',
      name: 'baseline overlap',
      status: ok ? 'pass' : 'fail',
      measured: `${count(comparison.common)} common case${comparison.common === 1 ? '' : 's'}`,
      threshold: '≥ 1',
      value: comparison.common,
      limit: 1,
      reason: ok ? null : `the run has no case in common with the baseline (${count(comparison.onlyA.length)} only in the baseline, ${count(comparison.onlyB.length)} only in the run), so nothing can be compared`,
    });
  }

  if (rules.minPassRate !== undefined) {
    const { passed, total } = info.counts;
    const rate = total === 0 ? 0 : passed / total;
    const threshold = `≥ ${pct(rules.minPassRate)}`;
    if (!info.hasPassed) {
      rule({ id: 'min-pass-rate', name: 'pass rate', status: 'fail', measured: 'not evaluated', threshold, value: null, limit: rules.minPassRate, reason: 'the pipeline defines no passed(), so the run has no pass rate' });
    } else {
      const ok = rate >= rules.minPassRate;
      const measured = `${pct(rate)} (${count(passed)}/${count(total)})`;
      rule({
        id: 'min-pass-rate',
        name: 'pass rate',
        status: ok ? 'pass' : 'fail',
        measured,
        threshold,
        value: rate,
        limit: rules.minPassRate,
        reason: ok ? null : `the pass rate ${measured} is below the minimum ${pct(rules.minPassRate)}`,
      });
    }
  }

  if (rules.maxRegressions !== undefined && comparison) {
    const n = comparison.regressions.length;
    const ok = n <= rules.maxRegressions;
    rule({
      id: 'max-regressions',
      name: 'regressions',
      status: ok ? 'pass' : 'fail',
      measured: `${count(n)} (${count(comparison.fixes.length)} fixes)`,
      threshold: `≤ ${count(rules.maxRegressions)}`,
      value: n,
      limit: rules.maxRegressions,
      reason: ok ? null : `${count(n)} case${n === 1 ? '' : 's'} passed in the baseline and not in this run, more than the maximum ${count(rules.maxRegressions)}`,
      cases: comparison.regressions.map((c) => ({ caseId: c.caseId, repeat: c.repeat, index: c.index, outcome: c.b, from: c.a })),
    });
  }

  if (rules.alpha !== undefined && comparison) {
    const m = comparison.mcnemar;
    const threshold = `p ≥ ${rules.alpha}, one-sided`;
    if (!m) {
      rule({ id: 'alpha', name: 'no significant drop', status: 'fail', measured: 'no common cases', threshold, value: null, limit: rules.alpha, reason: 'no case in common with the baseline to test' });
    } else {
      const ok = !(m.pWorse < rules.alpha);
      const measured = `${formatPValue(m.pWorse)} (${count(m.regressions)} regressions, ${count(m.fixes)} fixes)`;
      rule({
        id: 'alpha',
        name: 'no significant drop',
        status: ok ? 'pass' : 'fail',
        measured,
        threshold,
        value: m.pWorse,
        limit: rules.alpha,
        reason: ok
          ? null
          : `${count(m.regressions)} regressions vs ${count(m.fixes)} fixes: McNemar ${formatPValue(m.pWorse)} (one-sided) is below alpha ${rules.alpha}`,
      });
    }
  }

  if (rules.maxCost !== undefined) {
    const cost = info.costUsd;
    const threshold = `≤ ${money(rules.maxCost)}`;
    if (cost === null) {
      rule({ id: 'max-cost', name: 'cost', status: 'skip', measured: 'not recorded', threshold, value: null, limit: rules.maxCost, reason: 'the run log records no cost (the models used report none)' });
    } else {
      const ok = cost <= rules.maxCost;
      rule({
        id: 'max-cost',
        name: 'cost',
        status: ok ? 'pass' : 'fail',
        measured: money(cost),
        threshold,
        value: cost,
        limit: rules.maxCost,
        reason: ok ? null : `the run cost ${money(cost)}, more than the maximum ${money(rules.maxCost)}`,
      });
    }
  }

  for (const expression of rules.require ?? []) results.push(requireRule(run, expression));

  const failed = results.filter((r) => r.status === 'fail').length;
  return { passed: failed === 0, run: info, baseline: comparison?.a ?? null, rules: results, failed, comparison };
}

function requireRule(run: RunDigest, expression: string): RuleResult {
  const predicate = parseFilter(expression);
  const matchingSets = run.keywordSets.map((keywords) => predicate(new Set(keywords)));
  let matching = 0;
  const failing: (CaseRef & { outcome: Outcome })[] = [];
  for (let i = 0; i < run.size; i++) {
    if (!matchingSets[run.keywordSet[i]!]) continue;
    matching++;
    if (run.outcomes[i] !== 0) failing.push({ caseId: idAt(run.ids, i), repeat: run.repeats[i]!, index: run.indexes[i]!, outcome: OUTCOMES[run.outcomes[i]!]! });
  }
  failing.sort((a, b) => a.index - b.index || (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : a.repeat - b.repeat));
  const name = `required cases: ${expression}`;
  const threshold = 'all pass';
  if (matching === 0) {
    return { id: 'require', name, status: 'skip', measured: 'no matching case', threshold, value: 0, limit: null, reason: `no case of the run matches '${expression}'` };
  }
  const ok = failing.length === 0;
  return {
    id: 'require',
    name,
    status: ok ? 'pass' : 'fail',
    measured: `${count(matching - failing.length)}/${count(matching)} passed`,
    threshold,
    value: matching - failing.length,
    limit: matching,
    reason: ok ? null : `${count(failing.length)} of ${count(matching)} case${matching === 1 ? '' : 's'} matching '${expression}' did not pass`,
    cases: failing,
  };
}

function describeStatus(info: RunInfo): string {
  const notRun = `${count(info.counts.notRun)} of ${count(info.counts.total)} cases not run`;
  switch (info.status) {
    case 'incomplete':
      return `incomplete (no run.end: crashed, killed or still running; ${notRun})`;
    case 'interrupted':
      return `interrupted (${notRun})`;
    case 'budget':
      return `stopped at its cost budget (${notRun})`;
    case 'error':
      return 'stopped early: tagliots itself failed';
    default:
      return info.status;
  }
}
