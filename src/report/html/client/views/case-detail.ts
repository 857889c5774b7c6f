/**
 * The case detail: the case's facts, error and fields, then each stage (or each turn's stages) with
 * its timing, model calls, the attempts of a failed llm() call, prompts, tool loops, events,
 * artifacts and output. Turns are numbered from 1 for people; the log numbers them from 0.
 */
import type { ReportRun } from '../../../../analysis/report-data.ts';
import type { Artifact, CaseRecord, ErrorInfo, ModelCall, StageEvent, StageRecord, TurnRecord } from '../../../../log/schema.ts';
import { errorMessageShown, llmAttempts, type CallLine, type ParseAttempts } from '../../../llm-attempts.ts';
import { formatCount, formatDuration, formatNumber, formatUsd } from '../../../../util/units.ts';
import { h, oneLineJson, plural, type Child } from '../dom.ts';
import { conversation, errorView, keyValues, plainTable, section, textBlock, usageText, valueView } from './values.ts';

type LlmInfo = NonNullable<StageRecord['llm']>[number];
type LlmRound = NonNullable<LlmInfo['rounds']>[number];
type ToolCallRecord = LlmRound['toolCalls'][number];

/** What holds stages: a case, or one turn of a multi-turn case. */
export type StagePart = Pick<CaseRecord, 'stages' | 'stageRecords'> & { readonly startMs?: number; readonly endMs?: number };

/** A turn's number as people count: the log's index plus one. */
export function turnNumber(index: number): number {
  return index + 1;
}

export function caseFacts(record: CaseRecord, run: ReportRun): string {
  const facts = [`index ${record.index}`];
  if ((run.header.repeat ?? 1) > 1) facts.push(`repeat ${record.repeat ?? 0}`);
  if (record.score !== null && record.score !== undefined) facts.push(`score ${formatNumber(record.score)}`);
  facts.push(formatDuration(record.durationMs));
  if (record.usage) facts.push(usageText(record.usage));
  if (record.costUsd !== undefined) facts.push(formatUsd(record.costUsd));
  return facts.join(' · ');
}

/** The pipeline's stages in order, then any other stage the parts recorded. */
export function stageNamesOf(run: ReportRun, ...parts: (StagePart | null | undefined)[]): string[] {
  const names = run.header.pipeline.stages.map((s) => s.name);
  const known = new Set(names);
  for (const part of parts) {
    if (!part) continue;
    for (const name of [...Object.keys(part.stageRecords ?? {}), ...Object.keys(part.stages ?? {})]) {
      if (!known.has(name)) {
        known.add(name);
        names.push(name);
      }
    }
  }
  return names;
}

/** Bars of each stage's start and end within the case. */
function stageTimeline(part: StagePart & { readonly startMs: number; readonly endMs: number }, names: readonly string[]): HTMLElement {
  const span = Math.max(1e-9, part.endMs - part.startMs);
  const table = h('div', { class: 'waterfall' });
  for (const name of names) {
    const stage = part.stageRecords?.[name];
    const bar = h('div', { class: 'track' });
    if (stage && stage.startMs !== undefined && stage.endMs !== undefined) {
      const left = Math.max(0, ((stage.startMs - part.startMs) / span) * 100);
      const width = Math.max(0.4, ((stage.endMs - stage.startMs) / span) * 100);
      bar.append(h('div', { class: `span ${stage.status}`, style: { left: `${left}%`, width: `${Math.min(width, 100 - left)}%` } }));
      // Batch mode: the stage's waits for the Batch API, hatched over its bar.
      for (const call of Array.isArray(stage.calls) ? stage.calls : []) {
        const batch = call.batch;
        if (batch?.startMs === undefined) continue;
        const from = Math.max(0, ((batch.startMs - part.startMs) / span) * 100);
        const wide = Math.max(0.4, (batch.waitMs / span) * 100);
        bar.append(h('div', { class: 'batch-wait', title: `waited ${formatDuration(batch.waitMs)} for batch ${batch.batchId}`, style: { left: `${from}%`, width: `${Math.min(wide, 100 - from)}%` } }));
      }
    }
    table.append(h('div', { class: 'wf-name mono', text: name }), bar, h('div', { class: 'wf-time', text: stage?.durationMs !== undefined ? formatDuration(stage.durationMs) : stage ? stage.status : '' }));
  }
  return table;
}

