/**
 * What the results panel shows, as plain data: its state built from the extension's messages
 * (`applyHostMessage`) and the view model derived from it (`panelModel`). The webview only turns the
 * model into DOM; everything with a rule in it (which rate, which unit, which row) lives here, where
 * `node --test` checks it against the terminal and the HTML report.
 */
import { assertNever, type HostToView } from './protocol.ts';
import type { RunBreakdownState } from './breakdown/live.ts';
import type { RunHeader, StopReason } from './run.ts';
import type { Diagnostic, FailureRow, IntervalPoint, RunReport, SlowRequest, SourceLocation, StatsSnapshot, TelemetryCounts } from './report.ts';
import { formatClock, formatMs, formatPercent, formatRate, formatThresholdActual, liveStatsTable, reportStatsTable, type StatsTable } from './stats-table.ts';
import { describeLostWorker, describeWorkers, formatCount, workerName } from './workers.ts';

/** At most this many points stay in the live charts (10 minutes at one a second). */
export const MAX_POINTS = 600;

export type RunStarted = Extract<HostToView, { kind: 'run-started' }>;

/** Everything the panel knows about the run it shows. Plain JSON: kept with the webview's setState. */
export interface PanelState {
  run?: RunStarted;
  snapshot?: StatsSnapshot;
  report?: RunReport;
  exitCode?: number;
  diagnostics?: Diagnostic[];
  problems?: string[];
  error?: string;
  /** Chart points, oldest first, at most MAX_POINTS. */
  points: IntervalPoint[];
  /** Where the time went so far (the embedded receiver's breakdown of this run); `waiting` for late spans. */
  breakdown?: { state: RunBreakdownState; waiting: boolean };
}

export function emptyPanelState(): PanelState {
  return { points: [] };
}

/**
 * The state after one message from the extension. Returns a new state object when the run changes
 * (run-started, invalid, finished) and mutates `points` in place otherwise (one point a second).
 */
export function applyHostMessage(state: PanelState, message: HostToView): PanelState {
  switch (message.kind) {
    case 'run-started':
      return { run: message, points: [] };
    case 'stats': {
      const points = state.points;
      if (points.at(-1)?.t !== message.snapshot.current.t) points.push(message.snapshot.current);
      if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
      return { ...state, snapshot: message.snapshot, points };
    }
    case 'timeline':
      return { ...state, points: message.points.slice(-MAX_POINTS) };
    case 'finished':
      // The report's timeline is the whole run (down-sampled when long): it replaces the live points.
      return {
        ...state,
        report: message.report,
        exitCode: message.exitCode,
        points: message.report.timeline.length > 0 ? message.report.timeline.slice(-MAX_POINTS) : state.points,
      };
    case 'invalid':
      return { diagnostics: message.diagnostics, problems: message.problems, points: [] };
    case 'engine-error':
      return { ...state, error: message.message };
    case 'breakdown':
      if (state.run?.header.runId !== message.state.runId) return state;
      return { ...state, breakdown: { state: message.state, waiting: message.waiting } };
    case 'trace':
      return state; // for the trace view, never posted to the results panel
    default:
      return assertNever(message);
  }
}

/** Why a run stopped, in words (a reason this Loadlens does not word, from another version's report, as written). */
export function describeStopReason(stopReason: StopReason): string {
  switch (stopReason) {
    case 'run-time': return 'run time reached';
    case 'iterations-done': return 'every user ran its iterations';
    case 'signal': return 'interrupted';
    case 'stop-requested': return 'stopped on request';
    case 'error': return 'stopped by an internal error in Loadlens';
    default: return stopReason;
  }
}

