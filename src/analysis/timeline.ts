/**
 * Timelines from the timing in a run log: for one case, the order in which its stages started and
 * ended (GoTaglio's step table) and their real start and end times; for a run, how many cases were
 * in flight over time; and Chrome Trace Event files (Perfetto, chrome://tracing) for both.
 */
import type { CaseRecord, RunStartRecord, StageRecord, StageStatus } from '../log/schema.ts';

export interface StageSpan {
  readonly name: string;
  readonly status: StageStatus;
  /** Milliseconds from the case start; null when the stage never started. */
  readonly startMs: number | null;
  readonly endMs: number | null;
  readonly reason: string | null;
}

export interface StepEvent {
  /** 1-based position in the order of events. */
  readonly step: number;
  readonly stage: string;
  readonly kind: 'start' | 'end';
}

export interface CaseTimeline {
  readonly caseId: string;
  /** Stages in pipeline order. */
  readonly stages: readonly StageSpan[];
  /** Every start and end, in time order (a start before an end at the same instant). */
  readonly steps: readonly StepEvent[];
  /** Per stage, the steps of its start and end (null when it never started). */
  readonly stepRange: ReadonlyMap<string, { readonly start: number; readonly end: number }>;
  readonly durationMs: number;
}

/** The timeline of one case, from its stage records. `order` is the pipeline's stage order. */
export function caseTimeline(record: CaseRecord, order: readonly string[]): CaseTimeline {
  const names = [...order, ...Object.keys(record.stageRecords).filter((name) => !order.includes(name))];
  const t0 = record.startMs;
  const stages: StageSpan[] = [];
  for (const name of names) {
    const stage = record.stageRecords[name];
    if (!stage) continue;
    const started = stage.startMs !== undefined;
    const endMs = stage.endMs ?? (started && stage.durationMs !== undefined ? stage.startMs! + stage.durationMs : undefined);
    stages.push({
      name,
      status: stage.status,
      startMs: started ? stage.startMs! - t0 : null,
      endMs: started && endMs !== undefined ? endMs - t0 : null,
      reason: stage.reason ?? null,
    });
  }
  const events: { stage: string; kind: 'start' | 'end'; at: number; order: number }[] = [];
  stages.forEach((span, i) => {
    if (span.startMs === null) return;
    events.push({ stage: span.name, kind: 'start', at: span.startMs, order: i });
    events.push({ stage: span.name, kind: 'end', at: span.endMs ?? span.startMs, order: i });
  });
  // Ends before starts at the same instant: a stage that waits for another starts after it ended.
  events.sort((a, b) => a.at - b.at || (a.kind === b.kind ? a.order - b.order : a.kind === 'end' ? -1 : 1));
  const steps = events.map((event, i) => ({ step: i + 1, stage: event.stage, kind: event.kind }));
  const stepRange = new Map<string, { start: number; end: number }>();
  for (const step of steps) {
    const range = stepRange.get(step.stage) ?? { start: step.step, end: step.step };
    if (step.kind === 'start') range.start = step.step;
    else range.end = step.step;
    stepRange.set(step.stage, range);
  }
  return { caseId: record.caseId, stages, steps, stepRange, durationMs: record.durationMs };
}

/** A model call (a round) or a tool run of a tool loop, within its stage. */
export interface ToolLoopSpan {
  readonly kind: 'round' | 'tool';
  /** `round 2`, or the tool's name. */
  readonly label: string;
  readonly round: number;
  /** Milliseconds from `t0`. */
  readonly startMs: number;
  readonly endMs: number;
  /** A round: `ok` or `error`; a tool call: its status. */
  readonly status: string;
}

/**
 * The rounds and tool runs of a stage's tool loops (`llm()` with tools), in time order, from the
 * stage record's `llm` entries; `t0` (epoch milliseconds) is their zero. Tool calls that never ran
 * have no span.
 */
export function toolLoopSpans(stage: StageRecord | undefined, t0: number): ToolLoopSpan[] {
  const spans: ToolLoopSpan[] = [];
  for (const info of stage?.llm ?? []) {
    for (const round of info.rounds ?? []) {
      spans.push({ kind: 'round', label: `round ${round.round}`, round: round.round, startMs: round.startMs - t0, endMs: round.startMs + round.durationMs - t0, status: round.error === undefined ? 'ok' : 'error' });
      for (const call of round.toolCalls) {
        if (call.startMs === undefined) continue;
        spans.push({ kind: 'tool', label: call.name, round: round.round, startMs: call.startMs - t0, endMs: call.startMs + (call.durationMs ?? 0) - t0, status: call.status });
      }
    }
  }
  return spans.sort((a, b) => a.startMs - b.startMs);
}

export interface Concurrency {
  /** Cases with timing. */
  readonly cases: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Most cases in flight at any moment. */
  readonly max: number;
  /** Time-weighted mean of the cases in flight, over the span of the run. */
  readonly mean: number;
  /** Per bucket (equal slices of the span): the time-weighted mean and the most in flight. */
  readonly buckets: readonly { readonly mean: number; readonly max: number }[];
}

