/**
 * Run history: every finished run's JSON report in one folder (the workspace's `.loadlens/runs/` by
 * default), bounded to the last N runs per scenario. Pure: file names, what to prune, a run's summary
 * and how the view words it; the reading and writing is src/extension/history/history-folder.ts.
 *
 * A file's name says everything needed to list and prune without opening it:
 * `20261129T063858123Z_shopper_8c574873-0d48-4294-a251-0c6c7266ad7d.json`: the run's start (UTC, so
 * names sort in time order whatever the time zone), the scenario (made file-safe) and the run id
 * (unique even when two runs start in the same millisecond).
 */
import type { RunReport } from './report.ts';
import type { RunHeader } from './run.ts';

/** The defaults of `loadlens.history.folder` and `loadlens.history.maxRunsPerScenario`. */
export const HISTORY_DEFAULTS = Object.freeze({ folder: '.loadlens/runs', maxRunsPerScenario: 20 });

const NAME = /^(\d{8}T\d{9}Z)_(.+)_([A-Za-z0-9-]+)\.json$/;

/** A scenario name made safe as part of a file name on every OS: letters, digits, '-' and '.'; the rest becomes '-'. */
export function scenarioSlug(scenario: string): string {
  const slug = scenario.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return (slug || 'scenario').slice(0, 60);
}

/** The history file name of a report, from its header (see the module comment). */
export function historyFileName(header: Pick<RunHeader, 'startedAt' | 'scenario' | 'runId'>): string {
  const started = new Date(header.startedAt);
  const stamp = Number.isNaN(started.getTime()) ? '00000000T000000000Z' : started.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}_${scenarioSlug(header.scenario)}_${header.runId.replace(/[^A-Za-z0-9-]/g, '-')}.json`;
}

/** What a history file's name says: when the run started (ISO), its scenario's slug, its run id. */
export interface HistoryName {
  file: string;
  startedAt: string;
  slug: string;
  runId: string;
}

/** Reads a history file name; undefined for any other file (the folder may hold the user's own). */
export function parseHistoryFileName(file: string): HistoryName | undefined {
  const match = NAME.exec(file);
  if (!match) return undefined;
  const [, stamp, slug, runId] = match as unknown as [string, string, string, string];
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.${stamp.slice(15, 18)}Z`;
  return { file, startedAt: iso, slug, runId };
}

/**
 * The files to delete so each scenario keeps its `keep` newest runs: the oldest first. Files that are
 * not history files are never chosen.
 */
export function filesToPrune(files: readonly string[], keep: number): string[] {
  const bySlug = new Map<string, HistoryName[]>();
  for (const name of files.map(parseHistoryFileName)) {
    if (!name) continue;
    const list = bySlug.get(name.slug) ?? [];
    list.push(name);
    bySlug.set(name.slug, list);
  }
  const prune: string[] = [];
  for (const list of bySlug.values()) {
    list.sort((a, b) => a.file.localeCompare(b.file));
    prune.push(...list.slice(0, Math.max(0, list.length - keep)).map(n => n.file));
  }
  return prune.sort();
}

/** One past run as the history view lists it. */
export interface RunSummary {
  file: string;
  runId: string;
  scenario: string;
  scenarioFile: string;
  startedAt: string;
  durationMs: number;
  /** Every threshold held (true also when there were none). */
  passed: boolean;
  thresholds: number;
  requests: number;
  /** The run's average requests per second. */
  rps: number;
  p95: number;
  /** Failed requests in % of all requests. */
  errorRate: number;
}

/** The summary of a report saved at `file`. */
export function summarizeRun(report: RunReport, file: string): RunSummary {
  const { requests, failures, rps, p95 } = report.totals;
  const { header } = report;
  return {
    file, runId: header.runId, scenario: header.scenario, scenarioFile: header.file, startedAt: new Date(header.startedAt).toISOString(), durationMs: report.durationMs,
    passed: report.thresholds.every(t => t.ok), thresholds: report.thresholds.length,
    requests, rps, p95, errorRate: requests > 0 ? (failures / requests) * 100 : 0,
  };
}

/** A scenario's runs in the history, newest first. */
export interface ScenarioHistory {
  scenario: string;
  runs: RunSummary[];
}

/** When a run started, as the view shows it: local time, 'YYYY-MM-DD HH:MM:SS'. */
export function formatWhen(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * The run's line in the history view, after its time: pass/fail, requests, RPS, p95, error rate, e.g.
 * '✓ 1234 req · 41.1 RPS · p95 12.3 ms · 0.5% errors'. '✓'/'✗': every threshold held / one failed; a
 * run without thresholds has no mark rather than claiming it passed. Short, as the view is often narrow.
 */
export function formatRunSummary(run: RunSummary): string {
  const verdict = run.thresholds === 0 ? '' : run.passed ? '✓ ' : '✗ ';
  const rps = run.rps >= 100 ? Math.round(run.rps).toString() : run.rps.toFixed(1);
  const p95 = run.p95 >= 1000 ? `${(run.p95 / 1000).toFixed(2)} s` : run.p95 >= 100 ? `${Math.round(run.p95)} ms` : `${run.p95.toFixed(1)} ms`;
  const errors = run.errorRate === 0 ? '0%' : run.errorRate < 0.1 ? '<0.1%' : `${(Math.round(run.errorRate * 10) / 10).toFixed(1)}%`;
  return `${verdict}${run.requests} req · ${rps} RPS · p95 ${p95} · ${errors} errors`;
}

/** What the view's tooltip says of the thresholds. */
export function formatThresholdVerdict(run: RunSummary): string {
  if (run.thresholds === 0) return 'no thresholds';
  return run.passed ? `all ${run.thresholds} threshold${run.thresholds === 1 ? '' : 's'} passed` : 'a threshold failed';
}
