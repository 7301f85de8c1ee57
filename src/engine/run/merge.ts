/**
 * `loadlens merge`: the reports of a run's shards (`loadlens run --shard i/N`, the pods of an Indexed
 * Job, the workers of `--workers N`) into the report of the whole run, as if one process had run it.
 *
 * Exact where it can be: each shard's report carries its encoded stats (`RunReport.encodedStats`), and
 * one `Stats` merges them, so counts are sums and percentiles come from the merged HDR histograms
 * (the same buckets as one process recording every request), never from averaged percentiles. The
 * timeline is aligned by wall-clock time, and thresholds are evaluated again on the whole run: a p95
 * met by every shard can be breached by the run, and a `requests > N` no shard meets can be met.
 *
 * Reports that do not belong together (another run id or scenario, the same shard twice, another
 * number of shards) are refused with what is wrong and where; shards that are missing make a warning
 * naming them, and a note in the merged report itself, never a silently partial result.
 */
import { ReportFileError, runReportFrom } from '../../shared/compare.ts';
import type { IterationError, RunReport, TelemetryCounts, ThresholdResult } from '../../shared/report.ts';
import type { RunHeader, StopReason } from '../../shared/run.ts';
import { evaluateThresholds, parseThresholds, spanFilterOf, Stats, type EncodedStats } from '../stats/index.ts';

/** A shard's report and the file it was read from (named in every error about it). */
export interface ShardReportFile {
  file: string;
  report: RunReport;
}

/** The whole run, and what the caller should tell the user about it (missing shards). */
export interface MergedRun {
  report: RunReport;
  warnings: string[];
}

/** Why the reports cannot be merged, naming the file(s). */
export class MergeError extends Error {}

const STATS_FORMAT: EncodedStats['format'] = 'loadlens.stats/1';

/** Stop reasons of a run that went as planned; any other stop of any shard is what the merged run says. */
export const PLANNED_STOPS: ReadonlySet<StopReason> = new Set<StopReason>(['run-time', 'iterations-done']);

/**
 * Merges the reports of one run's shards into one report (pure: reads nothing, writes nothing).
 * Throws a `MergeError` when they do not belong together or one lacks what a merge needs.
 */
