/**
 * Batch mode's transport: model calls are queued instead of sent, queued requests are submitted as
 * one batch (a JSONL file uploaded, then a batch created of it), and each call awaits its line of
 * the batch's output as it would an online reply.
 *
 * One `BatchCoordinator` per run holds the batch journal, the requests earlier runs submitted (for a
 * resume to re-attach to), and the flush rule that needs the whole run's view; one `ProfileBatcher`
 * per batched profile holds its queue and watches its batches. A queue is submitted when it is
 * full (`maxRequests`), when its oldest request has waited `maxWaitMs`, or when nothing else can
 * progress: every case in flight is waiting for a batch and no other case can start (the run loop
 * says so through `activity()`).
 */
import { createHash } from 'node:crypto';
import { sleep } from '../../util/sleep.ts';
import { formatUsd } from '../../util/units.ts';
import type { AttemptFailure } from '../retry.ts';
import { isRetryableStatus } from '../retry.ts';
import { completionReply, describeFailure, type SdkReply } from '../sdk-call.ts';
import type { ModelEvent } from '../types.ts';
import { FINAL_STATES, type BatchApi, type BatchInfo } from './api.ts';
import type { BatchJournal, KnownRequest } from './journal.ts';
import type { BatchSettings } from './settings.ts';

/** What became of one request sent through a batch. */
export type BatchOutcome =
  | { readonly ok: true; readonly reply: SdkReply; readonly batchId: string; readonly waitMs: number }
  | { readonly ok: false; readonly failure: AttemptFailure; readonly batchId: string | null; readonly waitMs: number };

/** One request for a batch. */
export interface BatchRequest {
  /** Its `custom_id`: stable across runs of the same call (see customId()). */
  readonly id: string;
  /** The chat-completions body. */
  readonly body: Record<string, unknown>;
  /** The case (and repeat) it is made for, for the flush rule that waits for every case in flight. */
  readonly caseKey?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Where a request of a case is: its run, case, repeat, turn, stage, and which call of the stage it is. */
export interface RequestPlace {
  readonly run: string;
  readonly caseId: string;
  readonly repeat: number;
  readonly turn: number | null;
  readonly stage: string;
  /** Which call of the stage (in that turn), from 1. */
  readonly call: number;
  /** Which attempt, from 1: a retried request gets a new id. */
  readonly attempt: number;
}

/** Characters a `custom_id` keeps as they are; anything else in a name is replaced by its digest. */
const PLAIN = /^[A-Za-z0-9_.:-]{1,40}$/;
const short = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * The `custom_id` of a request: `<run>/<case>/<repeat>/<turn>/<stage>/<call>` (and `/a<n>` for a
 * retry), readable where the names are plain and short, a digest of the name where not. The same
 * call of a resumed case gets the same id, which is how a resume finds it in an earlier batch.
 */
export function customId(place: RequestPlace): string {
  const name = (text: string) => (PLAIN.test(text) ? text : `h${short(text)}`);
  const parts = [name(place.run), name(place.caseId), `r${place.repeat}`, place.turn === null ? 't-' : `t${place.turn}`, name(place.stage), `c${place.call}`];
  if (place.attempt > 1) parts.push(`a${place.attempt}`);
  return parts.join('/');
}

/** sha256 of a request body, keys sorted: a resume re-attaches only to the very same request. */
export function bodyDigest(body: Record<string, unknown>): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  };
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
}

/** What the run knows of batches: a notice for progress, and a batch still running at the end. */
export type BatchEvent = Extract<ModelEvent, { type: 'batch' }>;

export interface BatchCoordinatorOptions {
  /** The id requests are named after: the run's, or for a resume the run it finishes. */
  readonly runKey: string;
  readonly journal: BatchJournal;
  /** Requests earlier runs submitted (readJournals()), by `custom_id`. */
  readonly known?: ReadonlyMap<string, KnownRequest>;
  readonly onEvent?: (event: BatchEvent) => void;
  /** For tests: the wait between two looks at a batch. @default an abortable timer */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Removes secrets from a provider's error text. */
  readonly redact?: (text: string) => string;
  /**
   * The run's budget (`--max-cost`), in US dollars: before each submission, the batch's cost is
   * estimated, and the requests that would take the batches past it are left out (they fail).
   */
  readonly maxCostUsd?: number;
  /** Called once, when requests were left out of a batch for the budget. */
  readonly onBudget?: () => void;
}

