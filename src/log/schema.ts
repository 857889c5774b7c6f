/**
 * The run-log contract. A run log is JSONL: one `run.start` line, one `case` line per finished
 * case (in completion order), and a `run.end` line when the run ends normally. These zod schemas are
 * the single source of truth: TypeScript types are inferred from them and
 * `schema/run-log.schema.json` is generated from them (`npm run gen:schema`).
 *
 * Objects are loose: fields added by a newer tagliots are kept, not stripped, when an older one reads a log.
 *
 * Versioning: `v` on `run.start`. Adding an optional field keeps the version; renaming, removing
 * or changing the meaning of a field bumps it and adds a migration in `log/migrate.ts`.
 */
import { z } from 'zod';

export { LOG_VERSION } from './version.ts';

const JsonValue = z.unknown().describe('Any JSON value.');
const JsonObject = z.record(z.string(), z.unknown()).describe('A JSON object.');
const EpochMs = z.number().describe('Unix epoch time in milliseconds, with sub-millisecond precision.');
const DurationMs = z.number().nonnegative().describe('Duration in milliseconds, with sub-millisecond precision.');

export const ErrorInfoSchema = z
  .looseObject({
    name: z.string().describe('Error class name, e.g. "TypeError".'),
    message: z.string().describe('The error message.'),
    stack: z.string().optional().describe('Stack trace, when the thrown value had one.'),
    code: z.string().optional().describe('A machine-readable code, when the error carried one.'),
    stage: z.string().nullable().describe('The stage that failed; null when the failure was outside any stage.'),
    context: z
      .array(z.string())
      .describe('What the code was doing, outermost first (withContext messages), like GoTaglio\'s "Context: a > b".'),
    data: JsonValue.optional().describe("JSON data a stage gave with fail(message, { data })."),
    retryable: z.boolean().optional().describe("The failure's retry hint (fail(..., { retryable }) or a timeout)."),
  })
  .describe('A failure recorded as data.');
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

export const UsageSchema = z
  .looseObject({
    calls: z.number().int().nonnegative().describe('Model calls made.'),
    inputTokens: z.number().nonnegative(),
    outputTokens: z.number().nonnegative(),
    cachedInputTokens: z.number().nonnegative().optional(),
    reasoningTokens: z.number().nonnegative().optional(),
  })
  .describe('Token usage summed over model calls.');
export type Usage = z.infer<typeof UsageSchema>;

export const StageStatusSchema = z
  .enum(['ok', 'error', 'skipped', 'cancelled'])
  .describe('ok: produced an output. error: threw. skipped: never started (reason says why). cancelled: started, then aborted.');
export type StageStatus = z.infer<typeof StageStatusSchema>;

const TokenCountsSchema = z.looseObject({
  inputTokens: z.number().nonnegative(),
  outputTokens: z.number().nonnegative(),
  cachedInputTokens: z.number().nonnegative().optional(),
  reasoningTokens: z.number().nonnegative().optional(),
});

export const ModelAttemptSchema = z
  .looseObject({
    attempt: z.number().int().positive().describe('1 for the first attempt.'),
    rateLimitWaitMs: DurationMs.describe("Time spent waiting for the profile's rate limiter before this attempt."),
    backoffMs: DurationMs.describe('Retry back-off waited before this attempt (0 for the first).'),
    durationMs: DurationMs,
    status: z.number().int().nullable().describe('HTTP status; null when there was none (network error, timeout).'),
    outcome: z.enum(['ok', 'retry', 'error']).describe('ok: answered. retry: failed and was tried again. error: failed and was given up.'),
    error: z.string().optional().describe('What went wrong (never a key).'),
    retryAfterMs: DurationMs.optional().describe('How long the server asked to wait (Retry-After, retry-after-ms, x-ratelimit-reset-*).'),
    batchId: z.string().optional().describe('Batch mode: the batch the attempt went in (durationMs is then the wait for it).'),
    customId: z.string().optional().describe("Batch mode: the request's custom_id in its batch."),
  })
  .describe('One HTTP attempt of a model call.');