export interface ConcurrencyBuilder {
  add(record: Pick<CaseRecord, 'startMs' | 'endMs'>): void;
  /** `buckets` slices of the run's span (at least 1). */
  finish(buckets: number): Concurrency;
}

/** Cases in flight over time, from each case's start and end: two numbers a case, in typed arrays. */
export function createConcurrencyBuilder(): ConcurrencyBuilder {
  let starts = new Float64Array(1024);
  let ends = new Float64Array(1024);
  let count = 0;
  return {
    add(record) {
      if (!Number.isFinite(record.startMs) || !Number.isFinite(record.endMs)) return;
      if (count === starts.length) {
        const grow = (a: Float64Array) => {
          const b = new Float64Array(a.length * 2);
          b.set(a);
          return b;
        };
        starts = grow(starts);
        ends = grow(ends);
      }
      starts[count] = record.startMs;
      ends[count] = Math.max(record.startMs, record.endMs);
      count++;
    },
    finish(bucketCount) {
      const n = Math.max(1, Math.floor(bucketCount));
      if (count === 0) return { cases: 0, startMs: 0, endMs: 0, max: 0, mean: 0, buckets: Array.from({ length: n }, () => ({ mean: 0, max: 0 })) };
      const s = starts.subarray(0, count).sort();
      const e = ends.subarray(0, count).sort();
      const t0 = s[0]!;
      const t1 = e[count - 1]!;
      const span = Math.max(t1 - t0, 1e-9);
      const width = span / n;
      const integral = new Float64Array(n);
      const peak = new Float64Array(n);
      let level = 0;
      let max = 0;
      let busy = 0;
      let i = 0;
      let j = 0;
      let at = t0;
      // Sweep the sorted starts and ends; an end at the same instant as a start comes first.
      while (i < count || j < count) {
        const next = j < count && (i >= count || e[j]! <= s[i]!) ? e[j]! : s[i]!;
        if (next > at && level > 0) {
          busy += level * (next - at);
          let b = Math.min(n - 1, Math.floor((at - t0) / width));
          for (let from = at; from < next && b < n; b++) {
            const to = Math.min(next, t0 + (b + 1) * width);
            integral[b]! += level * (to - from);
            if (level > peak[b]!) peak[b] = level;
            from = to;
          }
        }
        at = next;
        if (j < count && (i >= count || e[j]! <= s[i]!)) {
          level--;
          j++;
        } else {
          level++;
          i++;
          if (level > max) max = level;
          const b = Math.min(n - 1, Math.floor((at - t0) / width));
          if (level > peak[b]!) peak[b] = level;
        }
      }
      return {
        cases: count,
        startMs: t0,
        endMs: t1,
        max,
        mean: busy / span,
        buckets: Array.from(integral, (sum, b) => ({ mean: sum / width, max: peak[b]! })),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Chrome Trace Event format: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU

export interface TraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'M';
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly args?: Record<string, unknown>;
}

const LANE_TID = 1_000_000;

/** Assigns each case a slot (the lowest one free when it starts): the tracks of a run's trace. */
export function assignSlots(spans: readonly { readonly startMs: number; readonly endMs: number }[]): Int32Array {
  const order = Array.from(spans.keys()).sort((a, b) => spans[a]!.startMs - spans[b]!.startMs || a - b);
  const slots = new Int32Array(spans.length);
  const busyUntil: number[] = [];
  for (const k of order) {
    const { startMs, endMs } = spans[k]!;
    let slot = busyUntil.findIndex((end) => end <= startMs);
    if (slot === -1) slot = busyUntil.push(endMs) - 1;
    else busyUntil[slot] = endMs;
    slots[k] = slot;
  }
  return slots;
}

/** Thread-name metadata for a track. */
export function trackName(tid: number, name: string, sortIndex: number): TraceEvent[] {
  return [
    { name: 'thread_name', ph: 'M', pid: 1, tid, args: { name } },
    { name: 'thread_sort_index', ph: 'M', pid: 1, tid, args: { sort_index: sortIndex } },
  ];
}

export function processName(header: RunStartRecord): TraceEvent {
  return { name: 'process_name', ph: 'M', pid: 1, tid: 0, args: { name: `tagliots ${header.pipeline.name} run ${header.runId}` } };
}

/** A stage's wait for the Batch API (batch mode): from the call's start to its answer. */
export interface BatchWaitSpan {
  /** `batch wait`, with the batch that answered. */
  readonly label: string;
  readonly batchId: string;
  /** Milliseconds from `t0`. */
  readonly startMs: number;
  readonly endMs: number;
}

/** The waits for batches of a stage's model calls (batch mode), in time order; `t0` (epoch milliseconds) is their zero. */
export function batchWaitSpans(stage: StageRecord | undefined, t0: number): BatchWaitSpan[] {
  const spans: BatchWaitSpan[] = [];
  for (const call of stage?.calls ?? []) {
    const batch = call.batch;
    if (batch?.startMs === undefined) continue;
    spans.push({ label: `batch wait (${batch.batchId})`, batchId: batch.batchId, startMs: batch.startMs - t0, endMs: batch.startMs + batch.waitMs - t0 });
  }
  return spans.sort((a, b) => a.startMs - b.startMs);
}

/**
 * The events of one case on track `slot`: the case as a slice, its stages nested in it. Stages
 * that overlap (a DAG) go to extra lanes, tracks `slot + 1,000,000 × lane`, named after the slot.
 * `t0` is the trace's zero, in epoch milliseconds; times are in microseconds.
 */
export function caseTraceEvents(record: CaseRecord, header: RunStartRecord, slot: number, t0: number, lanesSeen: Set<number>): TraceEvent[] {
  const us = (ms: number) => Math.round((ms - t0) * 1000 * 1000) / 1000;
  const tid = slot + 1;
  const events: TraceEvent[] = [
    {
      name: record.caseId + ((header.repeat ?? 1) > 1 ? ` #${record.repeat ?? 0}` : ''),
      cat: 'case',
      ph: 'X',
      pid: 1,
      tid,
      ts: us(record.startMs),
      dur: Math.max(0, Math.round(record.durationMs * 1000 * 1000) / 1000),
      args: {
        caseId: record.caseId,
        index: record.index,
        ...(record.repeat !== undefined ? { repeat: record.repeat } : {}),
        status: record.status,
        passed: record.passed,
        score: record.score,
        ...(record.error ? { error: `${record.error.stage ?? 'case'}: ${record.error.message}` } : {}),
      },
    },
  ];
  const timeline = caseTimeline(record, header.pipeline.stages.map((s) => s.name));
  const laneEnds: number[] = [];
  const spans = timeline.stages.filter((s) => s.startMs !== null).sort((a, b) => a.startMs! - b.startMs!);
  for (const span of spans) {
    const start = span.startMs!;
    const end = Math.max(start, span.endMs ?? start);
    let lane = laneEnds.findIndex((laneEnd) => laneEnd <= start);
    if (lane === -1) lane = laneEnds.push(end) - 1;
    else laneEnds[lane] = end;
    if (lane > 0) lanesSeen.add(lane);
    const stage = record.stageRecords[span.name];
    events.push({
      name: span.name,
      cat: 'stage',
      ph: 'X',
      pid: 1,
      tid: tid + LANE_TID * lane,
      ts: us(record.startMs + start),
      dur: Math.round((end - start) * 1000 * 1000) / 1000,
      args: {
        caseId: record.caseId,
        status: span.status,
        ...(span.reason ? { reason: span.reason } : {}),
        ...(stage?.usage ? { usage: stage.usage } : {}),
        ...(stage?.costUsd !== undefined ? { costUsd: stage.costUsd } : {}),
        ...(stage?.error ? { error: stage.error.message } : {}),
      },
    });
    // The tool loop's rounds and tool runs, nested in the stage; parallel tool runs on extra lanes.
    const subLaneEnds: number[] = [];
    for (const part of toolLoopSpans(stage, record.startMs)) {
      let sub = subLaneEnds.findIndex((laneEnd) => laneEnd <= part.startMs);
      if (sub === -1) sub = subLaneEnds.push(part.endMs) - 1;
      else subLaneEnds[sub] = part.endMs;
      if (lane + sub > 0) lanesSeen.add(lane + sub);
      events.push({
        name: part.kind === 'round' ? `${span.name} ${part.label}` : part.label,
        cat: part.kind === 'round' ? 'model' : 'tool',
        ph: 'X',
        pid: 1,
        tid: tid + LANE_TID * (lane + sub),
        ts: us(record.startMs + part.startMs),
        dur: Math.round(Math.max(0, part.endMs - part.startMs) * 1000 * 1000) / 1000,
        args: { caseId: record.caseId, stage: span.name, round: part.round, status: part.status },
      });
    }
    // Batch mode: the stage's waits for the Batch API, nested in it.
    for (const wait of batchWaitSpans(stage, record.startMs)) {
      events.push({
        name: `${span.name} ${wait.label}`,
        cat: 'batch',
        ph: 'X',
        pid: 1,
        tid: tid + LANE_TID * lane,
        ts: us(record.startMs + wait.startMs),
        dur: Math.round(Math.max(0, wait.endMs - wait.startMs) * 1000 * 1000) / 1000,
        args: { caseId: record.caseId, stage: span.name, batchId: wait.batchId },
      });
    }
  }
  return events;
}

/** Names for the tracks of `slots` slots and the extra lanes seen. */
export function slotTrackNames(slots: number, lanes: ReadonlySet<number>, label = 'slot'): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (let slot = 0; slot < slots; slot++) {
    events.push(...trackName(slot + 1, `${label} ${slot + 1}`, slot * 100));
    for (const lane of [...lanes].sort((a, b) => a - b)) {
      events.push(...trackName(slot + 1 + LANE_TID * lane, `${label} ${slot + 1} (parallel stages ${lane + 1})`, slot * 100 + lane));
    }
  }
  return events;
}