/** A batch still running when the run ended. */
export interface LiveBatch {
  readonly profile: string;
  readonly batchId: string;
}

/** After this many failed looks in a row at a batch, its calls fail; it is never submitted again (a resume re-attaches to it). */
const MAX_POLL_FAILURES = 10;

export class BatchCoordinator {
  private readonly batchers: ProfileBatcher[] = [];
  /** Requests waiting (queued or in a batch), by case. */
  private readonly waiting = new Map<string, number>();
  private inFlight = 0;
  private saturated = false;
  /** Estimated cost of the requests submitted so far, in US dollars (for the budget). */
  private committedUsd = 0;
  private budgetHit = false;
  /** Aborted when the run ends: pollers stop, timers are cleared. */
  readonly stop = new AbortController();
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(readonly options: BatchCoordinatorOptions) {
    this.sleep = options.sleep ?? sleep;
  }

  /** Calls made so far, by case, repeat, turn and stage: which call of its stage a request is. */
  private readonly calls = new Map<string, number>();

  /** The number of the next call made at `place` (case, repeat, turn, stage), from 1. */
  nextCall(place: string): number {
    const n = (this.calls.get(place) ?? 0) + 1;
    this.calls.set(place, n);
    return n;
  }

  /**
   * Splits `costs` (the estimated cost of each request of a batch, in order) at the budget: how many
   * of them fit. Those are counted as spent; when not all fit, the budget is reached.
   * @internal
   */
  admit(costs: readonly number[]): number {
    const budget = this.options.maxCostUsd;
    if (budget === undefined) return costs.length;
    let n = 0;
    while (n < costs.length && this.committedUsd + costs[n]! <= budget) this.committedUsd += costs[n++]!;
    if (n < costs.length && !this.budgetHit) {
      this.budgetHit = true;
      this.options.onBudget?.();
    }
    return n;
  }

  /**
   * The batcher of one profile's requests; `estimateUsd` estimates a request's cost at the batch
   * price (for the budget). With `ephemeral`, the Batch API lives in this process only (the mocks'
   * in-memory one): the batches of an earlier run died with it, so a resume submits their requests
   * again rather than looking for them, and nothing is left running for a resume either.
   */
  profile(name: string, api: BatchApi, settings: BatchSettings, endpoint: string, estimateUsd?: (body: Record<string, unknown>) => Promise<number>, options: { readonly ephemeral?: boolean } = {}): ProfileBatcher {
    const batcher = new ProfileBatcher(this, name, api, settings, endpoint, estimateUsd, options.ephemeral === true);
    this.batchers.push(batcher);
    return batcher;
  }

  /**
   * The run loop's view: `inFlight` cases are running, and `saturated` says no other case can start
   * now (all workers busy, or no case left). When every case in flight waits for a batch, queued
   * requests are submitted at once: waiting longer would only delay the run.
   */
  activity(inFlight: number, saturated: boolean): void {
    this.inFlight = inFlight;
    this.saturated = saturated;
    this.checkIdle();
  }

  /** @internal Counts a request of `caseKey` as waiting; the caller checks the flush rule once the request is queued. */
  waitStarted(caseKey: string | undefined): void {
    if (caseKey !== undefined) this.waiting.set(caseKey, (this.waiting.get(caseKey) ?? 0) + 1);
  }

  /** @internal */
  waitEnded(caseKey: string | undefined): void {
    if (caseKey === undefined) return;
    const left = (this.waiting.get(caseKey) ?? 1) - 1;
    if (left <= 0) this.waiting.delete(caseKey);
    else this.waiting.set(caseKey, left);
  }

  /** @internal */
  checkIdle(): void {
    if (!this.saturated || this.inFlight === 0 || this.waiting.size < this.inFlight) return;
    for (const batcher of this.batchers) batcher.flush();
  }

