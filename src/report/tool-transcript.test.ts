/**
 * How tool loops show: the transcript `format` prints, the spans of `timeline` and its Chrome trace.
 */
import { describe, expect, it } from 'vitest';
import { caseTraceEvents, toolLoopSpans } from '../analysis/timeline.ts';
import type { CaseRecord, RunStartRecord, StageRecord } from '../log/schema.ts';
import { renderCaseMarkdown } from './format-markdown.ts';
import { renderCaseTerminal } from './format-terminal.ts';
import { renderCaseTimelineWithEvents } from './timeline-text.ts';
import { createTheme } from './theme.ts';
import { isToolLoopOutput, toolLoopTranscripts } from './tool-transcript.ts';

const T0 = 1_763_647_392_000;

const agentRecord: StageRecord = {
  status: 'ok',
  startMs: T0 + 1,
  endMs: T0 + 40,
  durationMs: 39,
  llm: [
    {
      model: 'gpt-test',
      templates: [],
      messages: [{ role: 'user', content: 'Where are A1 and B2?' }],
      loop: 1,
      outcome: 'answer',
      tools: [{ name: 'lookup_order', sha256: 'ab' }],
      rounds: [
        {
          round: 1,
          startMs: T0 + 2,
          durationMs: 10,
          usage: { inputTokens: 100, outputTokens: 12 },
          costUsd: 0.0001,
          cache: 'miss',
          finishReason: 'tool_calls',
          text: '',
          toolCalls: [
            { round: 1, id: 'a', name: 'lookup_order', arguments: { orderId: 'A1' }, status: 'ok', result: { status: 'shipped' }, startMs: T0 + 12, durationMs: 5 },
            { round: 1, id: 'b', name: 'lookup_order', arguments: { orderId: 7 }, status: 'error', error: { kind: 'arguments', message: 'invalid arguments for lookup_order: orderId: expected string' }, startMs: T0 + 12.5, durationMs: 0.1 },
          ],
        },
        { round: 2, startMs: T0 + 20, durationMs: 15, finishReason: 'stop', text: 'A1 has shipped.', toolCalls: [] },
      ],
    },
  ],
};

const output = { answer: 'A1 has shipped.', outcome: 'answer', rounds: 2, toolCalls: [], messages: [] };
const header = {
  type: 'run.start',
  runId: 'r',
  pipeline: { name: 'agent', description: '', stages: [{ name: 'agent', inputs: [] }], columns: [], hasPassed: false, hasScore: false },
} as unknown as RunStartRecord;
const record = {
  type: 'case',
  caseId: 'c1',
  index: 0,
  status: 'complete',
  passed: null,
  score: null,
  case: { id: 'c1' },
  stages: { agent: output },
  stageRecords: { agent: agentRecord },
  error: null,
  startMs: T0,
  endMs: T0 + 41,
  durationMs: 41,
} as CaseRecord;
const theme = createTheme(false, 100);

describe('tool loop transcripts', () => {
  it('reads each round and tool call from the stage record', () => {
    expect(toolLoopTranscripts(agentRecord)).toEqual([
      {
        model: 'gpt-test',
        summary: 'answer after 2 rounds, 2 tool calls (1 not ok)',
        rounds: [
          {
            round: 1,
            facts: '10.0 ms · 100 in, 12 out tokens · $0.00010 · cache miss · tool_calls',
            text: '',
            error: undefined,
            calls: [
              { call: 'lookup_order {"orderId":"A1"}', status: 'ok', outcome: '{"status":"shipped"}' },
              { call: 'lookup_order {"orderId":7}', status: 'error', outcome: 'arguments: invalid arguments for lookup_order: orderId: expected string' },
            ],
          },
          { round: 2, facts: '15.0 ms · stop', text: 'A1 has shipped.', error: undefined, calls: [] },
        ],
      },
    ]);
    expect(toolLoopTranscripts({ status: 'ok' })).toEqual([]);
    expect(isToolLoopOutput(output)).toBe(true);
    expect(isToolLoopOutput({ answer: 1 })).toBe(false);
  });

  it('format shows the transcript instead of the output JSON, in the terminal and in Markdown', () => {
    const text = renderCaseTerminal(record, header, theme);
    expect(text).toContain(`      tool loop (gpt-test): answer after 2 rounds, 2 tool calls (1 not ok)
      round 1  10.0 ms · 100 in, 12 out tokens · $0.00010 · cache miss · tool_calls
        → lookup_order {"orderId":"A1"}
          ← {"status":"shipped"}
        → lookup_order {"orderId":7}
          ✗ arguments: invalid arguments for lookup_order: orderId: expected string
      round 2  15.0 ms · stop
        assistant: A1 has shipped.
`);
    expect(text).not.toContain('"toolCalls"');
    const markdown = renderCaseMarkdown(record, header);
    expect(markdown).toContain('* round 1 _(10.0 ms · 100 in, 12 out tokens · $0.00010 · cache miss · tool\\_calls)_');
    expect(markdown).toContain('  * → `lookup_order {"orderId":7}` **error**: arguments: invalid arguments for lookup\\_order: orderId: expected string');
  });

  it('timeline lists the rounds and tool runs, and the Chrome trace nests them in the stage, parallel runs on a lane of their own', () => {
    expect(toolLoopSpans(agentRecord, T0).map((span) => [span.kind, span.label, span.startMs, Math.round(span.endMs * 10) / 10, span.status])).toEqual([
      ['round', 'round 1', 2, 12, 'ok'],
      ['tool', 'lookup_order', 12, 17, 'ok'],
      ['tool', 'lookup_order', 12.5, 12.6, 'error'],
      ['round', 'round 2', 20, 35, 'ok'],
    ]);
    const text = renderCaseTimelineWithEvents(record, ['agent'], theme, 100);
    expect(text).toContain('Tool loop of agent (ms from the case start)');
    expect(text).toMatch(/ 2\.00 ms {2}round 1 +10\.0 ms {2}ok/);
    const lanes = new Set<number>();
    const events = caseTraceEvents(record, header, 0, T0, lanes);
    expect(events.filter((e) => e.cat === 'model' || e.cat === 'tool').map((e) => [e.name, e.tid])).toEqual([
      ['agent round 1', 1],
      ['lookup_order', 1],
      ['lookup_order', 1_000_001],
      ['agent round 2', 1],
    ]);
    expect(lanes).toEqual(new Set([1]));
  });
});
