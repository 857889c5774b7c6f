/**
 * The transcript of a tool loop (an `llm()` stage with tools), read from its stage record: each
 * round's reply, the tool calls it asked for and what became of them. The terminal and Markdown
 * case reports (`tagliots format`) render it; the stage's output then needs no JSON dump.
 */
import type { StageRecord } from '../log/schema.ts';
import { formatCount, formatDuration, formatUsd } from '../util/units.ts';

/** One tool call, as one line each: what was called, and what came of it. */
export interface TranscriptCall {
  /** `lookup_order {"orderId":"A1002"}` */
  readonly call: string;
  readonly status: string;
  /** The result as compact JSON, the error (`arguments: ...`), or why the call was not run. */
  readonly outcome: string;
}

export interface TranscriptRound {
  readonly round: number;
  /** `512 ms · 398 in, 18 out tokens · cache hit · tool_calls` */
  readonly facts: string;
  /** The reply's text ('' when it only asks for tools). */
  readonly text: string;
  readonly calls: readonly TranscriptCall[];
  /** Why the model call failed. */
  readonly error: string | undefined;
}

export interface ToolLoopTranscript {
  readonly model: string;
  /** `answer after 3 rounds, 2 tool calls (1 failed)` */
  readonly summary: string;
  readonly rounds: readonly TranscriptRound[];
}

/** Most characters of a result or of arguments shown on one line. */
const MAX_VALUE = 200;

const oneLine = (value: unknown): string => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
};

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

/** The tool loops a stage ran (usually one), from its record's `llm` entries. */
export function toolLoopTranscripts(stage: StageRecord | undefined): ToolLoopTranscript[] {
  const transcripts: ToolLoopTranscript[] = [];
  for (const info of stage?.llm ?? []) {
    if (!info.rounds) continue;
    const calls = info.rounds.flatMap((round) => round.toolCalls);
    const failed = calls.filter((call) => call.status !== 'ok').length;
    transcripts.push({
      model: info.model,
      summary: `${info.outcome ?? 'unfinished'} after ${plural(info.rounds.length, 'round')}, ${plural(calls.length, 'tool call')}${failed > 0 ? ` (${failed} not ok)` : ''}`,
      rounds: info.rounds.map((round) => {
        const facts = [formatDuration(round.durationMs)];
        if (round.usage) facts.push(`${formatCount(round.usage.inputTokens)} in, ${formatCount(round.usage.outputTokens)} out tokens`);
        if (round.costUsd !== undefined) facts.push(formatUsd(round.costUsd));
        if (round.cache && round.cache !== 'off') facts.push(`cache ${round.cache}`);
        if (round.finishReason) facts.push(round.finishReason);
        return {
          round: round.round,
          facts: facts.join(' · '),
          text: round.text,
          error: round.error,
          calls: round.toolCalls.map((call) => ({
            call: `${call.name} ${oneLine(call.arguments)}`,
            status: call.status,
            outcome:
              call.status === 'ok'
                ? oneLine(call.result)
                : call.error
                  ? `${call.error.kind}: ${call.error.message}`
                  : (call.reason ?? call.status),
          })),
        };
      }),
    });
  }
  return transcripts;
}

/** Whether a stage output is what an `llm()` stage with tools returns (its transcript shows it all). */
export function isToolLoopOutput(value: unknown): value is { answer: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const output = value as Record<string, unknown>;
  return 'answer' in output && typeof output['outcome'] === 'string' && typeof output['rounds'] === 'number' && Array.isArray(output['toolCalls']) && Array.isArray(output['messages']);
}
