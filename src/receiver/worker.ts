/**
 * The embedded receiver's worker thread (bundled as dist/receiver-worker.js): the OTLP/HTTP server,
 * the protobuf decoding and the trace store all run here, so a run that traces every request at full
 * speed costs the extension host's thread only the few small messages it asks for. It talks to
 * worker-client.ts with the typed messages of src/shared/protocol.ts (HostToReceiver, ReceiverToHost).
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { setFlagsFromString, getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { assertNever, type HostToReceiver, type ReceiverToHost, type ReceiverWorkerData } from '../shared/protocol.ts';
import { Forwarder } from './forward.ts';
import { startOtlpReceiver, type OtlpReceiver } from './receiver.ts';
import { RunBreakdowns } from './run-breakdowns.ts';
import { BreakdownAggregator } from '../shared/breakdown/index.ts';
import { TraceStore } from './trace-store.ts';

/** How often, at most, the host hears which traces got spans. */
const UPDATE_INTERVAL_MS = 250;
/** Trace ids per update message: at full speed thousands of traces change a second; a view needs a few. */
const MAX_IDS_PER_UPDATE = 10_000;
/** How often open runs' breakdowns are ticked and, when changed, sent to the host (the panel's rate). */
const BREAKDOWN_TICK_MS = 1000;

const port = parentPort;
if (port === null) throw new Error('receiver worker: run me with new Worker(), not as a script');
const send = (message: ReceiverToHost) => port.postMessage(message);

async function main(options: ReceiverWorkerData): Promise<void> {
  lowerThreadPriority();
  const store = new TraceStore({ budgetBytes: options.budgetBytes });
  // The receiver's one forwarder, swapped when the setting changes (`forward` messages).
  const forwarding = new SwitchableForwarder(options.forward);
  // Every span that arrives, not only those the store keeps, broken down per open run.
  const breakdowns = new RunBreakdowns();
  let currentRun: string | undefined;
  let receiver!: OtlpReceiver;
  let wantedPortTaken = false;
  try {
    // The port asked for, then the fallbacks (the port this workspace used last), then any free one.
    const ports = [...new Set([options.port, ...(options.fallbackPorts ?? []), 0])];
    for (const candidate of ports) {
      try {
        receiver = await startOtlpReceiver({
          port: candidate, host: options.host, store, forward: forwarding.asForwarder(),
          onSpans: spans => breakdowns.add(spans),
        });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || candidate === 0) throw error;
        wantedPortTaken = true;
      }
    }
  } catch (error) {
    send({ kind: 'start-failed', message: (error as Error).message, code: String((error as NodeJS.ErrnoException).code ?? '') });
    port!.close();
    return;
  }
  const server = receiver;

  const updated = new Set<string>();
  let watching = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (!watching || updated.size === 0) return;
    const traceIds: string[] = [];
    for (const id of updated) {
      if (traceIds.length === MAX_IDS_PER_UPDATE) break;
      traceIds.push(id);
    }
    updated.clear();
    send({ kind: 'traces-updated', traceIds });
  };
  store.onSpans(spans => {
    if (!watching) return;
    for (const span of spans) updated.add(span.traceId);
    timer ??= setTimeout(flush, UPDATE_INTERVAL_MS);
  });

  // Once a second while a run is open: compute what settled, end the waits that are over, and send
  // the panel the runs whose breakdown changed.
  let breakdownTicker: NodeJS.Timeout | undefined;
  const tickBreakdowns = () => {
    breakdowns.tick();
    for (const state of breakdowns.takeChanged()) send({ kind: 'breakdown-live', state });
    if (!breakdowns.open && breakdownTicker) {
      clearInterval(breakdownTicker);
      breakdownTicker = undefined;
    }
  };

  port!.on('message', (message: HostToReceiver) => {
    switch (message.kind) {
      case 'trace':
        send({ kind: 'trace', requestId: message.requestId, spans: [...(store.getTrace(message.traceId) ?? [])] });
        break;
      case 'spans':
        send({ kind: 'spans', requestId: message.requestId, spans: store.spans() });
        break;
      case 'stats':
        if (message.gc) fullGc();
        send({ kind: 'stats', requestId: message.requestId, stats: { store: store.stats(), requests: server.counts(), heapUsedBytes: getHeapStatistics().used_heap_size, ...forwarding.stats() } });
        break;
      case 'forward':
        forwarding.set(message.url);
        break;
      case 'breakdown-start':
        // The run started last is the one `breakdown` reads; earlier ones stay open until finished.
        currentRun = message.runId;
        breakdowns.begin(message.runId);
        breakdownTicker ??= setInterval(tickBreakdowns, BREAKDOWN_TICK_MS);
        break;
      case 'breakdown': {
        const aggregator = (currentRun === undefined ? undefined : breakdowns.aggregatorOf(currentRun)) ?? new BreakdownAggregator();
        if (message.final) aggregator.flush();
        send({
          kind: 'breakdown', requestId: message.requestId,
          breakdown: { runId: currentRun, rows: Object.fromEntries(aggregator.breakdowns()), counts: aggregator.counts(), spanDurations: message.filters.map(filter => aggregator.spanDurations(filter)) },
        });
        break;
      }
      case 'watch-updates':
        watching = message.on;
        if (!watching) updated.clear();
        break;
      case 'breakdown-finish': {
        const { requestId, runId, quietMs, maxWaitMs } = message;
        void breakdowns.finish(runId, { quietMs, maxWaitMs }).then(final => send({ kind: 'breakdown-final', requestId, final }));
        break;
      }
      case 'close':
        if (breakdownTicker) clearInterval(breakdownTicker);
        if (timer) clearTimeout(timer);
        void server.close().then(() => forwarding.close()).then(() => {
          send({ kind: 'closed' });
          port!.close();
        });
        break;
      default:
        assertNever(message);
    }
  });
  send({ kind: 'listening', url: server.url, port: server.port, wantedPortTaken });
}

/** The forwarder of the current `loadlens.otel.forward` setting (none when ''), swapped as it changes. */
class SwitchableForwarder {
  private current: Forwarder | undefined;

  constructor(url: string | undefined) {
    this.set(url ?? '');
  }

  set(url: string): void {
    if ((this.current?.stats().url ?? '') === url.replace(/\/+$/, '')) return;
    const previous = this.current;
    // A URL the settings let through but the forwarder refuses forwards nothing (the settings already said why).
    try {
      this.current = url === '' ? undefined : new Forwarder({ url });
    } catch {
      this.current = undefined;
    }
    if (previous) void previous.drain().then(() => previous.close());
  }

  /** What the receiver offers each accepted request to. */
  asForwarder(): Pick<Forwarder, 'offer'> {
    return { offer: (path, headers, body) => this.current?.offer(path, headers, body) };
  }

  stats(): { forward?: ReturnType<Forwarder['stats']> } {
    return this.current ? { forward: this.current.stats() } : {};
  }

  async close(): Promise<void> {
    if (!this.current) return;
    await this.current.drain();
    this.current.close();
  }
}

/**
 * On Linux a thread is a task with its own nice value: this worker's is raised by 5, so when the cores
 * are busy (the engine, the target and this decoder all at full speed) the scheduler serves the
 * extension host's own thread first. Elsewhere, or when not allowed, nothing changes.
 */
function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (threadId > 0 && threadId !== process.pid) setPriority(threadId, Math.min(19, getPriority(threadId) + 5));
  } catch {
    // No /proc, or not permitted: keep the default priority.
  }
}

/** A full GC, for heap figures that count only what is alive (asked for by the bench and the tests). */
function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

void main(workerData as ReceiverWorkerData);
