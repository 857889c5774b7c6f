/** What the terminal and Markdown case reports (`tagliots format`) share. */
import type { CaseRecord, RunEndRecord, RunStartRecord, StageRecord, Usage } from '../log/schema.ts';
import { formatCount, formatDuration, formatUsd } from '../util/units.ts';

export interface ChatMessageLike {
  readonly role: string;
  readonly content: unknown;
}

/** A conversation: a non-empty array of `{ role, content }` objects (the calc `prepare` output). */
export function isMessages(value: unknown): value is ChatMessageLike[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((m) => typeof m === 'object' && m !== null && !Array.isArray(m) && typeof (m as Record<string, unknown>)['role'] === 'string' && 'content' in m)
  );
}

/** Strings as they are; anything else as JSON with two-space indents. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, null, 2) ?? String(value);
}

/** The stages to show for a case: the pipeline's, in its order, then any others the record has. */
export function stageNames(header: RunStartRecord, record: CaseRecord): string[] {
  const names = header.pipeline.stages.map((stage) => stage.name);
  const known = new Set(names);
  for (const name of [...Object.keys(record.stageRecords), ...Object.keys(record.stages)]) {
    if (!known.has(name)) {
      known.add(name);
      names.push(name);
    }
  }
  return names;
}

export type Verdict = 'PASSED' | 'FAILED' | 'ERROR' | 'CANCELLED' | 'COMPLETE';

export function verdictOf(record: CaseRecord): Verdict {
  if (record.status === 'error') return 'ERROR';
  if (record.status === 'cancelled') return 'CANCELLED';
  return record.passed === true ? 'PASSED' : record.passed === false ? 'FAILED' : 'COMPLETE';
}

export function formatUsage(usage: Usage): string {
  const parts = [`${formatCount(usage.inputTokens)} in`, `${formatCount(usage.outputTokens)} out`];
  if (usage.cachedInputTokens) parts.push(`${formatCount(usage.cachedInputTokens)} cached`);
  if (usage.reasoningTokens) parts.push(`${formatCount(usage.reasoningTokens)} reasoning`);
  return `${parts.join(', ')} tokens (${formatCount(usage.calls)} call${usage.calls === 1 ? '' : 's'})`;
}

/** `ok · 0.73 ms · 48 in, 2 out tokens (1 call) · $0.00012`, or `skipped: input 'extract' failed`. */
export function stageFacts(stage: StageRecord | undefined): string[] {
  if (!stage) return ['not recorded'];
  const facts: string[] = [stage.reason ? `${stage.status}: ${stage.reason}` : stage.status];
  if (stage.reused) facts.push('reused from the parent run');
  if (stage.durationMs !== undefined) facts.push(formatDuration(stage.durationMs));
  if (stage.usage) facts.push(formatUsage(stage.usage));
  if (stage.costUsd !== undefined) facts.push(formatUsd(stage.costUsd));
  return facts;
}

/** The case's own facts after its verdict: status, passed, score, repetition, duration, usage, cost. */
export function caseFacts(record: CaseRecord, header: RunStartRecord): string[] {
  const facts: string[] = [record.status];
  if (header.pipeline.hasPassed && record.status === 'complete') facts.push(`passed: ${record.passed === null ? '—' : record.passed ? 'yes' : 'no'}`);
  if (record.score !== null) facts.push(`score: ${record.score}`);
  if ((header.repeat ?? 1) > 1) facts.push(`repeat ${record.repeat ?? 0}`);
  facts.push(`index ${record.index}`);
  facts.push(formatDuration(record.durationMs));
  if (record.usage) facts.push(formatUsage(record.usage));
  if (record.costUsd !== undefined) facts.push(formatUsd(record.costUsd));
  return facts;
}

/** The record of the stage the case failed in: the case's, or the failed turn's. */
export function failedStage(record: CaseRecord): StageRecord | undefined {
  const stage = record.error?.stage;
  if (!stage) return undefined;
  const turn = record.turns?.find((t) => t.status === 'error' && t.stageRecords[stage]);
  return (turn ?? record).stageRecords[stage];
}

export function keywordsOfCase(record: CaseRecord): string[] {
  const raw = record.case['keywords'];
  return Array.isArray(raw) ? raw.filter((k): k is string => typeof k === 'string') : [];
}

/** Facts about the run for the report header. */
export interface RunFacts {
  readonly runId: string;
  readonly pipeline: string;
  readonly suite: string;
  readonly started: string;
  readonly status: string;
  readonly git: string | null;
  readonly deltas: readonly string[];
}

export function runFacts(header: RunStartRecord, end: RunEndRecord | null, gotaglio: boolean): RunFacts {
  const count = header.suite.count;
  const repeat = header.repeat ?? 1;
  const git = header.git
    ? `${header.git.sha?.slice(0, 12) ?? '(no commits)'}${header.git.branch ? ` on ${header.git.branch}` : ''}${header.git.dirty ? ' (uncommitted changes)' : ''}`
    : null;
  return {
    runId: header.runId,
    pipeline: header.pipeline.name,
    suite: `${header.suite.path || '(unknown)'} (${formatCount(count)} case${count === 1 ? '' : 's'}${repeat > 1 ? `, ${repeat} repeats each` : ''})${gotaglio ? ', GoTaglio log' : ''}`,
    started: header.startedAt,
    status: end ? `${end.status}, ${formatDuration(end.durationMs)}` : 'incomplete (no run.end record)',
    git,
    deltas: gotaglio ? ['(GoTaglio logs do not record config deltas)'] : header.deltas.map((d) => `${d.path}: ${d.prompt ? 'PROMPT' : oneLineJson(d.from)} => ${oneLineJson(d.to)}`),
  };
}

function oneLineJson(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
}

/** Large per GoTaglio's format: more than 20 lines or more than 200 characters. */
export function isLarge(text: string): boolean {
  if (text.length > 200) return true;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) if (++lines > 20) return true;
  return false;
}

export const sortCases = (a: CaseRecord, b: CaseRecord): number => a.index - b.index || (a.repeat ?? 0) - (b.repeat ?? 0);
