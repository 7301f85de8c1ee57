/**
 * The editor's breakdowns, one per run (issue 16): the embedded receiver serves every run of the
 * window (and anything else that exports to it), so each run gets its own aggregator, told apart by
 * `loadlens.run.id` on the load generator's spans. Every decoded span goes to every open run's
 * aggregator (usually one); a request span of another run is not that run's, so its trace's spans
 * end up counted as unmatched there. After the load the run waits, bounded, for the spans the
 * application still holds in its batches, then its breakdown is final.
 *
 * Time comes in as arguments (`nowMs`), so tests drive it; the worker ticks it about once a second.
 */
import { BreakdownAggregator, rowKey, type BreakdownOptions, type ComputedRequest } from '../shared/breakdown/index.ts';
import type { PartTraces, RowBreakdown, RunBreakdownFinal, RunBreakdownState } from '../shared/breakdown/live.ts';
import type { LateSpanWaitEnd } from '../shared/receiver-summary.ts';
import type { ReceivedSpan } from './types.ts';

export interface LateSpanWait {
  /** The wait ends after this long without a span of the application. */
  quietMs: number;
  /** ... and after this long in any case; 0: no wait. */
  maxWaitMs: number;
}

interface OpenRun {
  aggregator: BreakdownAggregator;
  /** Per row key, per part key: the slowest traces (at most SLOWEST_PER_PART). */
  slowest: Map<string, Map<string, PartTraces>>;
  spansReceived: number;
  appSpans: number;
  lastAppSpanMs: number;
  /** Set while the run waits for late spans. */
  waiting?: { startedMs: number; lateSpans: number; wait: LateSpanWait; resolve: (final: RunBreakdownFinal) => void };
  /** Something changed since the last live state was taken. */
  changed: boolean;
}

const RUN_ID = 'loadlens.run.id';
/** Traces kept per part for "its slowest traces", and parts per row that keep them (the breakdown tracks 10). */
const SLOWEST_PER_PART = 5;
const MAX_PARTS_WITH_TRACES = 16;

/** At most this many runs are open at once (a run that never ends must not hold memory for ever). */
const MAX_OPEN_RUNS = 4;

export class RunBreakdowns {
  private readonly runs = new Map<string, OpenRun>();
  private readonly options: Omit<BreakdownOptions, 'runId'>;

  constructor(options: Omit<BreakdownOptions, 'runId'> = {}) {
    this.options = options;
  }

  /** Opens a run: from now on its request spans (`loadlens.run.id` = runId) are broken down. */
  begin(runId: string, nowMs: number = Date.now()): void {
    if (this.runs.has(runId)) return;
    while (this.runs.size >= MAX_OPEN_RUNS) {
      const [oldest] = this.runs.keys();
      this.end(oldest!, 'limit', nowMs);
    }
    const slowest = new Map<string, Map<string, PartTraces>>();
    this.runs.set(runId, {
      aggregator: new BreakdownAggregator({ ...this.options, runId, onRequest: request => keepSlowest(slowest, request) }),
      slowest,
      spansReceived: 0, appSpans: 0, lastAppSpanMs: nowMs, changed: false,
    });
  }

  /** An open run's aggregator (to read it as it is, or with span thresholds' filters). */
  aggregatorOf(runId: string): BreakdownAggregator | undefined {
    return this.runs.get(runId)?.aggregator;
  }

  /** Whether any run is open (the worker only ticks then). */
  get open(): boolean {
    return this.runs.size > 0;
  }

  add(spans: readonly ReceivedSpan[], nowMs: number = Date.now()): void {
    if (this.runs.size === 0) return;
    for (const run of this.runs.values()) {
      let app = 0;
      // The load generator's spans carry the run id on their resource; the application's do not.
      for (const span of spans) if (span.resource[RUN_ID] === undefined) app++;
      run.spansReceived += spans.length;
      run.appSpans += app;
      if (app > 0) run.lastAppSpanMs = nowMs;
      if (run.waiting) run.waiting.lateSpans += spans.length;
      run.aggregator.add(spans, nowMs);
      run.changed = true;
    }
  }