export type ModelAttempt = z.infer<typeof ModelAttemptSchema>;

export const ModelCallSchema = z
  .looseObject({
    profile: z.string().describe('The configured model (profile) the stage called.'),
    model: z.string().describe("The provider's model id, or the Azure deployment."),
    provider: z.string().describe('openai, azure-openai or openai-compatible; mock for a mock model in batch mode.'),
    status: z.enum(['ok', 'error', 'cancelled']),
    cache: z.enum(['hit', 'miss', 'off']).describe('hit: answered from the response cache, no request sent. miss: not in the cache, requested. off: the cache was not read.'),
    attempts: z.array(ModelAttemptSchema).describe('Every HTTP attempt, in order; empty for a cache hit.'),
    waitedMs: DurationMs.describe('Retry back-off waited, in all.'),
    rateLimitWaitMs: DurationMs.describe('Time waiting for the rate limiter, in all.'),
    durationMs: DurationMs,
    usage: TokenCountsSchema.optional(),
    usageEstimated: z.boolean().optional().describe('True when the server reported no usage and the counts are tiktoken estimates.'),
    costUsd: z.number().nonnegative().optional().describe("From the profile's pricing; 0 for a cache hit."),
    finishReason: z.string().optional(),
    error: z.string().optional().describe('Why the call failed (never a key).'),
    loop: z.number().int().positive().optional().describe('A call of a tool loop: the loop of the llm entry that made it.'),
    round: z.number().int().positive().optional().describe('A call of a tool loop: its round in that loop, from 1.'),
    batch: z
      .looseObject({
        batchId: z.string().describe('The batch that answered the call.'),
        customId: z.string().describe("The request's custom_id in that batch."),
        startMs: z.number().nonnegative().optional().describe('When the call started waiting for batches (epoch milliseconds).'),
        waitMs: DurationMs.describe('From then to its answer: queued, submitted, waited for (every batch attempt).'),
        savedUsd: z.number().nonnegative().optional().describe("What the call cost less than it would have online, at the profile's prices."),
      })
      .optional()
      .describe('Batch mode: the call was answered through the Batch API (costUsd is at the batch price).'),
  })
  .describe('One call of a configured model.');
export type ModelCall = z.infer<typeof ModelCallSchema>;

const ModelToolCallSchema = z
  .looseObject({
    id: z.string().describe('The id the model gave the call.'),
    name: z.string(),
    arguments: z.string().describe('The arguments as the model wrote them (JSON text, possibly invalid).'),
  })
  .describe('A tool call the model asked for.');

export const ChatMessageSchema = z
  .looseObject({
    role: z.string(),
    content: z.string(),
    toolCalls: z.array(ModelToolCallSchema).optional().describe('An assistant message: the tools the model asked to call.'),
    toolCallId: z.string().optional().describe('A tool message: the call whose result it carries.'),
  })
  .describe('One chat message.');

export const ToolCallRecordSchema = z
  .looseObject({
    round: z.number().int().positive().describe('The round that asked for the call, from 1.'),
    id: z.string(),
    name: z.string(),
    arguments: JsonValue.describe('The arguments: parsed JSON, or the text as sent when it is not JSON.'),
    status: z
      .enum(['ok', 'error', 'skipped', 'cancelled'])
      .describe('ok: ran and returned result. error: failed (error says why; the model was told). skipped: not run, the loop stopped first (reason). cancelled: running when the stage was aborted.'),
    result: JsonValue.optional().describe('What the tool returned.'),
    error: z
      .looseObject({
        kind: z.enum(['unknown_tool', 'arguments', 'exception', 'timeout', 'result']),
        message: z.string().describe('What the model was told.'),
      })
      .optional(),
    reason: z.string().optional().describe('Why the call was not run.'),
    startMs: EpochMs.optional().describe('When the tool started; absent when it never ran.'),
    durationMs: DurationMs.optional(),
  })
  .describe('One tool call of a tool loop.');

