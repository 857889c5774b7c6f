import type { CaseRecord } from '../log/schema.ts';

/** How one repetition of a case ended, as one letter: the outcomes of a case read like `PPFP`. */
export type Outcome = 'P' | 'F' | 'E' | 'C' | 'o' | '-';
/** P passed, F failed, E error, C cancelled, o complete without a verdict (no passed()), - not in the log. */
export const OUTCOME_LEGEND = 'P passed, F failed, E error, C cancelled, o complete (no verdict), - not run';

export function outcomeOf(record: Pick<CaseRecord, 'status' | 'passed'>): Outcome {
  if (record.status === 'error') return 'E';
  if (record.status === 'cancelled') return 'C';
  return record.passed === true ? 'P' : record.passed === false ? 'F' : 'o';
}

export interface FlakyCase {
  readonly caseId: string;
  readonly index: number;
  /** One outcome letter per repetition, in repetition order. */
  readonly outcomes: string;
  /** Times the outcome changed from one repetition to the next (repetitions not in the log are skipped). */
  readonly flips: number;
  readonly passed: number;
}

export interface RepeatRate {
  readonly repeat: number;
  /** Records of this repetition in the log. */
  readonly runs: number;
  readonly passed: number;
}

export interface RepeatStats {
  /** Repetitions per case: the run's `--repeat`. */
  readonly k: number;
  /** Distinct cases in the log. */
  readonly cases: number;
  /** Cases with at least one passing repetition (pass@k numerator); null without passed(). */
  readonly passAtK: number | null;
  /** Cases whose k repetitions all passed (pass^k numerator); null without passed(). */
  readonly passAllK: number | null;
  /** Passing repetitions over all repetitions of all cases (cases × k); null without passed(). */
  readonly passed: number | null;
  readonly perRepeat: readonly RepeatRate[];
  /** Cases whose outcome changed between repetitions. */
  readonly flakyCases: number;
  /** The flakiest cases: most flips first, then the most evenly split, then suite order. */
  readonly flakiest: readonly FlakyCase[];
}

export interface RepeatTracker {
  add(record: CaseRecord): void;
  finish(): RepeatStats;
}

/**
 * Per-case outcomes across repetitions (`run --repeat k`): pass@k, pass^k, the pass rate of each
 * repetition and the cases whose outcome flips. Keeps one short string per case.
 */
export function createRepeatTracker(k: number, options: { readonly hasPassed: boolean; readonly maxFlaky?: number }): RepeatTracker {
  const byCase = new Map<string, { index: number; outcomes: Outcome[] }>();
  const perRepeat: { runs: number; passed: number }[] = Array.from({ length: k }, () => ({ runs: 0, passed: 0 }));
  return {
    add(record) {
      const repeat = record.repeat ?? 0;
      let entry = byCase.get(record.caseId);
      if (!entry) {
        entry = { index: record.index, outcomes: Array.from({ length: k }, () => '-' as Outcome) };
        byCase.set(record.caseId, entry);
      }
      const outcome = outcomeOf(record);
      while (entry.outcomes.length <= repeat) entry.outcomes.push('-');
      entry.outcomes[repeat] = outcome;
      while (perRepeat.length <= repeat) perRepeat.push({ runs: 0, passed: 0 });
      perRepeat[repeat]!.runs++;
      if (outcome === 'P') perRepeat[repeat]!.passed++;
    },
    finish() {
      let atK = 0;
      let allK = 0;
      let passed = 0;
      let flakyCases = 0;
      const flaky: FlakyCase[] = [];
      for (const [caseId, { index, outcomes }] of byCase) {
        const passes = outcomes.filter((o) => o === 'P').length;
        passed += passes;
        if (passes > 0) atK++;
        if (passes === outcomes.length) allK++;
        const present = outcomes.filter((o) => o !== '-');
        let flips = 0;
        for (let i = 1; i < present.length; i++) if (present[i] !== present[i - 1]) flips++;
        if (flips > 0) {
          flakyCases++;
          flaky.push({ caseId, index, outcomes: outcomes.join(''), flips, passed: passes });
        }
      }
      const balance = (c: FlakyCase) => Math.min(c.passed, c.outcomes.length - c.passed);
      flaky.sort((a, b) => b.flips - a.flips || balance(b) - balance(a) || a.index - b.index || (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));
      const { hasPassed } = options;
      return {
        k,
        cases: byCase.size,
        passAtK: hasPassed ? atK : null,
        passAllK: hasPassed ? allK : null,
        passed: hasPassed ? passed : null,
        perRepeat: perRepeat.map((r, repeat) => ({ repeat, ...r })),
        flakyCases,
        flakiest: flaky.slice(0, options.maxFlaky ?? 10),
      };
    },
  };
}