function callsTable(calls: readonly ModelCall[]): HTMLElement {
  return plainTable('calls', ['model', 'status', 'cache', 'attempts', 'duration', 'waited', 'tokens', 'cost'], calls, (call) => [
    h('td', {}, h('span', { class: 'mono', text: call.profile ?? '' }), call.model && call.model !== call.profile ? h('span', { class: 'muted', text: ` ${call.model}` }) : null, call.provider ? h('span', { class: 'muted', text: ` (${call.provider})` }) : null),
    h('td', {}, call.status === 'ok' ? h('span', { class: 'good', text: 'ok' }) : h('span', { class: 'bad', text: `${call.status}${call.error ? `: ${call.error}` : ''}` })),
    h('td', { text: call.cache ?? '' }),
    h('td', { text: Array.isArray(call.attempts) ? String(call.attempts.length) : '' }),
    h('td', { text: formatDuration(call.durationMs) }),
    h('td', { text: call.waitedMs || call.rateLimitWaitMs ? formatDuration((call.waitedMs ?? 0) + (call.rateLimitWaitMs ?? 0)) : '' }),
    h('td', { text: call.usage ? `${formatCount(call.usage.inputTokens)} / ${formatCount(call.usage.outputTokens)}${call.usageEstimated ? ' (est.)' : ''}` : '' }),
    h('td', { text: call.costUsd !== undefined ? formatUsd(call.costUsd) : '' }),
  ]);
}

/** The HTTP attempts of a call that needed more than one, or failed: what each got, and its error. */
function httpAttemptsView(call: CallLine): HTMLElement {
  return h(
    'div',
    { class: 'http-attempts' },
    h('div', { class: 'sub' }, h('span', { class: 'mono', text: call.title }), h('span', { class: 'muted', text: ` · ${call.facts}` })),
    call.error ? h('div', { class: 'bad', text: call.error }) : null,
    plainTable('attempts', ['attempt', 'what happened', 'error'], call.attempts, (attempt) => [
      h('td', { class: 'num', text: String(attempt.attempt) }),
      h('td', { class: attempt.outcome === 'ok' ? '' : attempt.outcome === 'retry' ? 'warn' : 'bad', text: attempt.facts }),
      h('td', { text: attempt.error ?? '' }),
    ]),
  );
}

/** Each reply parsed against the output schema: what did not match, and the reply as the model wrote it. */
function parseAttemptsView(parses: ParseAttempts): HTMLElement {
  return h(
    'div',
    { class: 'parse-attempts' },
    h('div', { class: 'sub', text: `Replies of ${parses.model} parsed against the output schema${parses.mode ? ` (${parses.mode})` : ''}: ${plural(parses.attempts.length, 'attempt')}` }),
    parses.attempts.map((attempt) =>
      h(
        'div',
        { class: 'parse-attempt', dataset: { attempt: attempt.attempt } },
        h('div', { class: 'pa-head' }, h('strong', { text: `Attempt ${attempt.attempt}` }), ' ', h('span', { class: attempt.ok ? 'pill ok' : 'pill error', text: attempt.ok ? 'matched' : 'did not match' })),
        attempt.issues.length > 0 ? h('ul', { class: 'issues' }, attempt.issues.map((issue) => h('li', { text: issue }))) : null,
        attempt.text !== undefined ? h('div', { class: 'reply' }, h('div', { class: 'role', text: 'reply, as the model sent it' }), textBlock(attempt.text, 'text')) : null,
      ),
    ),
  );
}

