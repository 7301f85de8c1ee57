/**
 * The host's side of the receiver worker (worker.ts): starts it, and turns the typed messages of
 * src/shared/protocol.ts into promises and listeners. Pure Node: the extension embeds it, and the
 * tests and `npm run bench` start it the same way.
 */
import { Worker } from 'node:worker_threads';
import type { SpanFilter } from '../shared/breakdown/types.ts';
import { assertNever, type HostToReceiver, type ReceiverBreakdown, type ReceiverToHost, type ReceiverWorkerData, type ReceiverWorkerStats } from '../shared/protocol.ts';
import { DEFAULT_BUDGET_BYTES, type Disposable } from './trace-store.ts';
import type { RunBreakdownFinal, RunBreakdownState } from '../shared/breakdown/live.ts';
import type { LateSpanWait } from './run-breakdowns.ts';
import type { ReceivedSpan } from './types.ts';

export interface ReceiverWorkerOptions {
  /** The worker's script: dist/receiver-worker.js in the extension, src/receiver/worker.ts in tests. */
  workerFile: string;
  /** 0 (the default): a free port. A taken fixed port falls back to a free one. */
  port?: number;
  /** Default '127.0.0.1': for this machine only. */
  host?: string;
  /** The trace store's budget; default 32 MiB. */
  budgetBytes?: number;
  /** Ports to try when `port` is taken, before a free one (the port this workspace used last). */
  fallbackPorts?: number[];
  /** Pass everything received on, unchanged, to this OTLP/HTTP base URL (`loadlens.otel.forward`). */
  forward?: string;
}

export interface ReceiverWorker {
  /** Base URL, e.g. 'http://127.0.0.1:43817': what OTEL_EXPORTER_OTLP_ENDPOINT should be set to. */
  readonly url: string;
  readonly port: number;
  /** The fixed port asked for was taken, so the worker listens on a free one. */
  readonly wantedPortTaken: boolean;
  /** Every stored span of one trace, [] when unknown. */
  trace(traceId: string): Promise<ReceivedSpan[]>;
  /** Every stored span (for tests: at full budget this copies tens of MB). */
  spans(): Promise<ReceivedSpan[]>;
  /** The store's counts and the worker's heap; `gc` runs a full GC in the worker first. */
  stats(options?: { gc?: boolean }): Promise<ReceiverWorkerStats>;
  /** Forward from now on to `url` ('' : stop forwarding): the setting as it is when a run starts. */
  setForward(url: string): void;
  /** Breaks the run's requests down from now on (its spans carry `loadlens.run.id` = runId). */
  beginBreakdown(runId: string): void;
  /** The run's breakdown so far, at most once a second while it changes. */
  onBreakdown(listener: (state: RunBreakdownState) => void): Disposable;
  /** The load ended: resolves with the final breakdown once the wait for late spans is over. */
  finishBreakdown(runId: string, wait: LateSpanWait): Promise<RunBreakdownFinal>;
  /** A run starts: the breakdown starts over, for the requests of `runId` only. */
  startBreakdown(runId: string): void;
  /**
   * The current run's breakdown (`final`: after the wait for late spans, every held trace computed),
   * with the durations of the spans each filter matches (span thresholds), in order.
   */
  breakdown(options?: { final?: boolean; filters?: SpanFilter[] }): Promise<ReceiverBreakdown>;
  /** Fires with the trace ids that got new spans, at most 4 times a second; the worker only tracks them while someone listens. */
  onTracesUpdated(listener: (traceIds: readonly string[]) => void): Disposable;
  /** Stops the server and ends the worker. */
  close(): Promise<void>;
  /** Resolves when the worker has ended, for whatever reason (close(), a crash, its heap limit), saying why. */
  readonly exited: Promise<string>;
}

type Answer = Extract<ReceiverToHost, { requestId: number }>;

