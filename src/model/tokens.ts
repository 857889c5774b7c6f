/**
 * Token estimates with tiktoken, for servers that report no usage, for the tokens-per-minute rate
 * limit and for the context-window check. tiktoken (WASM plus a large vocabulary) takes a few
 * hundred milliseconds to load, so it is imported on first use only: a run whose server reports
 * usage and whose profiles set neither `tokensPerMinute` nor `contextWindow` never loads it.
 */
import type { ChatMessage, ModelToolCall, ToolDefinition, UsageInput } from './types.ts';

/** Encodings tiktoken knows. */
export const ENCODINGS = ['o200k_base', 'cl100k_base', 'p50k_base', 'r50k_base', 'gpt2'] as const;
export type EncodingName = (typeof ENCODINGS)[number];

interface Encoder {
  encode(text: string): { length: number };
}

type Tiktoken = typeof import('tiktoken');
let tiktokenModule: Promise<Tiktoken> | undefined;
const encoders = new Map<string, Promise<Encoder>>();

const loadTiktoken = () => (tiktokenModule ??= import('tiktoken').then((m) => ((m as { default?: Tiktoken }).default ?? m) as Tiktoken));

/**
 * The encoder for a model: `encoding` when given, else the one tiktoken maps the model id to, else
 * o200k_base (the encoding of current OpenAI models; for other families it is an estimate anyway).
 */
export function encoderFor(model: string, encoding?: EncodingName): Promise<Encoder> {
  const key = encoding ?? `model:${model}`;
  let encoder = encoders.get(key);
  if (!encoder) {
    encoder = loadTiktoken().then((tiktoken) => {
      if (encoding) return tiktoken.get_encoding(encoding);
      try {
        return tiktoken.encoding_for_model(model as Parameters<Tiktoken['encoding_for_model']>[0]);
      } catch {
        return tiktoken.get_encoding('o200k_base');
      }
    });
    encoders.set(key, encoder);
  }
  return encoder;
}

/**
 * Tokens of a chat prompt, counted the way OpenAI's cookbook does: each message costs its role and
 * content plus 3 tokens of framing, and the reply is primed with 3 more. Tool calls in messages
 * and the tools offered are counted by their text (names, arguments, the JSON of each definition):
 * an estimate, as the provider's own framing of tools is not published.
 */
export function countMessageTokens(encoder: Encoder, messages: readonly ChatMessage[], tools: readonly ToolDefinition[] = []): number {
  let tokens = 3;
  for (const message of messages) {
    tokens += 3 + encoder.encode(message.role).length + encoder.encode(message.content).length;
    if (message.toolCalls) tokens += countToolCallTokens(encoder, message.toolCalls);
  }
  for (const tool of tools) tokens += 3 + encoder.encode(JSON.stringify(tool)).length;
  return tokens;
}

export function countTextTokens(encoder: Encoder, text: string): number {
  return text === '' ? 0 : encoder.encode(text).length;
}

function countToolCallTokens(encoder: Encoder, calls: readonly ModelToolCall[]): number {
  let tokens = 0;
  for (const call of calls) tokens += 3 + countTextTokens(encoder, call.name) + countTextTokens(encoder, call.arguments);
  return tokens;
}

/** Usage estimated from the prompt and the reply (its text and tool calls), for servers that report none. */
export async function estimateUsage(
  model: string,
  request: { readonly messages: readonly ChatMessage[]; readonly tools?: readonly ToolDefinition[] | undefined },
  reply: { readonly text: string; readonly toolCalls?: readonly ModelToolCall[] | undefined },
  encoding?: EncodingName,
): Promise<UsageInput> {
  const encoder = await encoderFor(model, encoding);
  return {
    inputTokens: countMessageTokens(encoder, request.messages, request.tools),
    outputTokens: countTextTokens(encoder, reply.text) + countToolCallTokens(encoder, reply.toolCalls ?? []),
  };
}
