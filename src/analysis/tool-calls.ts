/**
 * The tool calls a case record made, as one line per call, for comparing two runs case by case:
 * which tools the agent called, with which arguments, in which order. Results are left out: a
 * comparison asks whether the agent behaved the same, and the answer's checks judge the rest.
 */
import type { CaseRecord, StageRecord } from '../log/schema.ts';

/** Arguments as canonical JSON (keys sorted), so that the same call reads the same in both runs. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Most characters of one call's line: a comparison lists calls, it does not dump payloads. */
const MAX_CALL = 160;

function callsOf(stageRecords: Record<string, StageRecord>, prefix: string, out: string[]): boolean {
  let used = false;
  const stages: [string, string[]][] = [];
  for (const name in stageRecords) {
    const llm = stageRecords[name]!.llm;
    if (!llm) continue;
    const calls: string[] = [];
    for (const info of llm) {
      if (!info.rounds) continue;
      used = true;
      for (const round of info.rounds) {
        for (const call of round.toolCalls) {
          const line = `${call.name} ${typeof call.arguments === 'string' ? call.arguments : canonical(call.arguments)}`;
          calls.push(line.length > MAX_CALL ? `${line.slice(0, MAX_CALL - 1)}…` : line);
        }
      }
    }
    if (calls.length > 0) stages.push([name, calls]);
  }
  // The stage is named only when more than one stage called tools.
  for (const [name, calls] of stages) for (const call of calls) out.push(`${prefix}${stages.length > 1 ? `${name}: ` : ''}${call}`);
  return used;
}

/**
 * The tool calls of a record in the order they were asked for, each `name {"arg":1}` (prefixed
 * `turn 2: ` in a multi-turn case, turns counted from 1); null when no stage ran a tool loop.
 */
export function toolCallLines(record: Pick<CaseRecord, 'stageRecords' | 'turns'>): string[] | null {
  const out: string[] = [];
  let used = callsOf(record.stageRecords, '', out);
  for (const turn of record.turns ?? []) used = callsOf(turn.stageRecords, `turn ${turn.index + 1}: `, out) || used;
  return used ? out : null;
}