/** Starts the worker; resolves once its server listens, rejects with the server's error (e.g. EACCES) otherwise. */
export function startReceiverWorker(options: ReceiverWorkerOptions): Promise<ReceiverWorker> {
  const data: ReceiverWorkerData = {
    port: options.port ?? 0, ...(options.fallbackPorts?.length ? { fallbackPorts: options.fallbackPorts } : {}), host: options.host ?? '127.0.0.1', budgetBytes: options.budgetBytes ?? DEFAULT_BUDGET_BYTES,
    ...(options.forward ? { forward: options.forward } : {}),
  };
  // A heap limit a few times the budget: V8 then collects the decoder's garbage (several KB a span,
  // short-lived) before the heap grows far past what is alive. Measured with bench/otlp-poster.ts at
  // full speed: without limits the worker's heap peaked at 140-185 MB and the process's RSS at ~400 MB;
  // with them, ~60 MB and ~205 MB. The young generation is set too: V8 sizes it from the heap limit,
  // and the small one it picks for 160 MB halved the spans decoded a second (objects promoted mid-decode).
  const resourceLimits = { maxOldGenerationSizeMb: Math.max(128, Math.ceil((data.budgetBytes / 1024 / 1024) * 3) + 64), maxYoungGenerationSizeMb: 48 };
  const worker = new Worker(options.workerFile, { workerData: data, name: 'loadlens-otlp-receiver', resourceLimits });
  const pending = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>();
  const listeners = new Set<(traceIds: readonly string[]) => void>();
  const breakdownListeners = new Set<(state: RunBreakdownState) => void>();
  let nextRequestId = 1;
  let gone: Error | undefined;
  let closed: (() => void) | undefined;
  let markExited: (reason: string) => void = () => undefined;
  const exited = new Promise<string>(resolve => (markExited = resolve));

  const post = (message: HostToReceiver) => worker.postMessage(message);
  const ask = <K extends Answer['kind']>(message: HostToReceiver & { requestId: number }, kind: K): Promise<Extract<Answer, { kind: K }>> => {
    if (gone) return Promise.reject(gone);
    return new Promise((resolve, reject) => {
      pending.set(message.requestId, { resolve: answer => (answer.kind === kind ? resolve(answer as Extract<Answer, { kind: K }>) : reject(new Error(`receiver worker answered ${answer.kind} to ${kind}`))), reject });
      post(message);
    });
  };
  const fail = (error: Error) => {
    gone ??= error;
    for (const { reject } of pending.values()) reject(gone);
    pending.clear();
  };

  return new Promise((resolveStart, rejectStart) => {
    let started: ReceiverWorker | undefined;
    worker.on('error', error => {
      fail(new Error(`the OTLP receiver's worker failed: ${error.message}`));
      if (!started) rejectStart(error);
    });
    worker.on('exit', code => {
      fail(new Error(`the OTLP receiver's worker exited (code ${code})`));
      markExited(gone!.message);
      closed?.();
      if (!started) rejectStart(new Error(`the OTLP receiver's worker exited (code ${code}) before listening`));
    });
    worker.on('message', (message: ReceiverToHost) => {
      switch (message.kind) {
        case 'listening':
          started = {
            url: message.url,
            port: message.port,
            wantedPortTaken: message.wantedPortTaken,
            trace: async traceId => (await ask({ kind: 'trace', requestId: nextRequestId++, traceId: traceId.toLowerCase() }, 'trace')).spans,
            spans: async () => (await ask({ kind: 'spans', requestId: nextRequestId++ }, 'spans')).spans,
            stats: async ({ gc = false } = {}) => (await ask({ kind: 'stats', requestId: nextRequestId++, gc }, 'stats')).stats,
            setForward: url => {
              if (!gone) post({ kind: 'forward', url });
            },
            beginBreakdown: runId => {
              if (!gone) post({ kind: 'breakdown-start', runId });
            },
            onBreakdown(listener) {
              breakdownListeners.add(listener);
              return { dispose: () => void breakdownListeners.delete(listener) };
            },
            finishBreakdown: async (runId, { quietMs, maxWaitMs }) =>
              (await ask({ kind: 'breakdown-finish', requestId: nextRequestId++, runId, quietMs, maxWaitMs }, 'breakdown-final')).final,
            startBreakdown: runId => {
              if (!gone) post({ kind: 'breakdown-start', runId });
            },
            breakdown: async ({ final = false, filters = [] } = {}) => (await ask({ kind: 'breakdown', requestId: nextRequestId++, final, filters }, 'breakdown')).breakdown,
            onTracesUpdated(listener) {
              listeners.add(listener);
              if (listeners.size === 1 && !gone) post({ kind: 'watch-updates', on: true });
              return {
                dispose: () => {
                  if (listeners.delete(listener) && listeners.size === 0 && !gone) post({ kind: 'watch-updates', on: false });
                },
              };
            },
            exited,
            close: () => {
              if (gone) return Promise.resolve();
              return new Promise<void>(resolve => {
                closed = resolve;
                post({ kind: 'close' });
                // A worker stuck in a decode still ends: terminate after a grace period.
                setTimeout(() => void worker.terminate(), 2000).unref();
              });
            },
          };
          resolveStart(started);
          break;
        case 'start-failed': {
          const error = Object.assign(new Error(message.message), { code: message.code });
          rejectStart(error);
          break;
        }
        case 'breakdown-live':
          for (const listener of breakdownListeners) {
            try {
              listener(message.state);
            } catch {
              // One listener's bug must not keep the others from hearing.
            }
          }
          break;
        case 'trace':
        case 'spans':
        case 'stats':
        case 'breakdown-final':
        case 'breakdown': {
          const waiting = pending.get(message.requestId);
          pending.delete(message.requestId);
          waiting?.resolve(message);
          break;
        }
        case 'traces-updated':
          for (const listener of listeners) {
            try {
              listener(message.traceIds);
            } catch {
              // One listener's bug must not keep the others from hearing.
            }
          }
          break;
        case 'closed':
          break;
        default:
          assertNever(message);
      }
    });
  });
}
