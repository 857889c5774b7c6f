/**
 * The provider's Batch API as batch mode uses it: upload a JSONL file of requests, create a batch
 * of it, look at the batch, download its output and error files, cancel it, and find the batch made
 * of a file (after a crash between the upload and the batch's creation). The SDK implementation goes
 * through the `openai` SDK (`files.create`, `batches.create`, `batches.retrieve`, `files.content`,
 * `batches.cancel`, `batches.list`) on the profile's own client settings.
 */
import { loadOpenAI, sdkClient, type ClientSettings } from '../sdk-call.ts';

/** Where a batch is, as the provider says. */
export type BatchState = 'validating' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled';

/** The states a batch never leaves. */
export const FINAL_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** A batch as `batches.retrieve` describes it. */
export interface BatchInfo {
  readonly id: string;
  readonly status: BatchState | (string & {});
  readonly inputFileId: string;
  readonly outputFileId: string | null;
  readonly errorFileId: string | null;
  readonly counts: { readonly total: number; readonly completed: number; readonly failed: number };
  /** Why a batch failed validation, when it did. */
  readonly errors: readonly string[];
}

export interface BatchApi {
  /** Uploads a JSONL file with purpose `batch`; returns its file id. */
  upload(name: string, content: string, signal?: AbortSignal): Promise<string>;
  /** Creates a batch of an uploaded file, within the 24-hour window. */
  create(inputFileId: string, endpoint: string, metadata: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<BatchInfo>;
  retrieve(batchId: string, signal?: AbortSignal): Promise<BatchInfo>;
  /** The text of an output or error file. */
  content(fileId: string, signal?: AbortSignal): Promise<string>;
  cancel(batchId: string): Promise<BatchInfo>;
  /** The batch made of `inputFileId`, if one was created (the newest batches are looked at). */
  findByInputFile(inputFileId: string): Promise<BatchInfo | undefined>;
}

interface BatchShape {
  id: string;
  status: string;
  input_file_id: string;
  output_file_id?: string | null;
  error_file_id?: string | null;
  request_counts?: { total?: number; completed?: number; failed?: number } | null;
  errors?: { data?: { message?: string; line?: number | null }[] } | null;
}

/** A batch as the API returns it, in plain words. */
export function batchInfoOf(batch: BatchShape): BatchInfo {
  return {
    id: batch.id,
    status: batch.status,
    inputFileId: batch.input_file_id,
    outputFileId: batch.output_file_id ?? null,
    errorFileId: batch.error_file_id ?? null,
    counts: { total: batch.request_counts?.total ?? 0, completed: batch.request_counts?.completed ?? 0, failed: batch.request_counts?.failed ?? 0 },
    errors: (batch.errors?.data ?? []).map((e) => `${e.line != null ? `line ${e.line}: ` : ''}${e.message ?? 'invalid'}`),
  };
}

/** The Batch API of the server a profile's settings name, through the `openai` SDK (made on first use). */
export function createSdkBatchApi(settings: ClientSettings): BatchApi {
  type Client = Awaited<ReturnType<typeof sdkClient>>;
  let client: Promise<Client> | undefined;
  const get = () => (client ??= sdkClient(settings));
  return {
    async upload(name, content, signal) {
      const openai = await get();
      const { toFile } = await loadOpenAI();
      const file = await openai.files.create({ file: await toFile(Buffer.from(content, 'utf8'), name, { type: 'application/jsonl' }), purpose: 'batch' }, { signal });
      return file.id;
    },
    async create(inputFileId, endpoint, metadata, signal) {
      const openai = await get();
      const batch = await openai.batches.create({ input_file_id: inputFileId, endpoint: endpoint as '/v1/chat/completions', completion_window: '24h', metadata: { ...metadata } }, { signal });
      return batchInfoOf(batch as unknown as BatchShape);
    },
    async retrieve(batchId, signal) {
      const openai = await get();
      return batchInfoOf((await openai.batches.retrieve(batchId, { signal })) as unknown as BatchShape);
    },
    async content(fileId, signal) {
      const openai = await get();
      const response = await openai.files.content(fileId, { signal });
      return response.text();
    },
    async cancel(batchId) {
      const openai = await get();
      return batchInfoOf((await openai.batches.cancel(batchId)) as unknown as BatchShape);
    },
    async findByInputFile(inputFileId) {
      const openai = await get();
      // A batch just created is among the newest; looking further back costs requests for nothing.
      const page = await openai.batches.list({ limit: 100 });
      const found = (page.data as unknown as BatchShape[]).find((batch) => batch.input_file_id === inputFileId);
      return found ? batchInfoOf(found) : undefined;
    },
  };
}