/**
 * What a stage's llm() calls tried (llm-attempts.ts, as `tagliots format` shows it): the HTTP
 * attempts of each call that needed more than one or failed, and each reply parsed against the
 * output schema when one did not match, with its text as sent rather than quoted in the error.
 */
function attemptsViews(stage: StageRecord | undefined): HTMLElement[] {
  const { calls, parses } = llmAttempts(stage);
  const views = [...parses.map(parseAttemptsView), ...calls.filter((call) => call.eventful && call.attempts.length > 0).map(httpAttemptsView)];
  return views.length > 0 ? [h('div', { class: 'attempts' }, views)] : [];
}

/** A stage's error, its message without the reply it quotes when the reply is shown under the stage. */
export function stageErrorView(error: ErrorInfo, stage: StageRecord | undefined, options: { readonly noStage?: boolean } = {}): HTMLElement {
  return errorView({ ...error, message: errorMessageShown(error, stage) }, options);
}

export function stageHead(name: string, stage: StageRecord | undefined): HTMLElement {
  const facts: string[] = [];
  if (stage?.reason) facts.push(stage.reason);
  if (stage?.reused) facts.push('reused from the parent run');
  if (stage?.durationMs !== undefined) facts.push(formatDuration(stage.durationMs));
  if (stage?.usage) facts.push(usageText(stage.usage));
  if (stage?.costUsd !== undefined) facts.push(formatUsd(stage.costUsd));
  const status = stage ? stage.status : 'not recorded';
  return h('div', { class: 'stage-head' }, h('span', { class: 'stage-name mono', text: name }), h('span', { class: `pill ${status}`, text: status }), h('span', { class: 'muted', text: facts.join(' · ') }));
}

/** What an llm() stage with tools returns. */
interface ToolLoopOutput {
  readonly answer: unknown;
  readonly outcome: string;
  readonly rounds: number;
  readonly toolCalls: readonly unknown[];
  readonly messages: readonly unknown[];
}

function isToolLoopOutput(value: unknown): value is ToolLoopOutput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Readonly<Record<string, unknown>>;
  return 'answer' in v && typeof v['outcome'] === 'string' && typeof v['rounds'] === 'number' && Array.isArray(v['toolCalls']) && Array.isArray(v['messages']);
}

/** A tool loop, round by round: the model's reply, then each tool call it asked for and what came back. */
function toolLoopView(llm: LlmInfo & { readonly rounds: readonly LlmRound[] }): HTMLElement {
  const calls = llm.rounds.flatMap((round) => (Array.isArray(round.toolCalls) ? round.toolCalls : []));
  const notOk = calls.filter((call) => call.status !== 'ok').length;
  const view = h('div', { class: 'tool-loop' }, h('div', { class: 'sub', text: `Tool loop: ${llm.outcome ?? 'unfinished'} after ${plural(llm.rounds.length, 'round')}, ${plural(calls.length, 'tool call')}${notOk ? ` (${notOk} not ok)` : ''}` }));
  for (const round of llm.rounds) {
    const facts = [formatDuration(round.durationMs)];
    if (round.usage) facts.push(`${formatCount(round.usage.inputTokens)} in, ${formatCount(round.usage.outputTokens)} out tokens`);
    if (round.costUsd !== undefined) facts.push(formatUsd(round.costUsd));
    if (round.cache && round.cache !== 'off') facts.push(`cache ${round.cache}`);
    if (round.finishReason) facts.push(round.finishReason);
    const box = h('div', { class: 'tl-round', 'data-round': String(round.round) }, h('div', { class: 'tl-head' }, h('strong', { text: `Round ${round.round}` }), h('span', { class: 'muted', text: ` · ${facts.join(' · ')}` })));
    if (round.error) box.append(h('div', { class: 'bad', text: round.error }));
    if (round.text) box.append(h('div', { class: 'message role-assistant' }, h('div', { class: 'role', text: 'assistant' }), textBlock(round.text, 'text')));
    if (Array.isArray(round.toolCalls) && round.toolCalls.length > 0) {
      box.append(
        plainTable('tool-calls', ['tool', 'arguments', 'status', 'result', 'duration'], round.toolCalls, (call: ToolCallRecord) => [
          h('td', { class: 'mono', text: String(call.name) }),
          h('td', {}, textBlock(oneLineJson(call.arguments), 'json')),
          h('td', {}, h('span', { class: call.status === 'ok' ? 'good' : 'bad', text: call.error ? `${call.status}: ${call.error.kind}` : String(call.status) })),
          h('td', {}, call.status === 'ok' ? textBlock(oneLineJson(call.result), 'json') : textBlock(call.error?.message ?? call.reason ?? '', 'text')),
          h('td', { class: 'num', text: call.durationMs !== undefined ? formatDuration(call.durationMs) : '' }),
        ]),
      );
    }
    view.append(box);
  }
  return view;
}