  /** Computes what settled; ends the waits that are over. */
  tick(nowMs: number = Date.now()): void {
    for (const [runId, run] of this.runs) {
      run.aggregator.tick(nowMs);
      const waiting = run.waiting;
      if (waiting === undefined) continue;
      // No span of the application ever came: nothing to wait for (it exports elsewhere, or not at all).
      if (run.appSpans === 0 || nowMs - Math.max(run.lastAppSpanMs, waiting.startedMs) >= waiting.wait.quietMs) this.end(runId, 'quiet', nowMs);
      else if (nowMs - waiting.startedMs >= waiting.wait.maxWaitMs) this.end(runId, 'limit', nowMs);
    }
  }

  /** The live states of the runs that changed since the last call (for the panel, at most once a second). */
  takeChanged(): RunBreakdownState[] {
    const changed: RunBreakdownState[] = [];
    for (const [runId, run] of this.runs) {
      if (!run.changed) continue;
      run.changed = false;
      changed.push(stateOf(runId, run));
    }
    return changed;
  }

  /**
   * The load ended: waits for late spans (until `quietMs` without a span of the application, at most
   * `maxWaitMs`; at once when no application span ever came), then resolves with the final breakdown
   * and forgets the run. An unknown run resolves at once, empty.
   */
  finish(runId: string, wait: LateSpanWait, nowMs: number = Date.now()): Promise<RunBreakdownFinal> {
    const run = this.runs.get(runId);
    if (run === undefined) return Promise.resolve(emptyFinal(runId));
    if (run.waiting) return new Promise(resolve => {
      const previous = run.waiting!.resolve;
      run.waiting!.resolve = final => (previous(final), resolve(final));
    });
    return new Promise(resolve => {
      run.waiting = { startedMs: nowMs, lateSpans: 0, wait, resolve };
      if (wait.maxWaitMs <= 0) this.end(runId, 'off', nowMs);
      else this.tick(nowMs);
    });
  }

  private end(runId: string, why: LateSpanWaitEnd, nowMs: number): void {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    this.runs.delete(runId);
    run.aggregator.flush();
    const waiting = run.waiting;
    waiting?.resolve({
      ...stateOf(runId, run),
      lateSpans: waiting.lateSpans,
      waitedMs: Math.max(0, nowMs - waiting.startedMs),
      waitEnded: why,
    });
  }
}

/** Keeps, per row and part, the traces in which the part took longest (a trace computed again replaces its entry). */
function keepSlowest(slowest: Map<string, Map<string, PartTraces>>, request: ComputedRequest): void {
  const key = rowKey(request.method, request.name);
  let row = slowest.get(key);
  if (row === undefined) slowest.set(key, (row = new Map()));
  for (const { service, span, us } of request.parts) {
    const partKey = `${service}\u0000${span}`;
    let part = row.get(partKey);
    if (part === undefined) {
      if (row.size >= MAX_PARTS_WITH_TRACES) continue;
      row.set(partKey, (part = { service, span, traces: [] }));
    }
    const selfMs = us / 1000;
    const traces = part.traces;
    const existing = traces.findIndex(t => t.traceId === request.traceId);
    if (existing >= 0) traces.splice(existing, 1);
    if (traces.length >= SLOWEST_PER_PART && selfMs <= traces.at(-1)!.selfMs) continue;
    traces.push({ traceId: request.traceId, selfMs, durationMs: request.durationUs / 1000 });
    traces.sort((a, b) => b.selfMs - a.selfMs);
    if (traces.length > SLOWEST_PER_PART) traces.length = SLOWEST_PER_PART;
  }
}

function stateOf(runId: string, run: OpenRun): RunBreakdownState {
  const rows: RowBreakdown[] = [];
  for (const [key, breakdown] of run.aggregator.breakdowns()) {
    const space = key.indexOf(' ');
    const parts = run.slowest.get(key);
    rows.push({ method: key.slice(0, space), name: key.slice(space + 1), breakdown, slowest: parts === undefined ? [] : [...parts.values()] });
  }
  return { runId, rows, counts: run.aggregator.counts(), spansReceived: run.spansReceived, appSpans: run.appSpans };
}

function emptyFinal(runId: string): RunBreakdownFinal {
  return {
    runId, rows: [], spansReceived: 0, appSpans: 0, lateSpans: 0, waitedMs: 0, waitEnded: 'off',
    counts: { spansReceived: 0, spansDropped: 0, spansUnparented: 0, spansUnmatched: 0, requests: 0, requestsRecomputed: 0, requestsDropped: 0 },
  };
}

