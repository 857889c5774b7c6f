/**
 * CI gate rules over a finished run (and optionally a comparison with a baseline run). Each rule
 * reports what it measured and the threshold, so a failed gate says exactly why. The rules that
 * hold by default, with no flag:
 *
 * - `complete`: the run ended normally (not interrupted, stopped by its budget, crashed or still
 *   running), unless incomplete runs are allowed;
 * - `coverage`: every case the run should have is there: none missing from a completed log, no
 *   shard missing from a merged one, and with a baseline the same cases and repeat counts on both
 *   sides, unless `allowMissing`;
 * - `infra-errors`: at most 2% of the records of each run ended in an infrastructure error (a model
 *   call that failed after its retries, a cancellation): more is incomplete evidence, to rerun;
 * - `significance` (with a baseline): B is not significantly worse, one-sided at alpha = 0.05, on
 *   the pass rate and on the mean score (the same test and wording as `compare`), unless a margin
 *   replaces it.
 *
 * And on request: `margin` and `max-score-drop` (non-inferiority: the one-sided confidence bound of
 * the drop stays within the margin), `min-pass-rate`, `max-regressions` (for deterministic
 * pipelines), `max-cost`, and `require` (every case matching a keyword expression passed).
 */
import { parseFilter } from '../suite/filter.ts';
import { describeChange, describeCounts, describeP, formatAlpha } from './compare-wording.ts';
import {
  OUTCOMES,
  idAt,
  type CaseRef,
  type Comparison,
  type Metric,
  type MetricComparison,
  type Outcome,
  type RunDigest,
  type RunInfo,
} from './compare.ts';
import { formatPValue } from './stats.ts';
import { formatCount as count, formatRate as pct, formatUsd as money, toPercent } from '../util/units.ts';

/** The rules' defaults: the significance level, and the share of infrastructure errors tolerated. */
export const GATE_DEFAULTS = { alpha: 0.05, maxInfraErrors: 0.02 } as const;

export interface GateRules {
  /** Between 0 and 1. */
  readonly minPassRate?: number;
  /** For deterministic pipelines (temperature 0, cached or mock models): sampled outputs flip for no reason. */
  readonly maxRegressions?: number;
  /** Level of the one-sided tests against the baseline. @default 0.05 */
  readonly alpha?: number;
  /** Non-inferiority on the pass rate: fail unless the drop is shown to be at most this (0.02: 2 points). */
  readonly margin?: number;
  /** Non-inferiority on the mean score: fail unless the drop is shown to be at most this, in score units. */
  readonly maxScoreDrop?: number;
  /** US dollars. */
  readonly maxCost?: number;
  /** Keyword expressions: every case matching one must pass. */
  readonly require?: readonly string[];
  readonly allowIncomplete?: boolean;
  /** Do not fail on missing cases, different repeat counts or missing shards. */
  readonly allowMissing?: boolean;
  /** Largest share of each run's records that may end in an infrastructure error. @default 0.02 */
  readonly maxInfraErrors?: number;
}

export type RuleStatus = 'pass' | 'fail' | 'skip';

export interface RuleResult {
  /**
   * Stable: `complete`, `coverage`, `infra-errors`, `significance`, `margin`, `max-score-drop`,
   * `min-pass-rate`, `max-regressions`, `max-cost`, `require`.
   */
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
  return rules.maxRegressions !== undefined || rules.alpha !== undefined || rules.margin !== undefined || rules.maxScoreDrop !== undefined;
}

/** The flags of the rules that need a baseline, as given: for the usage error when there is none. */
export function baselineFlags(rules: GateRules): string[] {
  return [
    rules.maxRegressions !== undefined && '--max-regressions',
    rules.alpha !== undefined && '--alpha',
    rules.margin !== undefined && '--margin',
    rules.maxScoreDrop !== undefined && '--max-score-drop',
  ].filter((flag): flag is string => flag !== false);
}