export const LlmRoundSchema = z
  .looseObject({
    round: z.number().int().positive(),
    startMs: EpochMs.describe('When the model call started.'),
    durationMs: DurationMs.describe('How long the model call took (the tools run after it).'),
    usage: TokenCountsSchema.optional(),
    costUsd: z.number().nonnegative().optional(),
    cache: z.enum(['hit', 'miss', 'off']).optional(),
    finishReason: z.string().optional(),
    text: z.string().describe('The text of the reply.'),
    toolCalls: z.array(ToolCallRecordSchema).describe('The tool calls the reply asked for, in order.'),
    error: z.string().optional().describe('Why the model call failed (the loop ended with error or cancelled).'),
  })
  .describe('One model call of a tool loop; a configured model records the call itself in calls, with the same loop and round.');

export const LlmInfoSchema = z
  .looseObject({
    model: z.string().describe('The model name llm() called.'),
    templates: z
      .array(z.looseObject({ role: z.string(), source: z.string().describe("The template file, or '(inline)'."), sha256: z.string() }))
      .describe('The message templates, with the sha256 of each source.'),
    messages: z.array(ChatMessageSchema).describe('The rendered messages, as first sent.'),
    output: z
      .looseObject({ schemaSha256: z.string(), mode: z.enum(['json_schema', 'json_prompt']) })
      .optional()
      .describe('The output schema: its sha256, and whether it was sent as a response format or asked for in the prompt.'),
    parseAttempts: z
      .array(z.looseObject({ attempt: z.number().int().positive(), ok: z.boolean(), issues: z.array(z.string()).optional(), text: z.string().optional() }))
      .optional()
      .describe('Each reply parsed against the output schema; failed ones keep their text and issues.'),
    loop: z.number().int().positive().optional().describe('With tools: which tool loop of the stage this is, from 1.'),
    tools: z
      .array(z.looseObject({ name: z.string(), sha256: z.string().describe('sha256 of the definition sent: name, description and parameters.') }))
      .optional()
      .describe('With tools: the tools offered.'),
    rounds: z.array(LlmRoundSchema).optional().describe('With tools: every model call of the loop, with the tool calls it asked for.'),
    outcome: z
      .enum(['answer', 'max_rounds', 'repeated_call', 'budget', 'cancelled', 'error'])
      .optional()
      .describe('With tools: how the loop ended. answer: the model answered. max_rounds, repeated_call, budget: a limit stopped it. cancelled: the stage was aborted. error: a model call failed.'),
  })
  .describe('What an llm() stage sent and parsed.');

export const StageRecordSchema = z
  .looseObject({
    status: StageStatusSchema,
    startMs: EpochMs.optional().describe('When the stage started (absent when it never started).'),
    endMs: EpochMs.optional().describe('When the stage ended (absent when it never started).'),
    durationMs: DurationMs.optional(),
    reason: z.string().optional().describe('Why a stage was skipped or cancelled.'),
    error: ErrorInfoSchema.optional(),
    usage: UsageSchema.optional(),
    costUsd: z.number().nonnegative().optional().describe('Cost of the model calls this stage made, in US dollars.'),
    reused: z.boolean().optional().describe('True when the output was copied from the parent run (rerun --from), not recomputed.'),
    calls: z.array(ModelCallSchema).optional().describe('Calls of configured models this stage made: attempts, waits, cache, cost.'),
    llm: z.array(LlmInfoSchema).optional().describe('What each llm() call of this stage rendered, sent and parsed.'),
    queuedMs: DurationMs.optional().describe('Time the stage waited for its per-stage concurrency limit before it ran.'),
  })
  .describe('Bookkeeping for one stage of one case.');
export type StageRecord = z.infer<typeof StageRecordSchema>;

export const CaseStatusSchema = z
  .enum(['complete', 'error', 'cancelled'])
  .describe('complete: every stage ran. error: a stage (or the passed/score functions) failed. cancelled: interrupted.');
export type CaseStatus = z.infer<typeof CaseStatusSchema>;