/** The panel's header: the run at a glance. */
export interface PanelHeader {
  scenario: string;
  runId: string;
  /** 'starting', 'spawning', 'running', 'stopping', 'finished'. */
  state: string;
  finished: boolean;
  elapsed: string;
  /** Run time left ('0:42'); undefined after the run or without a run time. */
  remaining?: string;
  users: string;
  /** 'RPS (current)' during the run, 'RPS (run average)' after: the same meaning as the table's column. */
  rpsLabel: string;
  rps: string;
  failurePercent: string;
  failing: boolean;
  /** Why the run stopped, in words (after the run). */
  stopReason?: string;
  /** Open model: arrivals dropped because every allowed user was busy; undefined when none. */
  dropped?: number;
  /** Whether the run passed (after the run): exit code 0. */
  passed?: boolean;
}

/** An iteration error with its place in the scenario, when known. */
export interface IterationErrorView {
  message: string;
  count: number;
  where?: string;
  location?: SourceLocation;
}

export interface ThresholdView {
  expression: string;
  ok: boolean;
  actual: string;
  location?: SourceLocation;
}

/** What the panel draws for a run. */
export interface PanelModel {
  header: PanelHeader;
  table: StatsTable;
  failures: FailureRow[];
  slowest: SlowRequest[];
  iterationErrors: IterationErrorView[];
  thresholds: ThresholdView[];
  telemetry?: TelemetryCounts;
  /** The embedded receiver's URL, when the run exported to it. */
  otlpReceiver?: string;
  /** `--workers N` with N > 1: the worker processes, live from the snapshot, then from the report. */
  workers?: WorkersView;
}

/** The header's strip of worker processes: '2 workers', then each with its numbers. */
export interface WorkersView {
  /** '2 workers', '2 workers, 1 lost'. */
  title: string;
  /** How many were lost: the strip is in the error colour when any was. */
  lost: number;
  workers: WorkerView[];
}

/** One worker process in the header. */
export interface WorkerView {
  /** Stable across updates (the worker's index), so the strip is patched in place. */
  key: string;
  /** 'worker 1 (pid 1234)'. */
  name: string;
  /** Requests it measured: they add up to the run's total. */
  requests: number;
  /**
   * The worker in words: live 'worker 1 (pid 1234): 3 users · 1,234 requests'; after the run
   * 'worker 1 (pid 1234): 1,234 requests · CPU 1.2 s · peak 82 MB'. A lost worker: the sentence the
   * terminal and the HTML report say too, 'worker 2 (pid 1234) was killed by SIGKILL: its 5,120
   * requests are kept'.
   */
  text: string;
  lost: boolean;
}

/**
 * The workers strip, or undefined for a one-process run: from the report once there is one (CPU and
 * memory per worker), else from the latest snapshot (users per worker), else just how many there are.
 */
export function workersView(run: Pick<RunHeader, 'workers'>, snapshot: Pick<StatsSnapshot, 'workers'> | undefined, report: Pick<RunReport, 'workers'> | undefined): WorkersView | undefined {
  const finished = report?.workers;
  const live = snapshot?.workers;
  const count = finished?.length ?? live?.length ?? run.workers ?? 0;
  if (count <= 1) return undefined;
  const views: WorkerView[] = finished
    ? finished.map(w => workerView(w, [`${formatCount(w.requests)} ${w.requests === 1 ? 'request' : 'requests'}`, `CPU ${formatMs(w.cpuMs)}`, ...(w.peakRssMb === undefined ? [] : [`peak ${Math.round(w.peakRssMb)} MB`])]))
    : (live ?? []).map(w => workerView(w, [`${formatCount(w.users)} ${w.users === 1 ? 'user' : 'users'}`, `${formatCount(w.requests)} ${w.requests === 1 ? 'request' : 'requests'}`]));
  const lost = views.filter(v => v.lost).length;
  return { title: describeWorkers(finished ?? live ?? [], count), lost, workers: views };
}

function workerView(worker: { index: number; pid?: number; requests: number; lost?: string }, numbers: string[]): WorkerView {
  const { lost } = worker;
  const name = workerName(worker);
  return {
    key: String(worker.index),
    name,
    requests: worker.requests,
    text: lost === undefined ? `${name}: ${numbers.join(' · ')}` : describeLostWorker({ ...worker, lost }),
    lost: lost !== undefined,
  };
}