  /** @internal */
  event(event: BatchEvent): void {
    this.options.onEvent?.(event);
  }

  /** The batches submitted (by this run or re-attached to) that have not ended. */
  live(): LiveBatch[] {
    return this.batchers.flatMap((batcher) => batcher.live()).sort((a, b) => a.batchId.localeCompare(b.batchId));
  }

  /**
   * Ends batch mode for the run: queued requests are dropped, pollers stop; with `cancel`, the
   * batches still running are cancelled (their finished lines are still billed). Returns the
   * batches left running for a resume to re-attach to.
   */
  async close(options: { readonly cancel?: boolean } = {}): Promise<LiveBatch[]> {
    this.stop.abort(new Error('the run ended'));
    for (const batcher of this.batchers) batcher.close();
    const live = this.live();
    if (!options.cancel) return live;
    const left: LiveBatch[] = [];
    for (const batch of live) {
      const batcher = this.batchers.find((b) => b.name === batch.profile)!;
      try {
        await batcher.api.cancel(batch.batchId);
        this.options.journal.write({ type: 'cancelled', profile: batch.profile, batchId: batch.batchId });
      } catch {
        left.push(batch);
      }
    }
    return left;
  }
}

interface Queued {
  readonly request: BatchRequest;
  readonly digest: string;
  readonly queuedMs: number;
  resolve(outcome: BatchOutcome): void;
}

type Results = ReadonlyMap<string, { ok: true; reply: SdkReply } | { ok: false; failure: AttemptFailure }>;

interface Watched {
  results: Promise<{ info: BatchInfo; lines: Results }>;
  ended: boolean;
}

export class ProfileBatcher {
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly watched = new Map<string, Watched>();
  /** Files uploaded by an earlier run whose batch may not exist: looked up (and submitted) once each. */
  private readonly adopted = new Map<string, Promise<string>>();
  private files = 0;

  constructor(
    private readonly coordinator: BatchCoordinator,
    readonly name: string,
    readonly api: BatchApi,
    readonly settings: BatchSettings,
    /** The `url` of each line and the batch's `endpoint`. */
    private readonly endpoint: string,
    private readonly estimateUsd?: (body: Record<string, unknown>) => Promise<number>,
    /** Batches live in this process only (see BatchCoordinator.profile). */
    private readonly ephemeral = false,
  ) {}

  /** The id requests are named after (BatchCoordinatorOptions.runKey). */
  get runKey(): string {
    return this.coordinator.options.runKey;
  }

  /** The number of the next call made at `place`, counted over the whole run (see BatchCoordinator.nextCall). */
  nextCall(place: string): number {
    return this.coordinator.nextCall(place);
  }

  /** Sends `request` through a batch (or finds it in one an earlier run submitted) and waits for its line. */
  async request(request: BatchRequest): Promise<BatchOutcome> {
    const started = performance.now();
    const digest = bodyDigest(request.body);
    const known = this.ephemeral ? undefined : this.coordinator.options.known?.get(request.id);
    this.coordinator.waitStarted(request.caseKey);
    try {
      let outcome: BatchOutcome;
      if (known && known.profile === this.name && known.digest === digest) {
        // Waiting for an earlier batch may leave the queued requests nothing else to wait for.
        this.coordinator.checkIdle();
        outcome = await this.attach(request, known, started);
      } else {
        outcome = await this.enqueue(request, digest, started);
      }
      return outcome;
    } finally {
      this.coordinator.waitEnded(request.caseKey);
    }
  }