/** Ids listed in a reason before "…". */
const IDS_SHOWN = 5;

const s = (n: number) => (n === 1 ? '' : 's');

/** "3f2c…, a1b2 #2, … and 46 more". */
function firstIds(refs: readonly CaseRef[]): string {
  const names = refs.slice(0, IDS_SHOWN).map((ref) => `${ref.caseId}${ref.repeat > 0 ? ` #${ref.repeat}` : ''}`);
  return `${names.join(', ')}${refs.length > IDS_SHOWN ? `, … and ${count(refs.length - IDS_SHOWN)} more` : ''}`;
}

/** "51 cases" or "51 records of 17 cases" when the records are repeats. */
function describeRecords(refs: readonly CaseRef[]): string {
  const cases = new Set(refs.map((ref) => ref.caseId)).size;
  return cases === refs.length ? `${count(cases)} case${s(cases)}` : `${count(refs.length)} records of ${count(cases)} case${s(cases)}`;
}

const metricName = (metric: Metric) => (metric === 'pass' ? 'pass rate' : 'mean score');
const amount = (metric: Metric, x: number) => (metric === 'pass' ? `${toPercent(x, 1)} pp` : String(Number(x.toPrecision(3))));

/**
 * Evaluates `rules` on `run`; `comparison` is the run compared with the baseline (A = baseline,
 * B = run), computed at the rules' alpha, and needed by the baseline rules.
 */
export function applyGateRules(run: RunDigest, rules: GateRules, comparison: Comparison | null = null): GateResult {
  const info = run.info;
  const results: RuleResult[] = [];
  const rule = (r: Omit<RuleResult, 'reason'> & { reason?: string | null }) => results.push({ ...r, reason: r.reason ?? null });
  const alpha = rules.alpha ?? GATE_DEFAULTS.alpha;

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

  results.push(coverageRule(info, comparison, rules.allowMissing === true));
  results.push(infraErrorsRule(info, comparison?.a ?? null, rules.maxInfraErrors ?? GATE_DEFAULTS.maxInfraErrors, rules.allowIncomplete === true));

  if (comparison) {
    const stats = comparison.stats;
    const margins: Record<Metric, number | undefined> = { pass: rules.margin, score: rules.maxScoreDrop };
    for (const metric of ['pass', 'score'] as const) {
      const m = stats?.[metric] ?? null;
      const margin = margins[metric];
      if (margin !== undefined) results.push(marginRule(metric, m, margin, comparison));
      else if (m) results.push(significanceRule(m));
    }
    if (!stats || (!stats.pass && !stats.score && rules.margin === undefined && rules.maxScoreDrop === undefined)) {
      const reason = !stats
        ? 'the run has no case in common with the baseline, so nothing can be compared'
        : 'no case has a pass/fail verdict or a score in both runs (the pipeline defines neither passed() nor score(), or no case completed in both)';
      rule({ id: 'significance', name: 'no significant drop', status: stats ? 'skip' : 'fail', measured: 'nothing to test', threshold: `p ≥ ${formatAlpha(alpha)}, one-sided`, value: null, limit: alpha, reason });
    }
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
      reason: ok ? null : `${count(n)} case${s(n)} passed in the baseline and not in this run, more than the maximum ${count(rules.maxRegressions)}`,
      cases: comparison.regressions.map((c) => ({ caseId: c.caseId, repeat: c.repeat, index: c.index, outcome: c.b, from: c.a })),
    });
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

/** Missing shards of a merged or shard log, as "shard 4/4" or "shards 2/4, 4/4". */
function missingShards(info: RunInfo): string | null {
  if (!info.shards || info.selection?.shard) return null;
  const { count: n, merged } = info.shards;
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !merged.includes(i));
  return missing.length === 0 ? null : `shard${s(missing.length)} ${missing.map((i) => `${i}/${n}`).join(', ')}`;
}