export function mergeShardReports(inputs: readonly ShardReportFile[]): MergedRun {
  if (inputs.length === 0) throw new MergeError('no report to merge');
  const shards = inputs.map(input => ({ ...input, shard: shardOf(input), stats: encodedStatsOf(input) }));
  shards.sort((a, b) => a.shard.index - b.shard.index);
  const first = shards[0]!;
  const { count } = first.shard;
  const seen = new Map<number, string>();
  for (const { file, report, shard } of shards) {
    const { header } = report;
    if (header.runId !== first.report.header.runId) {
      throw new MergeError(`${file} is of run '${header.runId}' but ${first.file} is of run '${first.report.header.runId}': merge the shards of one run (started with the same --run-id)`);
    }
    if (header.scenario !== first.report.header.scenario) {
      throw new MergeError(`${file} is a run of scenario '${header.scenario}' but ${first.file} is of '${first.report.header.scenario}'`);
    }
    if (shard.count !== count) {
      throw new MergeError(`${file} is shard ${label(shard)} but ${first.file} is shard ${label(first.shard)}: the shards of one run all have the same number of shards`);
    }
    const twin = seen.get(shard.index);
    if (twin !== undefined) throw new MergeError(`${twin} and ${file} are both shard ${label(shard)}: give each shard's report once`);
    seen.set(shard.index, file);
    if (!sameThresholds(report.thresholdsWritten, first.report.thresholdsWritten)) {
      throw new MergeError(`${file} and ${first.file} have different thresholds: their shards ran different versions of the scenario`);
    }
  }

  const warnings: string[] = [];
  const missing = Array.from({ length: count }, (_, index) => index).filter(index => !seen.has(index));
  const notes: IterationError[] = [];
  if (missing.length > 0) {
    const names = missing.map(index => label({ index, count }));
    const warning = `${missing.length === 1 ? 'shard' : 'shards'} ${listed(names)} ${missing.length === 1 ? 'is' : 'are'} missing: this report covers ${shards.length} of ${count} shards, so its counts are only theirs`;
    warnings.push(warning);
    notes.push({ message: warning, count: 1 });
  }

  const stats = new Stats();
  for (const { file, stats: encoded } of shards) {
    try {
      stats.merge(encoded);
    } catch (error) {
      throw new MergeError(`${file}: its encoded stats cannot be read (${(error as Error).message})`);
    }
  }
  const startedAt = Math.min(...shards.map(s => s.report.header.startedAt));
  const endedAt = Math.max(...shards.map(s => Date.parse(s.report.endedAt)));
  const durationMs = Math.max(0, endedAt - startedAt);
  // Requests per second over the whole run: the shards ran side by side.
  const summary = stats.summary(durationMs);

  const written = first.report.thresholdsWritten ?? {};
  const parsed = parseThresholds(written);
  if (parsed.errors.length > 0) throw new MergeError(`${first.file}: its thresholds cannot be read: ${parsed.errors.join('; ')}`);
  const thresholds = located(evaluateThresholds(parsed.thresholds, summary), first.report.thresholds);

  // What a shard's report says beyond its stats (a coordinator's note that its users were stopped by
  // force): kept, naming the shard.
  for (const { report, shard, stats: encoded } of shards) {
    const recorded = new Set(encoded.iterationErrors.map(e => `${e.message}\n${e.where ?? ''}`));
    for (const note of report.iterationErrors) {
      if (!recorded.has(`${note.message}\n${note.where ?? ''}`)) notes.push({ ...note, message: `shard ${label(shard)}: ${note.message}` });
    }
  }

  const stopReason = shards.find(s => !PLANNED_STOPS.has(s.report.stopReason))?.report.stopReason ?? first.report.stopReason;
  const telemetry = sumTelemetry(shards.map(s => s.report.telemetry));
  const cpu = shards.map(s => s.report.cpuMs).filter((ms): ms is number => ms !== undefined);
  // The whole run's header: the first shard's, from the earliest start, with every shard's users.
  const { shard: _shard, ...firstHeader } = first.report.header;
  const header: RunHeader = { ...firstHeader, startedAt, targetUsers: sum(shards.map(s => s.report.header.targetUsers)) };
  const report: RunReport = {
    header,
    endedAt: new Date(endedAt).toISOString(),
    durationMs,
    ...summary,
    iterationErrors: [...notes, ...summary.iterationErrors],
    thresholds,
    // As a run's own report: thresholds on spans are judged again where the spans were received.
    ...(parsed.thresholds.some(t => spanFilterOf(t) !== undefined) ? { thresholdsWritten: { ...written } } : {}),
    stopReason,
    iterations: sum(shards.map(s => s.report.iterations ?? 0)),
    droppedIterations: sum(shards.map(s => s.report.droppedIterations ?? 0)),
    // The busiest shard's, not their sum: cpuMs against durationMs tells whether one process was near a whole core.
    ...(cpu.length > 0 ? { cpuMs: Math.max(...cpu) } : {}),
    ...(telemetry ? { telemetry } : {}),
    mergedShards: shards.length,
  };
  // A shard ended by force is part of the whole run: the merge says so (exit 4), as that shard did.
  const aborted = shards.find(s => s.report.aborted)?.report.aborted;
  if (aborted) report.aborted = aborted;
  if (shards.some(s => s.report.insecureSkipTLSVerify)) report.insecureSkipTLSVerify = true;
  return { report, warnings };
}

/**
 * The report in the text of `file`: a JSON report (`--report shard.json`), or the output of
 * `loadlens run --json` whose last non-empty line is `{"type":"report","report":…}` (e.g. `kubectl
 * logs` of a pod). Throws a `ReportFileError` naming the file and saying what it found instead.
 */
