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
import { BreakdownAggregator, rowKey, type BreakdownOptions } from '../shared/breakdown/index.ts';
import type { BreakdownCounts, RequestBreakdown } from '../shared/breakdown/types.ts';
import type { LateSpanWaitEnd } from '../shared/receiver-summary.ts';
import type { ReceivedSpan } from './types.ts';

/** One row's breakdown, as the panel gets it live and the report gets it at the end. */
export interface RowBreakdown {
  method: string;
  name: string;
  breakdown: RequestBreakdown;
}

/** A run's breakdown so far (live) or final (after the wait). */
export interface RunBreakdownState {
  runId: string;
  rows: RowBreakdown[];
  counts: BreakdownCounts;
  /** Spans received while the run was open, all services. */
  spansReceived: number;
  /** Spans from services other than the load generator's: 0 means the application exports elsewhere (or nowhere). */
  appSpans: number;
}

/** The end of a run's wait for late spans. */
export interface RunBreakdownFinal extends RunBreakdownState {
  lateSpans: number;
  waitedMs: number;
  waitEnded: LateSpanWaitEnd;
}

export interface LateSpanWait {
  /** The wait ends after this long without a span of the application. */
  quietMs: number;
  /** ... and after this long in any case; 0: no wait. */
  maxWaitMs: number;
}

interface OpenRun {
  aggregator: BreakdownAggregator;
  spansReceived: number;
  appSpans: number;
  lastAppSpanMs: number;
  /** Set while the run waits for late spans. */
  waiting?: { startedMs: number; lateSpans: number; wait: LateSpanWait; resolve: (final: RunBreakdownFinal) => void };
  /** Something changed since the last live state was taken. */
  changed: boolean;
}

const RUN_ID = 'loadlens.run.id';

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
    this.runs.set(runId, {
      aggregator: new BreakdownAggregator({ ...this.options, runId }),
      spansReceived: 0, appSpans: 0, lastAppSpanMs: nowMs, changed: false,
    });
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

function stateOf(runId: string, run: OpenRun): RunBreakdownState {
  const rows: RowBreakdown[] = [];
  for (const [key, breakdown] of run.aggregator.breakdowns()) {
    const space = key.indexOf(' ');
    rows.push({ method: key.slice(0, space), name: key.slice(space + 1), breakdown });
  }
  return { runId, rows, counts: run.aggregator.counts(), spansReceived: run.spansReceived, appSpans: run.appSpans };
}

function emptyFinal(runId: string): RunBreakdownFinal {
  return {
    runId, rows: [], spansReceived: 0, appSpans: 0, lateSpans: 0, waitedMs: 0, waitEnded: 'off',
    counts: { spansReceived: 0, spansDropped: 0, spansUnparented: 0, spansUnmatched: 0, requests: 0, requestsRecomputed: 0, requestsDropped: 0 },
  };
}

export { rowKey };