const WHERE = /^(.*):(\d+):(\d+)$/;

/** 'file:line:column' as a location (the file may itself contain ':', as a Windows path does). */
export function parseWhere(where: string | undefined): SourceLocation | undefined {
  const match = where === undefined ? null : WHERE.exec(where);
  if (!match) return undefined;
  return { file: match[1]!, line: Number(match[2]), column: Number(match[3]) };
}

/**
 * The view model of a run, or undefined before one started. During the run it reads the latest
 * snapshot (RPS: current); after it, the report (RPS: the run's average), as the terminal and the
 * HTML report do. `now` only matters for a run with no snapshot yet.
 */
export function panelModel(state: PanelState, now = Date.now()): PanelModel | undefined {
  if (!state.run) return undefined;
  const { header: run, otlpReceiver } = state.run;
  const { report, snapshot } = state;
  const finished = report !== undefined;
  const table = report ? reportStatsTable(report) : liveStatsTable(snapshot ?? { requests: [], totals: emptyTotals() });
  const elapsedMs = report ? report.durationMs : snapshot?.elapsedMs ?? Math.max(0, now - run.startedAt);
  const requests = report ? report.totals.requests : snapshot?.totals.count ?? 0;
  const failures = report ? report.totals.failures : snapshot?.totals.failures ?? 0;
  const dropped = report ? report.droppedIterations : snapshot?.droppedIterations;
  const header: PanelHeader = {
    scenario: run.scenario,
    runId: run.runId,
    state: finished ? 'finished' : snapshot?.state ?? 'starting',
    finished,
    elapsed: formatClock(elapsedMs),
    users: finished ? `peak ${Math.max(0, ...(report.timeline.map(p => p.users)))}` : `${snapshot?.users ?? 0} / ${run.targetUsers}`,
    rpsLabel: finished ? 'RPS (run average)' : 'RPS (current)',
    rps: formatRate(finished ? report.totals.rps : snapshot?.totals.currentRps ?? 0),
    failurePercent: formatPercent(failures, requests),
    failing: failures > 0,
    ...(!finished && run.runTimeMs > 0 ? { remaining: formatClock(Math.max(0, run.runTimeMs - elapsedMs)) } : {}),
    ...(report ? { stopReason: describeStopReason(report.stopReason), passed: state.exitCode === 0 } : {}),
    ...(dropped ? { dropped } : {}),
  };
  const source = report ?? snapshot;
  const workers = workersView(run, snapshot, report);
  return {
    header,
    table,
    failures: [...(source?.failures ?? [])].sort((a, b) => b.count - a.count),
    slowest: [...(source?.slowest ?? [])].sort((a, b) => b.durationMs - a.durationMs),
    iterationErrors: [...(source?.iterationErrors ?? [])].sort((a, b) => b.count - a.count).map(e => {
      const location = parseWhere(e.where);
      return { message: e.message, count: e.count, ...(e.where === undefined ? {} : { where: e.where }), ...(location ? { location } : {}) };
    }),
    thresholds: (report?.thresholds ?? []).map(t => ({ expression: t.expression, ok: t.ok, actual: formatThresholdActual(t), ...(t.location ? { location: t.location } : {}) })),
    ...(report?.telemetry ?? snapshot?.telemetry ? { telemetry: (report?.telemetry ?? snapshot?.telemetry)! } : {}),
    ...(otlpReceiver === undefined ? {} : { otlpReceiver }),
    ...(workers ? { workers } : {}),
  };
}

function emptyTotals(): StatsSnapshot['totals'] {
  return {
    method: '', name: 'Aggregated', count: 0, failures: 0, p50: 0, p90: 0, p95: 0, p99: 0, avg: 0, min: 0, max: 0,
    avgSize: 0, ttfbAvg: 0, connectAvg: 0, connects: 0, currentRps: 0, currentFailuresPerSec: 0, statusClasses: {},
  };
}
