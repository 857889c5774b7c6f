/**
 * Where SDK requests run. With a hundred requests in flight the SDK's per-request work (building
 * headers, the request, parsing the reply) keeps one core busy, on the thread that also runs the
 * pipeline and writes the log. So built tagliots sends them from one model thread (a worker thread
 * per process, started on the first request), and the main thread only trades plain data with it:
 * the request body, and the reply or what went wrong (sdk-call.ts). Run from source (the tests),
 * or with TAGLIOTS_WORKERS=0, requests run on the main thread instead, through the same code.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createSdkSender, inThreadTransport, loadOpenAI, type ClientSettings, type SdkOutcome, type SdkSender, type SdkTransport } from './sdk-call.ts';

const WORKER_TAG = 'tagliots:model-thread';

type ToThread =
  | { readonly type: 'client'; readonly client: number; readonly settings: ClientSettings }
  | { readonly type: 'send'; readonly id: number; readonly client: number; readonly body: Record<string, unknown> }
  | { readonly type: 'abort'; readonly id: number }
  | { readonly type: 'warm' };

interface FromThread {
  readonly id: number;
  readonly outcome: SdkOutcome;
}

const ABORTED: SdkOutcome = { ok: false, failure: { kind: 'aborted', message: 'cancelled' } };

let shared: ModelThread | undefined;

/** The model thread when this is built tagliots and `threads` is not turned off, else the calling thread. */
export function sdkTransport(options: { readonly threads: boolean }): SdkTransport {
  if (!options.threads || !import.meta.url.endsWith('.js')) return inThreadTransport;
  return (shared ??= new ModelThread());
}

class ModelThread implements SdkTransport {
  private worker: Worker | undefined;
  /** Clients the current worker has been told about. */
  private readonly known = new Set<number>();
  private readonly pending = new Map<number, (outcome: SdkOutcome) => void>();
  private nextId = 0;
  private nextClient = 0;

  sender(settings: ClientSettings): SdkSender {
    const client = this.nextClient++;
    return (body, signal) => this.send(client, settings, body, signal);
  }

  warm(): void {
    (this.worker ??= this.start()).postMessage({ type: 'warm' } satisfies ToThread);
  }

  private send(client: number, settings: ClientSettings, body: Record<string, unknown>, signal: AbortSignal): Promise<SdkOutcome> {
    if (signal.aborted) return Promise.resolve(ABORTED);
    const worker = (this.worker ??= this.start());
    if (!this.known.has(client)) {
      this.known.add(client);
      worker.postMessage({ type: 'client', client, settings } satisfies ToThread);
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      // A cancel or a timeout answers at once; the thread's late reply is dropped.
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        this.idleCheck(worker);
        worker.postMessage({ type: 'abort', id } satisfies ToThread);
        resolve(ABORTED);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, (outcome) => {
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      });
      // Requests in flight keep the process alive; an idle thread does not.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ type: 'send', id, client, body } satisfies ToThread);
    });
  }

  private start(): Worker {
    const worker = new Worker(new URL(import.meta.url), { workerData: { tag: WORKER_TAG } });
    worker.unref();
    worker.on('message', ({ id, outcome }: FromThread) => {
      const done = this.pending.get(id);
      if (!done) return;
      this.pending.delete(id);
      this.idleCheck(worker);
      done(outcome);
    });
    const stopped = (reason: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.known.clear();
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const done of waiting) done({ ok: false, failure: { kind: 'other', message: `the model thread stopped (${reason})` } });
    };
    worker.on('error', (error) => stopped(error.message));
    worker.on('exit', (code) => stopped(`exit code ${code}`));
    return worker;
  }

  private idleCheck(worker: Worker): void {
    if (this.pending.size === 0) worker.unref();
  }
}

// The thread's side: this module, loaded in a worker, sends what it is given and posts the outcomes back.
if (!isMainThread && (workerData as { tag?: unknown } | null)?.tag === WORKER_TAG) {
  const port = parentPort!;
  const senders = new Map<number, SdkSender>();
  const inFlight = new Map<number, AbortController>();
  port.on('message', (message: ToThread) => {
    if (message.type === 'warm') {
      // A failure to load shows on the first request, with its context.
      void loadOpenAI().catch(() => undefined);
    } else if (message.type === 'client') {
      senders.set(message.client, createSdkSender(message.settings));
    } else if (message.type === 'abort') {
      inFlight.get(message.id)?.abort();
    } else {
      const { id } = message;
      const controller = new AbortController();
      inFlight.set(id, controller);
      const sender = senders.get(message.client);
      const outcome = sender ? sender(message.body, controller.signal) : Promise.resolve<SdkOutcome>({ ok: false, failure: { kind: 'other', message: `unknown client ${message.client}` } });
      void outcome.then((result) => {
        inFlight.delete(id);
        port.postMessage({ id, outcome: result } satisfies FromThread);
      });
    }
  });
}
