import { costOf, formatUsd } from '../model/pricing.ts';
import type { ModelProfile } from '../model/profiles.ts';
import { countMessageTokens, encoderFor } from '../model/tokens.ts';
import type { CallOptions, ChatMessage, CompletionRequest, Model } from '../model/types.ts';
import { startCase } from '../runner/case.ts';
import type { PreparedRun } from '../runner/setup.ts';
import type { Suite } from '../suite/load.ts';
import type { JsonObject } from '../util/json.ts';

/** Thrown by the recording models: the dry run stops each case at its first model call. */
class DryRunStop extends Error {
  constructor() {
    super('check stops a case at its first model call');
    this.name = 'DryRunStop';
  }
}

interface Captured {
  readonly stage: string;
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number | undefined;
}

/** A model that records the request and stops the case instead of calling anything. */
export function createCallRecorder(): { intercept: (model: Model) => Model; take: () => Captured[] } {
  let captured: Captured[] = [];
  return {
    intercept: (model) => ({
      ...model,
      async complete(request: CompletionRequest, options?: CallOptions): Promise<never> {
        const maxTokens = request.params?.['max_tokens'];
        captured.push({
          stage: (options as { stage?: string } | undefined)?.stage ?? '?',
          model: model.name,
          messages: [...request.messages],
          maxTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
        });
        throw new DryRunStop();
      },
    }),
    take: () => {
      const taken = captured;
      captured = [];
      return taken;
    },
  };
}

/** Most cases a dry run goes through; the estimate for a larger suite is scaled from them. */
const MAX_DRY_CASES = 200;

/**
 * For a code pipeline: runs each case's stages up to its first model call (the recorder stops it
 * there), so prompts render against real cases, and estimates tokens and cost from what would have
 * been sent. Stages after a model call cannot run without its answer, so their calls are not seen.
 */
export async function dryRunEstimate(
  prepared: PreparedRun,
  recorder: ReturnType<typeof createCallRecorder>,
  suite: Suite,
  sampleSize: number,
  profiles: ReadonlyMap<string, ModelProfile>,
): Promise<{ problems: string[]; estimate: string[]; notes: string[]; rendered: number }> {
  const problems: string[] = [];
  const rows = new Map<string, { stage: string; model: string; calls: number; input: number; output: number | undefined }>();
  const counters = new Map<string, (messages: readonly ChatMessage[]) => number>();
  const counterFor = async (model: string) => {
    let counter = counters.get(model);
    if (!counter) {
      const profile = profiles.get(model);
      if (profile) {
        const encoder = await encoderFor(profile.model, profile.encoding);
        counter = (messages) => countMessageTokens(encoder, [...messages]);
      } else {
        counter = (messages) => Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4);
      }
      counters.set(model, counter);
    }
    return counter;
  };
  const env = { runId: 'check', spec: prepared.spec, graph: prepared.graph, config: prepared.config, models: prepared.models };
  let seen = 0;
  let rendered = 0;
  for await (const item of suite.cases()) {
    if (seen >= MAX_DRY_CASES) break;
    const record = await startCase(env, { index: item.index, id: item.id, case: item.case as JsonObject }).done;
    seen++;
    const calls = recorder.take();
    if (record.error && record.error.name !== 'DryRunStop' && seen <= sampleSize) {
      problems.push(`case ${item.id}: stage '${record.error.stage ?? '?'}' failed before any model call: ${record.error.message}`);
    }
    if (calls.length > 0) rendered++;
    for (const call of calls) {
      const key = `${call.stage}\0${call.model}`;
      const row = rows.get(key) ?? { stage: call.stage, model: call.model, calls: 0, input: 0, output: 0 };
      row.calls++;
      row.input += (await counterFor(call.model))(call.messages);
      row.output = row.output === undefined || call.maxTokens === undefined ? undefined : row.output + call.maxTokens;
      rows.set(key, row);
    }
  }
  const scale = seen > 0 ? suite.count / seen : 0;
  const scaled = [...rows.values()].map((row) => {
    const calls = Math.round(row.calls * scale);
    const input = Math.round(row.input * scale);
    const output = row.output === undefined ? undefined : Math.round(row.output * scale);
    const pricing = profiles.get(row.model)?.pricing;
    const cost = pricing ? costOf({ inputTokens: input, outputTokens: output ?? 0 }, pricing) : undefined;
    return { ...row, calls, input, output, cost, priced: pricing !== undefined };
  });
  const notes: string[] = [];
  if (scaled.length === 0) {
    notes.push('No case reached a model call, so there is nothing to estimate.');
    return { problems, estimate: [], notes, rendered };
  }
  const fmt = (n: number) => n.toLocaleString('en-US');
  const table = [
    ['stage', 'model', 'calls', 'input tokens', 'output tokens (max)', 'cost (max)'],
    ...scaled.map((r) => [r.stage, r.model, fmt(r.calls), fmt(r.input), r.output === undefined ? '?' : fmt(r.output), r.cost === undefined ? (r.priced ? '?' : 'no pricing') : formatUsd(r.cost)]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const estimate = [
    `Estimate for ${suite.count} case${suite.count === 1 ? '' : 's'} (no model was called):`,
    ...table.map((row) => `  ${row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ')}`.trimEnd()),
  ];
  notes.push(
    `The stages ran up to each case's first model call, which was recorded instead of made${seen < suite.count ? ` (the first ${seen} cases; the estimate scales them to ${suite.count})` : ''}. ` +
      'Calls that would come after a model answer are not seen. Input tokens: tiktoken for configured models, characters / 4 for mock models; output tokens are an upper bound from params.max_tokens ("?" without it).',
  );
  return { problems, estimate, notes, rendered };
}