/** Events of one stage: when (from the start of the case), what, and their data. */
function eventsTable(events: readonly StageEvent[]): HTMLElement {
  return plainTable('events', ['at', 'type', 'data'], events, (event) => {
    const data = event.data === undefined ? '' : (JSON.stringify(event.data) ?? '');
    return [h('td', { class: 'num', text: `+${formatDuration(event.t)}` }), h('td', { class: 'mono', text: String(event.type) }), h('td', {}, data ? textBlock(data, 'json') : null)];
  });
}

/** Artifacts of one stage, with their paths relative to the runs folder. */
function artifactsTable(artifacts: readonly Artifact[]): HTMLElement {
  return plainTable('artifacts', ['name', 'type', 'size', 'path (in the runs folder)'], artifacts, (artifact) => [
    h('td', { class: 'mono', text: String(artifact.name) }),
    h('td', { text: String(artifact.mime ?? '') }),
    h('td', { class: 'num', text: `${formatCount(artifact.bytes ?? 0)} B` }),
    h('td', { class: 'mono', text: String(artifact.path) }),
  ]);
}

/**
 * What a stage did: its error, model calls and their attempts, prompts, events, artifacts and
 * output. `part` holds the stages and their records (the case, or one turn of a multi-turn case);
 * `owner` is the case, which holds the events and artifacts of every turn; `turn` is the turn's
 * index in the log.
 */
export function stageBody(part: StagePart, name: string, owner: Pick<CaseRecord, 'events' | 'artifacts'>, turn: number | undefined): Child[] {
  const stage = part.stageRecords?.[name];
  const parts: Child[] = [];
  if (stage?.error) parts.push(stageErrorView(stage.error, stage, { noStage: true }));
  if (Array.isArray(stage?.calls) && stage.calls.length > 0) parts.push(callsTable(stage.calls));
  parts.push(...attemptsViews(stage));
  let loops = 0;
  if (Array.isArray(stage?.llm)) {
    for (const llm of stage.llm) {
      if (!llm || !Array.isArray(llm.messages)) continue;
      parts.push(h('div', { class: 'prompt' }, h('div', { class: 'sub', text: `Prompt sent to ${llm.model ?? 'the model'}` }), conversation(llm.messages)));
      const rounds = llm.rounds;
      if (Array.isArray(rounds)) {
        parts.push(toolLoopView({ ...llm, rounds }));
        loops++;
      }
    }
  }
  const mine = (item: { readonly stage: string; readonly turn?: number | undefined }) => item && item.stage === name && item.turn === turn;
  const events = Array.isArray(owner.events) ? owner.events.filter(mine) : [];
  if (events.length > 0) parts.push(h('div', { class: 'events' }, h('div', { class: 'sub', text: 'Events' }), eventsTable(events)));
  const artifacts = Array.isArray(owner.artifacts) ? owner.artifacts.filter(mine) : [];
  if (artifacts.length > 0) parts.push(h('div', { class: 'artifacts' }, h('div', { class: 'sub', text: 'Artifacts' }), artifactsTable(artifacts)));
  if (part.stages && Object.prototype.hasOwnProperty.call(part.stages, name)) {
    const value = part.stages[name];
    // The tool loop above shows a text answer already; a parsed one (llm() with output) is shown too.
    if (loops === 0 || !isToolLoopOutput(value)) parts.push(h('div', { class: 'output' }, valueView(value)));
    else if (value.answer !== null && typeof value.answer !== 'string') parts.push(h('div', { class: 'output' }, h('div', { class: 'sub', text: 'Answer' }), valueView(value.answer)));
  } else if (!stage?.error) parts.push(h('p', { class: 'muted', text: 'No output.' }));
  return parts;
}