export const ColumnValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const FormatSectionSchema = z
  .looseObject({
    name: z.string().describe('The title of the section, as the pipeline named it.'),
    format: z.enum(['text', 'markdown']).describe('text: shown as it is (fenced in Markdown). markdown: Markdown, shown as it is in Markdown reports.'),
    content: z.string().describe('The text of the section; empty when error is set.'),
    error: z.string().optional().describe("Why the pipeline's format function for this section failed."),
  })
  .describe("A section of the case report from the pipeline's format hook, evaluated when the case (or turn) ended.");
export type FormatSection = z.infer<typeof FormatSectionSchema>;

export const StageEventSchema = z
  .looseObject({
    t: DurationMs.describe('Milliseconds since the case started.'),
    stage: z.string().describe('The stage that recorded the event.'),
    turn: z.number().int().nonnegative().optional().describe('The turn, for a multi-turn case.'),
    type: z.string().describe('stage.retry, stage.timeout, stage.fallback, stage.when.skip, cache.hit, parallel.skip, loop.iteration, or a type given to ctx.emit().'),
    data: JsonValue.optional(),
  })
  .describe('Something that happened inside a stage: recorded by the stage wrappers or ctx.emit().');
export type StageEvent = z.infer<typeof StageEventSchema>;

export const ArtifactSchema = z
  .looseObject({
    stage: z.string(),
    turn: z.number().int().nonnegative().optional(),
    name: z.string(),
    path: z.string().describe('Relative to the runs folder: <run-id>.artifacts/<sha256 prefix>/<name>.'),
    sha256: z.string(),
    bytes: z.number().int().nonnegative(),
    mime: z.string(),
  })
  .describe('Content a stage stored beside the log with ctx.artifact().');
export type Artifact = z.infer<typeof ArtifactSchema>;

export const TurnStatusSchema = z
  .enum(['complete', 'error', 'cancelled', 'skipped'])
  .describe('complete: every stage of the turn ran. error: a stage or passed()/score() failed. cancelled: interrupted or cancelled by a stage. skipped: an earlier turn did not complete.');

export const TurnRecordSchema = z
  .looseObject({
    index: z.number().int().nonnegative(),
    status: TurnStatusSchema,
    reason: z.string().optional().describe('Why the turn was skipped.'),
    passed: z.boolean().nullable(),
    score: z.number().nullable(),
    stages: z.record(z.string(), JsonValue),
    stageRecords: z.record(z.string(), StageRecordSchema),
    error: ErrorInfoSchema.nullable(),
    startMs: EpochMs.optional(),
    endMs: EpochMs.optional(),
    durationMs: DurationMs.optional(),
    columns: z.record(z.string(), ColumnValueSchema).optional(),
    sections: z.array(FormatSectionSchema).optional().describe("The pipeline's report sections for this turn (its format hook), in the order it gave them."),
  })
  .describe('One turn of a multi-turn case.');
export type TurnRecord = z.infer<typeof TurnRecordSchema>;

export const CaseRecordSchema = z
  .looseObject({
    type: z.literal('case'),
    caseId: z.string().describe('The case id (its `uuid` or `id` field).'),
    index: z.number().int().nonnegative().describe('Position of the case in the suite, from 0.'),
    repeat: z.number().int().nonnegative().optional().describe('Which repetition of the case this is (run --repeat N), from 0; absent means 0.'),
    status: CaseStatusSchema,
    passed: z.boolean().nullable().describe("The pipeline's passed() verdict; null when not evaluated (no predicate, or the case did not complete)."),
    score: z.number().nullable().describe("The pipeline's score(); null when not defined or not evaluated."),
    case: JsonObject.describe('The case exactly as read from the suite.'),
    stages: z.record(z.string(), JsonValue).describe('Output of every stage that finished ok, by stage name.'),
    stageRecords: z.record(z.string(), StageRecordSchema).describe('Status and timing of every stage, in pipeline order.'),
    error: ErrorInfoSchema.nullable().describe('The failure that ended the case, with the stage it happened in.'),
    startMs: EpochMs,
    endMs: EpochMs,
    durationMs: DurationMs,
    columns: z.record(z.string(), ColumnValueSchema).optional().describe("Values of the pipeline's extra summary columns."),
    sections: z
      .array(FormatSectionSchema)
      .optional()
      .describe("The pipeline's report sections for the case (its format hook), in the order it gave them; multi-turn cases have them on each turn instead."),
    usage: UsageSchema.optional().describe('Token usage summed over the stages.'),
    costUsd: z.number().nonnegative().optional().describe('Cost summed over the stages, in US dollars.'),
    cancel: z
      .looseObject({ reason: z.enum(['stage']), stage: z.string(), message: z.string() })
      .optional()
      .describe('Why a cancelled case was cancelled, when a stage returned cancel(); absent for an interrupted run.'),
    events: z.array(StageEventSchema).optional().describe('Events recorded by the stage wrappers and ctx.emit(), in time order.'),
    artifacts: z.array(ArtifactSchema).optional().describe('Content the stages stored beside the log with ctx.artifact().'),
    turns: z
      .array(TurnRecordSchema)
      .optional()
      .describe('Multi-turn cases: one record per turn of case.turns; the case-level stages and stageRecords are then empty.'),
  })
  .describe('One finished case.');
