/**
 * The dry run of a code pipeline: each case's stages run up to its first model call, which is
 * recorded instead of made, so prompts render against real cases and the suite's tokens and cost
 * can be estimated without calling a model.
 */
import type { ModelProfile } from '../model/profiles.ts';
import type { CallOptions, ChatMessage, CompletionRequest, Model, ToolDefinition } from '../model/types.ts';
import type { Suite } from '../suite/load.ts';
import type { JsonObject } from '../util/json.ts';
import { startCase } from './case.ts';
import { pricedRow, promptTokenCounters, type PromptCheck } from './estimate.ts';
import type { PreparedRun } from './setup.ts';

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
  /** The tools the request offers: their definitions count as prompt tokens too. */
  readonly tools: readonly ToolDefinition[];
  readonly maxTokens: number | undefined;
}

/** Records the requests of the models it wraps, and stops the case instead of calling anything. */
export interface CallRecorder {
  /** Wraps a model: for prepareRun()'s `interceptModels`. */
  intercept(model: Model): Model;
  /** The requests recorded since the last take(). */
  take(): Captured[];
}

/** A recorder for prepareRun()'s `interceptModels`: a dry run needs the run prepared with it. */
export function createCallRecorder(): CallRecorder {
  let captured: Captured[] = [];
  return {
    intercept: (model) => ({
      ...model,
      async complete(request: CompletionRequest, options?: CallOptions): Promise<never> {
        const maxTokens = request.params?.['max_tokens'];
        // Stages call models with their stage context as the options, which names the stage.
        const stage = options !== undefined && 'stage' in options && typeof options.stage === 'string' ? options.stage : '?';
        captured.push({
          stage,
          model: model.name,
          messages: [...request.messages],
          tools: request.tools ?? [],
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

/**
 * Fewest cases a dry run goes through when it can (more when more are checked): the estimate for
 * a larger suite is scaled from them.
 */
const MIN_ESTIMATE_CASES = 200;

/**
 * For a code pipeline prepared with `recorder`'s interceptor: runs each case's stages up to its
 * first model call (the recorder stops it there), so prompts render against real cases, and
 * estimates tokens and cost from what would have been sent. Stages after a model call cannot run
 * without its answer, so their calls are not seen.
 */
export async function dryRun(
  prepared: PreparedRun,
  recorder: CallRecorder,
  suite: Suite,
  sampleSize: number,
  profiles: ReadonlyMap<string, ModelProfile>,
): Promise<PromptCheck> {
  const problems: string[] = [];
  const rows = new Map<string, { stage: string; model: string; calls: number; input: number; output: number | undefined }>();
  const counterFor = promptTokenCounters(profiles);
  const env = { runId: 'check', spec: prepared.spec, graph: prepared.graph, config: prepared.config, models: prepared.models };
  let seen = 0;
  for await (const item of suite.cases()) {
    if (seen >= Math.max(sampleSize, MIN_ESTIMATE_CASES)) break;
    const record = await startCase(env, { index: item.index, id: item.id, case: item.case as JsonObject }).done;
    seen++;
    const calls = recorder.take();
    if (record.error && record.error.name !== 'DryRunStop' && seen <= sampleSize) {
      problems.push(`case ${item.id}: stage '${record.error.stage ?? '?'}' failed before any model call: ${record.error.message}`);
    }
    for (const call of calls) {
      const key = `${call.stage}\0${call.model}`;
      const row = rows.get(key) ?? { stage: call.stage, model: call.model, calls: 0, input: 0, output: 0 };
      row.calls++;
      row.input += (await counterFor(call.model))(call.messages, call.tools);
      row.output = row.output === undefined || call.maxTokens === undefined ? undefined : row.output + call.maxTokens;
      rows.set(key, row);
    }
  }
  if (rows.size === 0) return { problems, estimate: undefined, notes: ['No case reached a model call, so there is nothing to estimate.'] };
  const scale = seen > 0 ? suite.count / seen : 0;
  const scaled = [...rows.values()].map((row) =>
    pricedRow(
      {
        stage: row.stage,
        model: row.model,
        calls: Math.round(row.calls * scale),
        inputTokens: Math.round(row.input * scale),
        maxOutputTokens: row.output === undefined ? undefined : Math.round(row.output * scale),
      },
      profiles,
    ),
  );
  const notes = [
    `The stages ran up to each case's first model call, which was recorded instead of made${seen < suite.count ? ` (the first ${seen} cases; the estimate scales them to ${suite.count})` : ''}. ` +
      'Calls that would come after a model answer are not seen. Input tokens: tiktoken for configured models, characters / 4 for mock models; output tokens are an upper bound from params.max_tokens ("?" without it).',
  ];
  return { problems, estimate: { cases: suite.count, rows: scaled, complete: false }, notes };
}