function coverageRule(info: RunInfo, comparison: Comparison | null, allowMissing: boolean): RuleResult {
  const problems: string[] = [];
  const short: string[] = [];
  let missing = 0;
  // A completed log should hold every case it ran; an incomplete one is the `complete` rule's.
  if (info.status === 'completed' && info.counts.notRun > 0) {
    missing += info.counts.notRun;
    problems.push(`the run's log lacks ${count(info.counts.notRun)} of its ${count(info.counts.total)} records`);
    short.push(`${count(info.counts.notRun)} records missing`);
  }
  for (const [name, side] of [['run', info], ['baseline', comparison?.a ?? null]] as const) {
    const shards = side ? missingShards(side) : null;
    if (!shards) continue;
    problems.push(`${shards} ${shards.startsWith('shards') ? 'are' : 'is'} missing from the merged ${name} (${count(side!.shards!.merged.length)} of ${count(side!.shards!.count)} merged)`);
    short.push(`${name}: ${shards} missing`);
  }
  if (comparison) {
    if (comparison.onlyA.length > 0) {
      missing += comparison.onlyA.length;
      problems.push(`${describeRecords(comparison.onlyA)} of the baseline ${comparison.onlyA.length === 1 ? 'is' : 'are'} missing from the run (${firstIds(comparison.onlyA)})`);
      short.push(`${count(comparison.onlyA.length)} missing`);
    }
    if (comparison.onlyB.length > 0) {
      missing += comparison.onlyB.length;
      problems.push(`${describeRecords(comparison.onlyB)} of the run ${comparison.onlyB.length === 1 ? 'is' : 'are'} not in the baseline (${firstIds(comparison.onlyB)})`);
      short.push(`${count(comparison.onlyB.length)} not in the baseline`);
    }
    if (comparison.a.repeat !== comparison.b.repeat) {
      problems.push(`the runs repeat each case a different number of times (baseline ${comparison.a.repeat}, run ${comparison.b.repeat})`);
      short.push(`repeats ${comparison.a.repeat} vs ${comparison.b.repeat}`);
    }
    if (comparison.common === 0) {
      problems.push('the run has no case in common with the baseline');
      if (short.length === 0) short.push('no case in common');
    }
  }
  const common = comparison ? `${count(comparison.common)} record${s(comparison.common)} in both` : `${count(info.counts.total - info.counts.notRun)}/${count(info.counts.total)} records`;
  const threshold = allowMissing ? 'any (--allow-missing)' : comparison ? 'same cases, repeats and shards' : 'every record and shard';
  if (problems.length === 0) return { id: 'coverage', name: 'coverage', status: 'pass', measured: common, threshold, value: 0, limit: 0, reason: null };
  const noOverlap = comparison !== null && comparison.common === 0;
  const text = problems.join('; ');
  return {
    id: 'coverage',
    name: 'coverage',
    status: allowMissing && !noOverlap ? 'skip' : 'fail',
    measured: short.join(', '),
    threshold,
    value: missing,
    limit: 0,
    reason: allowMissing && !noOverlap ? `${text} (allowed by --allow-missing)` : `${text}: the comparison would leave them out; run them, or pass --allow-missing to gate on the cases both runs have`,
  };
}