export type CaseRecord = z.infer<typeof CaseRecordSchema>;

export const ConfigDeltaSchema = z
  .looseObject({
    path: z.string().describe('Dotted config path.'),
    from: JsonValue.describe('The default value (null when the default was a prompt()).'),
    to: JsonValue.describe('The value used by the run.'),
    prompt: z.boolean().optional().describe('True when the default was a prompt() the user had to supply.'),
  })
  .describe('One difference between the resolved config and the pipeline defaults.');
export type ConfigDelta = z.infer<typeof ConfigDeltaSchema>;

export const GitInfoSchema = z
  .looseObject({
    sha: z.string().nullable().describe('HEAD commit, null in a repository without commits.'),
    branch: z.string().nullable(),
    dirty: z.boolean().describe('True when tracked files are modified or staged, or untracked files exist.'),
    changes: z.array(z.string()).describe('`git status --porcelain` lines (first 200).'),
  })
  .describe('Git state of the working directory when the run started.');
export type GitInfo = z.infer<typeof GitInfoSchema>;

export const StageNodeInfoSchema = z.looseObject({ name: z.string(), inputs: z.array(z.string()) });

export const RunStartRecordSchema = z
  .looseObject({
    type: z.literal('run.start'),
    v: z.number().int().positive().describe('Run-log schema version.'),
    runId: z.string().describe('UUIDv7: sorts by start time.'),
    startedAt: z.string().describe('ISO-8601 UTC.'),
    command: z.array(z.string()).describe('The command line (arguments after the program name).'),
    cwd: z.string(),
    pipeline: z.looseObject({
      name: z.string(),
      description: z.string(),
      stages: z.array(StageNodeInfoSchema).describe('The stage graph: each stage and the stages it waits for.'),
      columns: z.array(z.string()).describe('Extra summary columns, in display order.'),
      hasPassed: z.boolean(),
      hasScore: z.boolean(),
    }),
    config: JsonObject.describe('The resolved config the stages saw.'),
    deltas: z.array(ConfigDeltaSchema),
    suite: z.looseObject({
      path: z.string(),
      format: z.enum(['json', 'yaml', 'jsonl']),
      sha256: z.string().describe('sha256 of the suite file(s) as read.'),
      count: z.number().int().nonnegative().describe('Number of cases the run covers: the suite, or the selected part of it (times repeat is not included).'),
    }),
    git: GitInfoSchema.nullable(),
    versions: z.looseObject({ tagliots: z.string(), node: z.string() }),
    platform: z.string(),
    concurrency: z.number().int().positive(),
    parentRunId: z.string().nullable().describe('The run this one re-runs or resumes, if any.'),
    models: z
      .record(z.string(), z.record(z.string(), JsonValue))
      .optional()
      .describe('The configured models (profiles) the pipeline looked up, by name, as configured: no keys.'),
    mode: z.enum(['run', 'rerun', 'resume']).optional().describe('How the run was started; absent means run.'),
    repeat: z.number().int().positive().optional().describe('Times each case runs (run --repeat N); absent means 1.'),
    selection: z
      .looseObject({
        filter: z.string().optional(),
        ids: z.array(z.string()).optional(),
        limit: z.number().int().positive().optional(),
        sample: z.number().int().positive().optional(),
        seed: z.number().int().optional(),
        shard: z.looseObject({ index: z.number().int().positive(), count: z.number().int().positive() }).optional(),
      })
      .optional()
      .describe('Which cases of the suite the run selected (absent: all). suite.count counts the selected cases.'),
    mergedFrom: z
      .array(z.string())
      .optional()
      .describe('The run ids this log was merged from (tagliots merge of shard runs), in shard order; absent for a run that ran its cases itself.'),
    shards: z
      .looseObject({
        count: z.number().int().positive().describe('The n of --shard i/n: the parts the suite was split into.'),
        merged: z.array(z.number().int().positive()).describe('The i of each shard merged, ascending.'),
      })
      .optional()
      .describe('A merge of shard runs: which of the n shards it holds, so a missing one shows in the log; absent for a run that ran its cases itself.'),
  })
  .describe('First line of a run log.');
