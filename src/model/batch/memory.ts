/**
 * A Batch API held in memory: a batch-capable stand-in for the provider's, for offline tests of
 * pipelines in batch mode (`runSuite({ batch: { all: true, api: () => createMemoryBatchApi() } })`)
 * and for tagliots's own. Batches end at a look (`retrieve`) once `release()` allows it, never on a
 * timer; each request is answered by `answer` (by default the text of its last user message).
 */
import { batchInfoOf, type BatchApi, type BatchInfo } from './api.ts';

/** How a memory batch answers one request: a reply's text, a whole chat completion (its response body), or an error status. */
export type MemoryAnswer = string | { readonly completion: Record<string, unknown> } | { readonly status: number; readonly message: string };

export interface MemoryBatchOptions {
  /** The answer to a request (its body and `custom_id`). @default the last user message, echoed */
  readonly answer?: (body: Record<string, unknown>, customId: string) => MemoryAnswer;
  /** Batches end at their first look (true, the default) or only once release() is called. */
  readonly released?: boolean;
  /** How a batch ends: `completed`, or `expired` after answering its first `answered` requests. */
  readonly end?: (batchId: string) => { readonly status: 'completed' } | { readonly status: 'expired'; readonly answered: number };
}

/** A memory Batch API and what it saw. */
export interface MemoryBatchApi extends BatchApi {
  /** Every batch created, in order: its id, its requests' `custom_id`s, and its state. */
  readonly batches: readonly { readonly id: string; readonly inputFileId: string; readonly customIds: readonly string[]; readonly status: string }[];
  /** Lets every batch end at its next look. */
  release(): void;
}

interface Batch {
  id: string;
  inputFileId: string;
  customIds: string[];
  lines: { customId: string; body: Record<string, unknown> }[];
  status: string;
  outputFileId: string | null;
  errorFileId: string | null;
  completed: number;
  failed: number;
}

const echo = (body: Record<string, unknown>): string => {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as { role?: unknown; content?: unknown }[]) : [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
};

/** A Batch API in memory (see the module's comment). */
export function createMemoryBatchApi(options: MemoryBatchOptions = {}): MemoryBatchApi {
  const files = new Map<string, string>();
  const batches: Batch[] = [];
  let released = options.released ?? true;
  const info = (batch: Batch): BatchInfo =>
    batchInfoOf({
      id: batch.id,
      status: batch.status,
      input_file_id: batch.inputFileId,
      output_file_id: batch.outputFileId,
      error_file_id: batch.errorFileId,
      request_counts: { total: batch.lines.length, completed: batch.completed, failed: batch.failed },
    });
  const file = (content: string) => {
    const id = `file-${files.size + 1}`;
    files.set(id, content);
    return id;
  };
  const find = (id: string) => {
    const batch = batches.find((b) => b.id === id);
    if (!batch) throw Object.assign(new Error(`No batch with id ${id}`), { status: 404 });
    return batch;
  };
  const finish = (batch: Batch, status: string, answered: number) => {
    const output: string[] = [];
    const errors: string[] = [];
    batch.lines.slice(0, answered).forEach((line, i) => {
      const answer = (options.answer ?? echo)(line.body, line.customId);
      if (typeof answer === 'string') {
        batch.completed++;
        const body = { id: `chatcmpl-${i}`, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: Math.max(1, Math.ceil(answer.length / 4)) } };
        output.push(JSON.stringify({ custom_id: line.customId, response: { status_code: 200, body }, error: null }));
      } else if ('completion' in answer) {
        batch.completed++;
        output.push(JSON.stringify({ custom_id: line.customId, response: { status_code: 200, body: answer.completion }, error: null }));
      } else {
        batch.failed++;
        errors.push(JSON.stringify({ custom_id: line.customId, response: { status_code: answer.status, body: { error: { message: answer.message } } }, error: null }));
      }
    });
    if (output.length > 0) batch.outputFileId = file(output.join('\n') + '\n');
    if (errors.length > 0) batch.errorFileId = file(errors.join('\n') + '\n');
    batch.status = status;
  };
  return {
    batches,
    release() {
      released = true;
    },
    async upload(_name, content) {
      return file(content);
    },
    async create(inputFileId) {
      const content = files.get(inputFileId);
      if (content === undefined) throw Object.assign(new Error(`No file with id ${inputFileId}`), { status: 400 });
      const lines = content
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { custom_id: string; body: Record<string, unknown> })
        .map((line) => ({ customId: line.custom_id, body: line.body }));
      const batch: Batch = { id: `batch_${batches.length + 1}`, inputFileId, customIds: lines.map((l) => l.customId), lines, status: 'validating', outputFileId: null, errorFileId: null, completed: 0, failed: 0 };
      batches.push(batch);
      return info(batch);
    },
    async retrieve(batchId) {
      const batch = find(batchId);
      if (batch.status === 'cancelling') finish(batch, 'cancelled', 0);
      else if ((batch.status === 'validating' || batch.status === 'in_progress') && released) {
        const end = options.end?.(batch.id) ?? { status: 'completed' };
        finish(batch, end.status, end.status === 'expired' ? end.answered : batch.lines.length);
      } else if (batch.status === 'validating') batch.status = 'in_progress';
      return info(batch);
    },
    async content(fileId) {
      const content = files.get(fileId);
      if (content === undefined) throw Object.assign(new Error(`No file with id ${fileId}`), { status: 404 });
      return content;
    },
    async cancel(batchId) {
      const batch = find(batchId);
      if (batch.status === 'validating' || batch.status === 'in_progress') batch.status = 'cancelling';
      return info(batch);
    },
    async findByInputFile(inputFileId) {
      const batch = [...batches].reverse().find((b) => b.inputFileId === inputFileId);
      return batch ? info(batch) : undefined;
    },
  };
}
