/**
 * Pure helpers for building what a run executes: repeated rounds of cases, and the stages a rerun
 * `--from <stage>` reuses from the original run's records.
 */
import type { CaseRecord, StageRecord } from '../log/schema.ts';
import type { SuiteCase } from '../suite/load.ts';
import type { ReusedStages } from './case.ts';
import type { RunItem } from './run.ts';

/**
 * Every case `repeat` times, round by round: all cases once (repeat 0), then all again (repeat 1),
 * and so on, so an interrupted run has covered as many different cases as possible. `source` is
 * called once per round. With `repeat` 1 the items carry no repeat index (and neither do their
 * records).
 */
export async function* repeatRounds<T extends SuiteCase>(source: () => AsyncIterable<T> | Iterable<T>, repeat: number): AsyncGenerator<RunItem> {
  if (repeat <= 1) {
    yield* source();
    return;
  }
  for (let round = 0; round < repeat; round++) {
    for await (const item of source()) yield { ...item, repeat: round };
  }
}

/** The stages `stage` depends on, directly or through other stages (not `stage` itself). */
export function ancestorsOf(nodes: readonly { readonly name: string; readonly inputs: readonly string[] }[], stage: string): Set<string> {
  const inputs = new Map(nodes.map((node) => [node.name, node.inputs]));
  const found = new Set<string>();
  const stack = [...(inputs.get(stage) ?? [])];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (found.has(name)) continue;
    found.add(name);
    stack.push(...(inputs.get(name) ?? []));
  }
  return found;
}

export type ReusePlan = { ok: true; reused: ReusedStages } | { ok: false; missing: string[]; multiTurn?: true };

/**
 * What a case of `rerun --from` reuses: the outputs and records of `stages` (the ancestors of the
 * `--from` stage) from the original record. All or nothing: when one of them did not complete in
 * the original run, the case runs from scratch and `missing` names the stages that lacked an output.
 * A multi-turn case (one with a `turns` array) reuses nothing (`multiTurn`): each turn's stages
 * build on the outputs of the turns before it, so a turn's earlier stages cannot be kept while
 * the later stages of the turns before it run again.
 */
export function reuseFrom(record: CaseRecord, stages: ReadonlySet<string>): ReusePlan {
  if (stages.size > 0 && (record.turns !== undefined || isMultiTurnCase(record.case))) return { ok: false, missing: [], multiTurn: true };
  const outputs: Record<string, unknown> = {};
  const records: Record<string, StageRecord> = {};
  const missing: string[] = [];
  for (const name of stages) {
    const stageRecord = record.stageRecords[name];
    if (stageRecord?.status !== 'ok' || !Object.hasOwn(record.stages, name)) {
      missing.push(name);
      continue;
    }
    outputs[name] = record.stages[name];
    records[name] = stageRecord;
  }
  return missing.length > 0 ? { ok: false, missing } : { ok: true, reused: { outputs, records } };
}

/** A case with a non-empty `turns` array, as the runner runs turn by turn (a GoTaglio log's record has no `turns` of its own). */
function isMultiTurnCase(c: Readonly<Record<string, unknown>>): boolean {
  const turns = c['turns'];
  return Array.isArray(turns) && turns.length > 0;
}

/** The key of a (case, repetition) pair: a run holds at most one record per key. */
export function runKey(caseId: string, repeat: number | undefined): string {
  return `${repeat ?? 0}\u0000${caseId}`;
}