export type RunStartRecord = z.infer<typeof RunStartRecordSchema>;

export const RunCountsSchema = z.looseObject({
  total: z.number().int().nonnegative().describe('Cases in the suite.'),
  complete: z.number().int().nonnegative(),
  error: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative().describe('Complete cases whose passed() was false.'),
  notRun: z.number().int().nonnegative().describe('Cases never started (interrupted runs).'),
});
export type RunCounts = z.infer<typeof RunCountsSchema>;

export const RunStatusSchema = z
  .enum(['completed', 'interrupted', 'budget', 'error'])
  .describe('completed: every case ran. interrupted: stopped by the user. budget: stopped when --max-cost was reached. error: the run machinery failed.');
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RunEndRecordSchema = z
  .looseObject({
    type: z.literal('run.end'),
    status: RunStatusSchema,
    endedAt: z.string().describe('ISO-8601 UTC.'),
    durationMs: DurationMs,
    counts: RunCountsSchema,
    usage: UsageSchema.optional(),
    costUsd: z.number().nonnegative().optional().describe('Cost of the whole run, in US dollars.'),
    modelCalls: z
      .looseObject({
        calls: z.number().int().nonnegative().describe('Calls of configured models.'),
        cacheHits: z.number().int().nonnegative(),
        retries: z.number().int().nonnegative().describe('Attempts beyond the first, in all.'),
        rateLimited: z.number().int().nonnegative().describe('Attempts answered with HTTP 429, retried or not.'),
        rateLimitedFinal: z
          .number()
          .int()
          .nonnegative()
          .optional()
          .describe('Of rateLimited, the attempts not retried: the last attempt of a call, which then failed with HTTP 429. Absent in older logs.'),
        failed: z.number().int().nonnegative().describe('Calls that ended in an error.'),
        rateLimitWaitMs: DurationMs,
        backoffMs: DurationMs,
        batched: z.number().int().nonnegative().optional().describe('Batch mode: calls answered through the Batch API (absent when none were).'),
        batchSavedUsd: z.number().nonnegative().optional().describe('Batch mode: what those calls cost less than they would have online, in US dollars.'),
      })
      .optional()
      .describe('Totals over the calls of configured models (absent when there were none).'),
    maxCostUsd: z.number().nonnegative().optional().describe('The --max-cost budget of the run.'),
    error: ErrorInfoSchema.optional().describe('Why the run ended with status error.'),
  })
  .describe('Last line of a run log that ended normally. A log without it is incomplete.');
export type RunEndRecord = z.infer<typeof RunEndRecordSchema>;

export const RunLogRecordSchema = z
  .discriminatedUnion('type', [RunStartRecordSchema, CaseRecordSchema, RunEndRecordSchema])
  .describe('One line of a tagliots run log (runs/<run-id>.jsonl).');
export type RunLogRecord = z.infer<typeof RunLogRecordSchema>;