function infraErrorsRule(run: RunInfo, baseline: RunInfo | null, limit: number, allowIncomplete: boolean): RuleResult {
  const sides = [['run', run], ...(baseline ? [['baseline', baseline] as const] : [])] as const;
  const shares = sides.map(([name, info]) => {
    const records = info.counts.complete + info.counts.error + info.counts.cancelled;
    // The cases an allowed interruption cancelled belong to the incompleteness --allow-incomplete accepts.
    const allowed = allowIncomplete && info.status === 'interrupted' ? info.counts.cancelled : 0;
    const errors = Math.max(0, info.errors.infrastructure - allowed);
    return { name, info, errors, records, share: records === 0 ? 0 : errors / records };
  });
  const measured = shares.map((x) => `${shares.length > 1 ? `${x.name} ` : ''}${pct(x.share)} (${count(x.errors)}/${count(x.records)})`).join(', ');
  const over = shares.filter((x) => x.share > limit);
  const worst = Math.max(...shares.map((x) => x.share));
  const threshold = `≤ ${pct(limit)}${shares.length > 1 ? ' in each' : ''}`;
  if (over.length === 0) return { id: 'infra-errors', name: 'infrastructure errors', status: 'pass', measured, threshold, value: worst, limit, reason: null };
  const why = over.map((x) => `${count(x.errors)} of ${count(x.records)} records of the ${x.name} (${pct(x.share)})`).join(' and ');
  const rerun = over.map((x) => `tagliots rerun ${x.info.runId} --only errored`).join(', ');
  return {
    id: 'infra-errors',
    name: 'infrastructure errors',
    status: 'fail',
    measured,
    threshold,
    value: worst,
    limit,
    reason: `incomplete evidence: ${why} ended in infrastructure errors (model calls that failed after their retries, cancellations), more than ${pct(limit)}; they are left out of the comparison, neither regressions nor fixes. Rerun them (${rerun}) or run again`,
  };
}

function significanceRule(m: MetricComparison): RuleResult {
  // With several tests, alpha is split between them (Bonferroni): the notes under the table say so.
  const threshold = `p ≥ ${formatAlpha(m.alpha)}, one-sided`;
  const change = `${m.estimate > 0 ? '+' : ''}${amount(m.metric, m.estimate)}`;
  const worse = m.significant === 'worse';
  return {
    id: 'significance',
    name: `${metricName(m.metric)}: no significant drop`,
    status: worse ? 'fail' : 'pass',
    measured: `${change}, ${formatPValue(m.pWorse)} (${describeCounts(m)})`,
    threshold,
    value: m.pWorse,
    limit: m.alpha,
    reason: worse ? `B is worse: ${describeChange(m)}, ${describeCounts(m)}, ${describeP(m)}, below ${formatAlpha(m.alpha)}` : null,
  };
}

function marginRule(metric: Metric, m: MetricComparison | null, margin: number, comparison: Comparison): RuleResult {
  const id = metric === 'pass' ? 'margin' : 'max-score-drop';
  const name = `${metricName(metric)}: not worse by more than ${amount(metric, margin)}`;
  const threshold = `lower bound > -${amount(metric, margin)}`;
  if (!m) {
    const flag = metric === 'pass' ? '--margin' : '--max-score-drop';
    const why =
      comparison.common === 0
        ? 'the run has no case in common with the baseline'
        : metric === 'pass'
          ? 'the pipeline defines no passed(), so there is no pass rate (use --max-score-drop for scores)'
          : 'no case has a score in both runs';
    return { id, name, status: 'fail', measured: 'not evaluated', threshold, value: null, limit: -margin, reason: `${flag}: ${why}` };
  }
  const low = m.interval.low;
  const ok = low > -margin;
  const level = `${Math.round((1 - m.alpha) * 1000) / 10}%`;
  const measured = `lower bound ${low < 0 ? '' : '+'}${amount(metric, low)} (observed ${m.estimate < 0 ? '' : '+'}${amount(metric, m.estimate)})`;
  return {
    id,
    name,
    status: ok ? 'pass' : 'fail',
    measured,
    threshold,
    value: low,
    limit: -margin,
    reason: ok
      ? null
      : `the ${metricName(metric)} may be lower than the baseline's by up to ${amount(metric, -low)} (one-sided ${level} bound; observed ${amount(metric, m.estimate)} over ${count(m.cases)} cases), more than the margin ${amount(metric, margin)}: the comparison cannot rule that out`,
  };
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
    reason: ok ? null : `${count(failing.length)} of ${count(matching)} case${s(matching)} matching '${expression}' did not pass`,
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
