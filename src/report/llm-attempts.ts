/**
 * What an `llm()` stage tried, read from its stage record: each call of a configured model with
 * its HTTP attempts (status, retry, waits, error), and each reply parsed against the output schema
 * with its issues and its text as the model sent it. The terminal and Markdown case reports
 * (`tagliots format`) render it under the stage, so a stage that failed after retries shows every
 * try, not only the last error.
 */
import type { ErrorInfo, ModelAttempt, ModelCall, StageRecord } from '../log/schema.ts';
import { formatCount, formatDuration, formatUsd } from '../util/units.ts';

/** One HTTP attempt of a model call. */
export interface AttemptLine {
  readonly attempt: number;
  /** `HTTP 429 · retry · 120 ms · after 1 s back-off · server asked to wait 1 s` */
  readonly facts: string;
  readonly outcome: ModelAttempt['outcome'];
  /** What went wrong, as recorded (never a key). */
  readonly error: string | undefined;
}

/** One call of a configured model. */
export interface CallLine {
  /** `mini → gpt-4o-mini (openai)` */
  readonly title: string;
  readonly status: ModelCall['status'];
  /** `error · cache miss · 3 attempts · 1.52 s · 30 in, 12 out tokens · $0.00012` */
  readonly facts: string;
  /** Why the call failed. */
  readonly error: string | undefined;
  /** Every attempt; empty for a cache hit. */
  readonly attempts: readonly AttemptLine[];
  /** True when the call needed more than one attempt or failed: its attempts are worth showing. */
  readonly eventful: boolean;
}

/** One reply parsed against the output schema. */
export interface ParseLine {
  readonly attempt: number;
  readonly ok: boolean;
  /** What did not match, one line per issue. */
  readonly issues: readonly string[];
  /** The reply as the model sent it (kept for failed attempts). */
  readonly text: string | undefined;
}

/** The parse attempts of one `llm()` call of the stage. */
export interface ParseAttempts {
  readonly model: string;
  /** `json_schema` (sent as a response format) or `json_prompt` (asked for in the prompt). */
  readonly mode: string | undefined;
  readonly attempts: readonly ParseLine[];
}

export interface LlmAttempts {
  readonly calls: readonly CallLine[];
  /** Only the `llm()` calls whose output needed more than one parse, or never parsed. */
  readonly parses: readonly ParseAttempts[];
}

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

function attemptLine(a: ModelAttempt): AttemptLine {
  const facts = [a.status === null ? 'no HTTP status' : `HTTP ${a.status}`, a.outcome, formatDuration(a.durationMs)];
  if (a.backoffMs > 0) facts.push(`after ${formatDuration(a.backoffMs)} back-off`);
  if (a.rateLimitWaitMs >= 1) facts.push(`${formatDuration(a.rateLimitWaitMs)} waiting for the rate limiter`);
  if (a.retryAfterMs !== undefined) facts.push(`server asked to wait ${formatDuration(a.retryAfterMs)}`);
  return { attempt: a.attempt, facts: facts.join(' · '), outcome: a.outcome, error: a.error };
}

function callLine(call: ModelCall): CallLine {
  const facts: string[] = [call.status, `cache ${call.cache}`];
  if (call.cache !== 'hit') facts.push(plural(call.attempts.length, 'attempt'));
  facts.push(formatDuration(call.durationMs));
  if (call.usage) facts.push(`${formatCount(call.usage.inputTokens)} in, ${formatCount(call.usage.outputTokens)} out tokens${call.usageEstimated ? ' (estimated)' : ''}`);
  if (call.costUsd !== undefined) facts.push(formatUsd(call.costUsd));
  if (call.finishReason) facts.push(call.finishReason);
  if (call.loop !== undefined && call.round !== undefined) facts.push(`tool loop ${call.loop}, round ${call.round}`);
  return {
    title: `${call.profile} → ${call.model} (${call.provider})`,
    status: call.status,
    facts: facts.join(' · '),
    error: call.error,
    attempts: call.attempts.map(attemptLine),
    eventful: call.status !== 'ok' || call.attempts.length > 1,
  };
}

/** The calls and parse attempts of a stage; empty lists for a stage that called no configured model and parsed nothing. */
export function llmAttempts(stage: StageRecord | undefined): LlmAttempts {
  const calls = (stage?.calls ?? []).map(callLine);
  const parses: ParseAttempts[] = [];
  for (const info of stage?.llm ?? []) {
    const attempts = info.parseAttempts ?? [];
    // One attempt that parsed says nothing the output does not.
    if (attempts.length === 0 || (attempts.length === 1 && attempts[0]!.ok)) continue;
    parses.push({
      model: info.model,
      mode: info.output?.mode,
      attempts: attempts.map((a) => ({ attempt: a.attempt, ok: a.ok, issues: a.issues ?? [], text: a.text })),
    });
  }
  return { calls, parses };
}

const LAST_REPLY = '. Last reply: ';

/**
 * The error message to show when the stage's parse attempts are shown: an `llm()` output error
 * ends with the last reply quoted as a JSON string (`Last reply: "{\"billing\": …}"`), which the
 * report shows as it was sent under the stage; the quote is replaced by a pointer to it. Any
 * other message is returned as it is.
 */
export function errorMessageShown(error: ErrorInfo, stage: StageRecord | undefined): string {
  const { message } = error;
  const at = message.lastIndexOf(LAST_REPLY);
  if (error.code !== 'E_LLM_OUTPUT' || at === -1) return message;
  let quoted: unknown;
  try {
    quoted = JSON.parse(message.slice(at + LAST_REPLY.length));
  } catch {
    return message;
  }
  if (typeof quoted !== 'string') return message;
  const prefix = quoted.endsWith('…') ? quoted.slice(0, -1) : quoted;
  const texts = (stage?.llm ?? []).flatMap((info) => (info.parseAttempts ?? []).map((a) => a.text));
  if (!texts.some((text) => text !== undefined && text.startsWith(prefix))) return message;
  return `${message.slice(0, at + 1)} The replies are shown under the stage${error.stage ? ` '${error.stage}'` : ''}.`;
}