export function parseShardReportText(text: string, file: string): RunReport {
  const whole = parsedJson(text);
  if (whole !== undefined) return reportIn(whole, file);
  const lastLine = text.trimEnd().split('\n').at(-1)?.trim() ?? '';
  if (lastLine === '') throw new ReportFileError(`${file}: it is empty`);
  const line = parsedJson(lastLine);
  if (line === undefined) {
    const shown = lastLine.length > 120 ? `${lastLine.slice(0, 120)}…` : lastLine;
    throw new ReportFileError(`${file}: neither a JSON report nor the output of 'loadlens run --json' ending with the report; its last line is: ${shown}`);
  }
  return reportIn(line, file);
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A report, or the NDJSON line that carries one. */
function reportIn(value: unknown, file: string): RunReport {
  const line = value as { type?: unknown; report?: unknown } | null;
  if (typeof line === 'object' && line !== null && line.type === 'report') return runReportFrom(line.report, file);
  if (typeof line === 'object' && line !== null && line.type === 'snapshot') {
    throw new ReportFileError(`${file}: its last line is a snapshot, not the report: the run had not ended (or its output was cut) when this was saved`);
  }
  return runReportFrom(value, file);
}

/** `i/N`, as flags and attributes write a shard. */
function label(shard: { index: number; count: number }): string {
  return `${shard.index}/${shard.count}`;
}

function listed(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

function shardOf({ file, report }: ShardReportFile): { index: number; count: number } {
  const shard = report.header.shard;
  if (shard === undefined) {
    throw new MergeError(`${file}: not the report of a shard (run '${report.header.runId}' ran the whole plan): merge takes the reports of 'loadlens run --shard i/N'`);
  }
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new MergeError(`${file}: 'shard' must be a 0-based index below a count, got ${JSON.stringify(shard)}`);
  }
  return { index: shard.index, count: shard.count };
}

/** The report's encoded stats, checked enough that a merge fails with the file's name, not deep inside. */
function encodedStatsOf({ file, report }: ShardReportFile): EncodedStats {
  const encoded = report.encodedStats as Partial<EncodedStats> | undefined;
  if (encoded === undefined || encoded === null) {
    throw new MergeError(`${file}: shard ${label(report.header.shard!)} has no encoded stats ('encodedStats'): write shard reports with --report FILE.json or --json from a Loadlens that has 'merge'`);
  }
  if (encoded.format !== STATS_FORMAT) {
    throw new MergeError(`${file}: its encoded stats are of format '${String(encoded.format)}', this Loadlens reads '${STATS_FORMAT}'`);
  }
  const lists = ['rows', 'windowMs', 'failures', 'slowest', 'iterationErrors'] as const;
  const bad = lists.find(key => !Array.isArray(encoded[key]));
  if (bad !== undefined || typeof encoded.aggregate !== 'object' || !Array.isArray(encoded.timeline?.points)) {
    throw new MergeError(`${file}: its encoded stats are damaged ('${bad ?? (typeof encoded.aggregate !== 'object' ? 'aggregate' : 'timeline')}' is missing or not what it should be)`);
  }
  return encoded as EncodedStats;
}

function sameThresholds(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  return JSON.stringify(Object.entries(a ?? {})) === JSON.stringify(Object.entries(b ?? {}));
}

/** Each threshold's place in the scenario, from a shard's results (same thresholds, same order). */
function located(results: ThresholdResult[], shardResults: readonly ThresholdResult[]): ThresholdResult[] {
  return results.map((result, index) => {
    const location = shardResults[index]?.metric === result.metric ? shardResults[index]?.location : undefined;
    return location === undefined ? result : { ...result, location };
  });
}

function sumTelemetry(counts: ReadonlyArray<TelemetryCounts | undefined>): TelemetryCounts | undefined {
  const present = counts.filter((c): c is TelemetryCounts => c !== undefined);
  if (present.length === 0) return undefined;
  const lastExportError = present.find(c => c.lastExportError !== undefined)?.lastExportError;
  return {
    spansExported: sum(present.map(c => c.spansExported)),
    spansDropped: sum(present.map(c => c.spansDropped)),
    exportFailures: sum(present.map(c => c.exportFailures)),
    spansLost: sum(present.map(c => c.spansLost ?? 0)),
    ...(lastExportError === undefined ? {} : { lastExportError }),
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