  /** Queues a request until its batch is submitted; a cancelled call leaves the queue at once, unpaid for. */
  private enqueue(request: BatchRequest, digest: string, started: number): Promise<BatchOutcome> {
    const cancelled = (): BatchOutcome => ({ ok: false, failure: { kind: 'aborted', retryable: false, status: null, message: 'cancelled' }, batchId: null, waitMs: performance.now() - started });
    if (request.signal?.aborted) return Promise.resolve(cancelled());
    return new Promise<BatchOutcome>((resolve) => {
      const onAbort = () => {
        const at = this.queue.indexOf(item);
        if (at < 0) return;
        this.queue.splice(at, 1);
        resolve(cancelled());
      };
      const item: Queued = {
        request,
        digest,
        queuedMs: started,
        resolve: (outcome) => {
          request.signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      request.signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(item);
      this.scheduleFlush();
    });
  }

  /** Ends the queue with the run: requests not yet submitted fail as cancelled, and the age timer stops. */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const item of this.queue.splice(0)) item.resolve({ ok: false, failure: { kind: 'aborted', retryable: false, status: null, message: 'cancelled' }, batchId: null, waitMs: performance.now() - item.queuedMs });
  }

  private scheduleFlush(): void {
    if (this.queue.length >= this.settings.maxRequests) {
      this.flush();
      return;
    }
    if (this.timer === undefined && this.queue.length > 0) {
      this.timer = setTimeout(() => this.flush(), this.settings.maxWaitMs);
    }
    this.coordinator.checkIdle();
  }

  /** Submits the queued requests now, in batches of at most `maxRequests`. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const items = this.queue.splice(0, this.settings.maxRequests);
      void this.submit(items);
    }
  }

  /** Uploads and submits `items` as one batch, journaled before anyone waits for it, then hands each item its line. */
  private async submit(all: Queued[]): Promise<void> {
    const { journal, runKey, maxCostUsd } = this.coordinator.options;
    let items = all;
    if (maxCostUsd !== undefined && this.estimateUsd) {
      // The budget is checked before anything is paid for: a batch cannot be stopped halfway cheaply.
      const costs = await Promise.all(all.map((item) => this.estimateUsd!(item.request.body).catch(() => 0)));
      const fit = this.coordinator.admit(costs);
      items = all.slice(0, fit);
      for (const item of all.slice(fit)) {
        item.resolve({
          ok: false,
          failure: { kind: 'budget', retryable: false, status: null, message: `not submitted: its batch would pass the --max-cost budget of ${formatUsd(maxCostUsd)} (estimated before submission)` },
          batchId: null,
          waitMs: performance.now() - item.queuedMs,
        });
      }
      if (items.length === 0) return;
    }
    const signal = this.coordinator.stop.signal;
    const fail = (failure: AttemptFailure, batchId: string | null = null) => {
      for (const item of items) item.resolve({ ok: false, failure, batchId, waitMs: performance.now() - item.queuedMs });
    };
    let fileId: string;
    try {
      const text = items.map((item) => JSON.stringify({ custom_id: item.request.id, method: 'POST', url: this.endpoint, body: item.request.body })).join('\n') + '\n';
      fileId = await this.api.upload(`tagliots-${runKey}-${this.name}-${++this.files}.jsonl`, text, signal);
    } catch (error) {
      // Nothing was submitted: trying again costs nothing.
      fail(this.failureOf(error, 'uploading the batch file'));
      return;
    }
    journal.write({ type: 'uploaded', profile: this.name, fileId, requests: items.map((item) => ({ id: item.request.id, digest: item.digest })) });
    let info: BatchInfo;
    try {
      info = await this.api.create(fileId, this.endpoint, { tagliots_run: runKey }, signal);
    } catch (error) {
      // A create whose answer was lost may have made the batch all the same: look before trying again.
      const made = await this.api.findByInputFile(fileId).catch(() => undefined);
      if (!made) {
        fail(this.failureOf(error, 'creating the batch'));
        return;
      }
      info = made;
    }
    journal.write({ type: 'submitted', profile: this.name, fileId, batchId: info.id });
    this.coordinator.event({ type: 'batch', profile: this.name, batchId: info.id, status: info.status, total: items.length, completed: 0, failed: 0 });
    const watched = this.watch(info.id);
    for (const item of items) {
      void this.lineOf(watched, info.id, item.request, item.queuedMs).then(item.resolve);
    }
  }