/** The stages of the case, or of one turn, each with its head and body. */
function stagesView(part: StagePart, names: readonly string[], owner: CaseRecord, turn: number | undefined): HTMLElement {
  const stages = h('div', { class: 'stages' });
  for (const name of names) stages.append(h('div', { class: 'stage' }, stageHead(name, part.stageRecords?.[name]), stageBody(part, name, owner, turn)));
  return stages;
}

/** A turn's number, status, verdict and facts, as one line. */
export function turnHead(turn: TurnRecord): HTMLElement {
  const facts: string[] = [];
  if (turn.passed !== null && turn.passed !== undefined) facts.push(turn.passed ? 'passed' : 'failed');
  if (turn.score !== null && turn.score !== undefined) facts.push(`score ${formatNumber(turn.score)}`);
  if (turn.durationMs !== undefined) facts.push(formatDuration(turn.durationMs));
  if (turn.reason) facts.push(turn.reason);
  return h('div', { class: 'turn-head' }, h('span', { class: 'turn-name', text: `Turn ${turnNumber(turn.index)}` }), h('span', { class: `pill ${turn.status}`, text: turn.status }), h('span', { class: 'muted', text: facts.join(' · ') }));
}

function hasTimes<T extends StagePart>(part: T): part is T & { readonly startMs: number; readonly endMs: number } {
  return part.startMs !== undefined && part.endMs !== undefined;
}

function turnView(record: CaseRecord, turn: TurnRecord, run: ReportRun): HTMLElement {
  const view = h('div', { class: 'turn', 'data-turn': String(turn.index) }, turnHead(turn));
  if (turn.error) view.append(stageErrorView(turn.error, turn.error.stage === null ? undefined : turn.stageRecords?.[turn.error.stage]));
  if (turn.columns && Object.keys(turn.columns).length > 0) view.append(keyValues(turn.columns));
  if (Object.keys(turn.stageRecords ?? {}).length === 0) return view;
  const names = stageNamesOf(run, turn);
  if (hasTimes(turn)) view.append(stageTimeline(turn, names));
  view.append(stagesView(turn, names, record, turn.index));
  return view;
}

export function caseDetail(record: CaseRecord, run: ReportRun): HTMLElement {
  const root = h('div', { class: 'case-detail' });
  root.append(h('div', { class: 'detail-facts' }, h('span', { text: caseFacts(record, run) })));
  if (record.error) root.append(section('Error', stageErrorView(record.error, record.error.stage === null ? undefined : record.stageRecords?.[record.error.stage])));
  root.append(section('Case', keyValues(record.case ?? {})));
  if (record.columns && Object.keys(record.columns).length > 0) root.append(section('Columns', keyValues(record.columns)));
  if (Array.isArray(record.turns)) {
    root.append(section(`Turns (${record.turns.length})`, h('div', { class: 'turns' }, record.turns.map((turn) => turnView(record, turn, run)))));
    return root;
  }
  const names = stageNamesOf(run, record);
  root.append(section('Timing', stageTimeline(record, names)));
  root.append(section('Stages', stagesView(record, names, record, undefined)));
  return root;
}