  /** A request an earlier run submitted (or uploaded): its line of that batch. */
  private async attach(request: BatchRequest, known: KnownRequest, started: number): Promise<BatchOutcome> {
    let batchId = known.batchId;
    if (batchId === undefined) {
      try {
        batchId = await this.adopt(known.fileId);
      } catch (error) {
        return { ok: false, failure: this.failureOf(error, 'submitting the batch an earlier run uploaded'), batchId: null, waitMs: performance.now() - started };
      }
      known.batchId = batchId;
    }
    return this.lineOf(this.watch(batchId), batchId, request, started);
  }

  /** The batch of a file an earlier run uploaded: found when it was created before that run stopped, else created now. */
  private adopt(fileId: string): Promise<string> {
    let found = this.adopted.get(fileId);
    if (!found) {
      found = (async () => {
        const made = (await this.api.findByInputFile(fileId)) ?? (await this.api.create(fileId, this.endpoint, { tagliots_run: this.coordinator.options.runKey }, this.coordinator.stop.signal));
        this.coordinator.options.journal.write({ type: 'submitted', profile: this.name, fileId, batchId: made.id });
        return made.id;
      })();
      this.adopted.set(fileId, found);
    }
    return found;
  }

  private async lineOf(watched: Watched, batchId: string, request: BatchRequest, started: number): Promise<BatchOutcome> {
    const waitMs = () => performance.now() - started;
    const aborted = (): BatchOutcome => ({ ok: false, failure: { kind: 'aborted', retryable: false, status: null, message: 'cancelled' }, batchId, waitMs: waitMs() });
    if (request.signal?.aborted) return aborted();
    let onAbort: (() => void) | undefined;
    const cancelled = new Promise<'cancelled'>((resolve) => {
      onAbort = () => resolve('cancelled');
      request.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const done = await Promise.race([watched.results, cancelled]);
      if (done === 'cancelled') return aborted();
      const line = done.lines.get(request.id);
      if (line) return line.ok ? { ok: true, reply: line.reply, batchId, waitMs: waitMs() } : { ok: false, failure: line.failure, batchId, waitMs: waitMs() };
      const { info } = done;
      const why =
        info.status === 'completed'
          ? 'its batch completed without a line for it'
          : info.status === 'failed'
            ? `its batch failed${info.errors.length > 0 ? `: ${this.redact(info.errors.slice(0, 3).join('; '))}` : ''}`
            : `its batch ended ${info.status} before answering it`;
      // An expired or cancelled batch answered part of its requests; the rest are worth another batch.
      return { ok: false, failure: { kind: 'server', retryable: info.status !== 'failed', status: null, message: `batch ${batchId}: ${why}` }, batchId, waitMs: waitMs() };
    } catch (error) {
      // Lost sight of the batch (the run ended, or the provider would not say): never resubmitted here, since it may yet answer; a resume re-attaches.
      return { ok: false, failure: { kind: 'internal', retryable: false, status: null, message: `batch ${batchId}: ${this.redact(error instanceof Error ? error.message : String(error))}` }, batchId, waitMs: waitMs() };
    } finally {
      if (onAbort) request.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Polls a batch until it ends, then reads its output and error files (once per batch). */
  private watch(batchId: string): Watched {
    let watched = this.watched.get(batchId);
    if (watched) return watched;
    watched = { ended: false, results: Promise.resolve({ info: undefined as never, lines: new Map() }) };
    watched.results = this.poll(batchId, watched);
    // A failure is each waiter's to report; the promise itself must not go unhandled.
    watched.results.catch(() => undefined);
    this.watched.set(batchId, watched);
    return watched;
  }

  /** Looks at a batch every `pollIntervalMs` until it ends, then reads its lines; rejects when the run ends first or the provider stops answering. */
  private async poll(batchId: string, watched: Watched): Promise<{ info: BatchInfo; lines: Results }> {
    const stop = this.coordinator.stop.signal;
    let failures = 0;
    let info: BatchInfo;
    for (;;) {
      try {
        // No signal: a look is short, and the SDK would keep a listener on it for every look of a day-long wait.
        info = await this.api.retrieve(batchId);
        if (stop.aborted) throw stop.reason;
        failures = 0;
        this.coordinator.event({ type: 'batch', profile: this.name, batchId, status: info.status, total: info.counts.total, completed: info.counts.completed, failed: info.counts.failed });
        if (FINAL_STATES.has(info.status)) break;
      } catch (error) {
        if (stop.aborted || ++failures >= MAX_POLL_FAILURES) {
          throw new Error(`could not look at the batch (${this.redact(error instanceof Error ? error.message : String(error))}); resume the run to pick it up again`, { cause: error });
        }
      }
      await this.coordinator.sleep(this.settings.pollIntervalMs, stop);
    }
    const lines = new Map<string, { ok: true; reply: SdkReply } | { ok: false; failure: AttemptFailure }>();
    for (const fileId of [info.outputFileId, info.errorFileId]) {
      if (fileId) readLines(await this.api.content(fileId, stop), lines, this.redact);
    }
    watched.ended = true;
    this.coordinator.options.journal.write({ type: 'ended', profile: this.name, batchId, status: info.status });
    return { info, lines };
  }

  live(): LiveBatch[] {
    if (this.ephemeral) return [];
    return [...this.watched].filter(([, w]) => !w.ended).map(([batchId]) => ({ profile: this.name, batchId }));
  }

  private redact = (text: string) => this.coordinator.options.redact?.(text) ?? text;

  private failureOf(error: unknown, doing: string): AttemptFailure {
    const failure = describeFailure(error);
    if (failure.kind === 'status') {
      const kind = failure.status === 429 ? 'rate-limit' : failure.status >= 500 ? 'server' : 'client';
      return { kind, retryable: isRetryableStatus(failure.status), status: failure.status, message: this.redact(`${doing}: HTTP ${failure.status}${failure.message ? `: ${failure.message}` : ''}`) };
    }
    const kind = failure.kind === 'other' ? 'internal' : failure.kind === 'timeout' || failure.kind === 'network' || failure.kind === 'malformed' || failure.kind === 'aborted' ? failure.kind : 'internal';
    return { kind, retryable: kind === 'network' || kind === 'timeout', status: null, message: this.redact(`${doing}: ${failure.message}`) };
  }
}

interface OutputLine {
  custom_id?: unknown;
  response?: { status_code?: unknown; body?: unknown } | null;
  error?: { code?: unknown; message?: unknown } | null;
}

/**
 * Reads the lines of a batch's output or error file into `lines`, by `custom_id`: a 200 with a
 * usable chat completion is a reply; an error status, an error, or a body that is not a chat
 * completion is a failure, retried when the same request online would be.
 */
export function readLines(text: string, lines: Map<string, { ok: true; reply: SdkReply } | { ok: false; failure: AttemptFailure }>, redact: (text: string) => string = (t) => t): void {
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let line: OutputLine;
    try {
      line = JSON.parse(raw) as OutputLine;
    } catch {
      continue;
    }
    if (typeof line.custom_id !== 'string') continue;
    const status = typeof line.response?.status_code === 'number' ? line.response.status_code : null;
    if (status === 200 && !line.error) {
      try {
        lines.set(line.custom_id, { ok: true, reply: { ...completionReply(line.response!.body), status, headers: {} } });
      } catch (error) {
        lines.set(line.custom_id, { ok: false, failure: { kind: 'malformed', retryable: true, status, message: `malformed reply: ${error instanceof Error ? error.message : String(error)}` } });
      }
      continue;
    }
    const body = line.response?.body as { error?: { message?: unknown } } | undefined;
    const message = typeof body?.error?.message === 'string' ? body.error.message : typeof line.error?.message === 'string' ? line.error.message : 'failed';
    const code = typeof line.error?.code === 'string' ? ` (${line.error.code})` : '';
    const kind = status === 429 ? 'rate-limit' : status === null || status >= 500 ? 'server' : 'client';
    lines.set(line.custom_id, {
      ok: false,
      failure: { kind, retryable: status === null || isRetryableStatus(status), status, message: redact(`${status !== null ? `HTTP ${status}: ` : ''}${message}${code}`) },
    });
  }
}
