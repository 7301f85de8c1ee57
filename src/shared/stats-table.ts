/**
 * The one stats table of Loadlens: which columns exist, what each means, its unit and how its values
 * read. The terminal (live and final), the HTML report and the results panel all render this model,
 * so they show the same rows, the same numbers and the same units.
 *
 * "RPS" has one meaning per moment, said by `StatsTable.rate`:
 * - during a run: 'current', the requests per second over the recent window (about the last 10 s);
 * - after the run: 'run-average', the row's requests over the run's whole duration.
 * Pure functions, plain JSON in and out: no DOM, no ANSI, no `vscode`.
 */
import type { RequestRow, RunReport, SourceLocation, StatsSnapshot, ThresholdResult } from './report.ts';

// ---------------------------------------------------------------------------------------------------
// Units and formatting

/**
 * A duration in ms for people: '0.4 ms', '12.3 ms', '312 ms', '1.2 s', '75 s'.
 * At most 3 significant digits after rounding, so table columns stay narrow; rounding happens before
 * the unit is picked, so 999.7 ms reads '1.0 s', never '1000 ms'.
 *
 * `precise` (the trace view, where a connect span lasts a fraction of a millisecond): one more digit
 * everywhere, signed, '0.42 ms', '12.3 ms', '250 ms', '1.25 s'.
 */
export function formatMs(ms: number, { precise = false }: { precise?: boolean } = {}): string {
  if (precise) return formatPreciseMs(ms);
  if (!Number.isFinite(ms)) return '-';
  const tenths = Math.round(ms * 10) / 10;
  if (tenths < 100) return `${tenths.toFixed(1)} ms`;
  const whole = Math.round(ms);
  if (whole < 1000) return `${whole} ms`;
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 100) return `${seconds.toFixed(1)} s`;
  return `${Math.round(ms / 1000)} s`;
}

function formatPreciseMs(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (abs >= 100) return `${Math.round(ms)} ms`;
  if (abs >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/**
 * A size in bytes, binary multiples (1 KB = 1024 B): '950 B', '1.2 KB', '12.5 KB', '245 KB', '3.4 MB'.
 * Whole bytes below 1 KB; one decimal below 100 of a unit, whole numbers above.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (Math.round(bytes) < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  for (const unit of BYTE_UNITS) {
    value /= 1024;
    const tenths = Math.round(value * 10) / 10;
    if (tenths < 100) return `${tenths.toFixed(1)} ${unit}`;
    if (Math.round(value) < 1024 || unit === 'TB') return `${Math.round(value)} ${unit}`;
  }
  return `${Math.round(value)} TB`;
}

/**
 * A per-second rate without its unit (the column or label says '/s'): '0', '0.3', '12.3', '1234'.
 * One decimal below 100, whole numbers above: the decimals of a large rate are noise.
 */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-';
  if (perSecond === 0) return '0';
  const tenths = Math.round(perSecond * 10) / 10;
  if (tenths < 100) return tenths.toFixed(1);
  return String(Math.round(perSecond));
}

/**
 * The share of `part` in `whole` as a percentage: '0%', '<0.1%', '2.5%', '100%'. A non-zero part
 * never reads '0%', a part short of the whole never reads '100%'.
 */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0 || part <= 0) return '0%';
  if (part >= whole) return '100%';
  const percent = (part / whole) * 100;
  if (percent < 0.1) return '<0.1%';
  const tenths = Math.round(percent * 10) / 10;
  if (tenths >= 100) return '>99.9%';
  return `${tenths.toFixed(1)}%`;
}

/** Elapsed time as a clock: '0:07', '12:30', '1:02:03'. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Up to 3 significant digits, without trailing zeros: 1.21, 0.47, 186, 1234 (whole numbers stay whole). */
function significant(value: number): string {
  if (Number.isInteger(value) || Math.abs(value) >= 100) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

/**
 * A threshold's measured value in the threshold's own unit: `p99 < 1s` → '1.21 s', `p95 < 300ms` →
 * '186 ms', `errorRate < 1%` → '0.47%', `rps >= 10` → '12.5'. Results from reports written before
 * thresholds carried their unit fall back to reading the unit from the expression.
 */
export function formatThresholdActual(threshold: Pick<ThresholdResult, 'expression' | 'actual'> & { unit?: ThresholdResult['unit'] }): string {
  const unit = threshold.unit ?? unitOfExpression(threshold.expression);
  const actual = threshold.actual;
  switch (unit) {
    case 's': return `${significant(actual)} s`;
    case 'ms': return `${significant(actual)} ms`;
    case '%': return `${Number(actual.toFixed(2))}%`;
    case '': return significant(actual);
  }
}

/** The unit a threshold expression's limit is written in ('p95 < 300ms' → 'ms'); latencies default to ms, rates to %. */
function unitOfExpression(expression: string): ThresholdResult['unit'] {
  const condition = expression.split(' (')[0] ?? expression;
  const written = /\d\s*(ms|s|%)\s*$/.exec(condition)?.[1];
  if (written === 'ms' || written === 's' || written === '%') return written;
  if (/^\s*(p\d+|avg|min|max)\b/i.test(condition)) return 'ms';
  if (/^\s*errorRate\b/i.test(condition)) return '%';
  return '';
}

// ---------------------------------------------------------------------------------------------------
// The table

/** What a column's numbers are. */
export type ColumnUnit = 'text' | 'count' | 'ms' | 'bytes' | 'per-second';

export type StatsColumnId =
  | 'method' | 'name' | 'requests' | 'failures' | 'p50' | 'p90' | 'p95' | 'p99' | 'avg' | 'min' | 'max'
  | 'avgSize' | 'rps' | 'ttfb' | 'connect' | 'statuses';

/** One column of the stats table. */
export interface StatsColumn {
  id: StatsColumnId;
  /** Short header, as in Locust ('# reqs', '90%ile'). 'rps' is 'Current RPS' during a run, 'RPS' after. */
  header: string;
  /** What the column means, in a sentence (tooltips, the report's note). */
  description: string;
  unit: ColumnUnit;
  align: 'left' | 'right';
  /**
   * Where the terminal has too few cells, columns with a drop rank go, lowest first (under load the
   * tail matters most, so 99%ile and the counts never go).
   */
  dropRank?: number;
  /** Shown as an alarm (red) when the row has failures. */
  alarming?: boolean;
}

/** What "RPS" means in a table: the recent window during a run, the whole run's average after it. */
export type RateMeaning = 'current' | 'run-average';

/** The columns, in order. */
export function statsColumns(rate: RateMeaning): StatsColumn[] {
  return [
    { id: 'method', header: 'Type', description: 'HTTP method, or GROUP for a group()', unit: 'text', align: 'left' },
    { id: 'name', header: 'Name', description: 'Request name (the path without query unless the scenario names it)', unit: 'text', align: 'left' },
    { id: 'requests', header: '# reqs', description: 'Requests made', unit: 'count', align: 'right' },
    { id: 'failures', header: '# fails', description: 'Failed requests and their share', unit: 'count', align: 'right', alarming: true },
    { id: 'p50', header: 'Median', description: 'Median response time', unit: 'ms', align: 'right', dropRank: 9 },
    { id: 'p90', header: '90%ile', description: '90th percentile response time', unit: 'ms', align: 'right', dropRank: 7 },
    { id: 'p95', header: '95%ile', description: '95th percentile response time', unit: 'ms', align: 'right', dropRank: 10 },
    { id: 'p99', header: '99%ile', description: '99th percentile response time', unit: 'ms', align: 'right' },
    { id: 'avg', header: 'Average', description: 'Mean response time', unit: 'ms', align: 'right', dropRank: 6 },
    { id: 'min', header: 'Min', description: 'Fastest response', unit: 'ms', align: 'right', dropRank: 2 },
    { id: 'max', header: 'Max', description: 'Slowest response', unit: 'ms', align: 'right', dropRank: 8 },
    { id: 'avgSize', header: 'Avg size', description: 'Mean response body size', unit: 'bytes', align: 'right', dropRank: 3 },
    rate === 'current'
      ? { id: 'rps', header: 'Current RPS', description: 'Requests per second over the last ~10 s', unit: 'per-second', align: 'right' }
      : { id: 'rps', header: 'RPS', description: 'Requests per second, averaged over the whole run', unit: 'per-second', align: 'right' },
    { id: 'ttfb', header: 'TTFB', description: 'Mean time to first byte', unit: 'ms', align: 'right', dropRank: 4 },
    { id: 'connect', header: 'Connect', description: 'Mean connect time (DNS + TCP + TLS) of the requests that opened a connection', unit: 'ms', align: 'right', dropRank: 5 },
    { id: 'statuses', header: 'Status', description: 'Responses by status class (error: no response)', unit: 'text', align: 'left', dropRank: 1 },
  ];
}

/** A cell: the value to sort by and the text every renderer shows. */
export interface StatsCell {
  value: number | string;
  text: string;
}

/** One row of the table. */
export interface StatsTableRow {
  /** Stable identity across snapshots ('GET /a'), for keyed rendering. */
  key: string;
  /** True for the aggregate ('Aggregated', method ''). */
  aggregate: boolean;
  failures: number;
  cells: Record<StatsColumnId, StatsCell>;
  /** The row's call in the scenario, when known. */
  location?: SourceLocation;
}

export interface StatsTable {
  rate: RateMeaning;
  columns: StatsColumn[];
  rows: StatsTableRow[];
  /** The aggregate of all requests (groups excluded). */
  aggregate: StatsTableRow;
}

/** The cells of one row; `rps` is the rate the table means (see RateMeaning). */
export function statsCells(row: RequestRow, rps: number, aggregate: boolean): Record<StatsColumnId, StatsCell> {
  const ms = (value: number): StatsCell => ({ value, text: formatMs(value) });
  const statuses = Object.entries(row.statusClasses).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b));
  return {
    method: { value: row.method, text: row.method },
    name: { value: aggregate ? 'Aggregated' : row.name, text: aggregate ? 'Aggregated' : row.name },
    requests: { value: row.count, text: String(row.count) },
    failures: { value: row.failures, text: `${row.failures} (${formatPercent(row.failures, row.count)})` },
    p50: ms(row.p50), p90: ms(row.p90), p95: ms(row.p95), p99: ms(row.p99), avg: ms(row.avg), min: ms(row.min), max: ms(row.max),
    // Bodies cut at maxBodyBytes: read and counted, the rest discarded; the size says so.
    avgSize: { value: row.avgSize, text: row.truncatedBodies ? `${formatBytes(row.avgSize)} (${row.truncatedBodies} truncated)` : formatBytes(row.avgSize) },
    rps: { value: rps, text: formatRate(rps) },
    ttfb: ms(row.ttfbAvg),
    connect: row.connects > 0 ? { value: row.connectAvg, text: formatMs(row.connectAvg) } : { value: -1, text: '–' },
    statuses: { value: statuses.map(([c, n]) => `${c} ${n}`).join(' '), text: statuses.map(([c, n]) => `${c} ${n}`).join(' ') },
  };
}

function tableRow(row: RequestRow, rps: number, aggregate: boolean): StatsTableRow {
  const cells = statsCells(row, rps, aggregate);
  return { key: aggregate ? '\u0000aggregate' : `${row.method} ${row.name}`, aggregate, failures: row.failures, cells, ...(row.location ? { location: row.location } : {}) };
}

/** The live table of a snapshot: RPS is the current rate (the recent window). */
export function liveStatsTable(snapshot: Pick<StatsSnapshot, 'requests' | 'totals'>): StatsTable {
  return {
    rate: 'current',
    columns: statsColumns('current'),
    rows: snapshot.requests.filter(row => row.method !== '').map(row => tableRow(row, row.currentRps, false)),
    aggregate: tableRow(snapshot.totals, snapshot.totals.currentRps, true),
  };
}

/** The table of a finished run: RPS is each row's average over the run (see `reportRows`). */
export function reportStatsTable(report: RunReport): StatsTable {
  const { rows, aggregate } = reportRows(report);
  return {
    rate: 'run-average',
    columns: statsColumns('run-average'),
    rows: rows.map(row => tableRow(row, row.currentRps, false)),
    aggregate: tableRow(aggregate, aggregate.currentRps, true),
  };
}

/** The stats rows of a finished run: one per (method, name) or group, and the aggregate. */
export interface ReportRows {
  rows: RequestRow[];
  /** `method` is '' and `name` 'Aggregated'. */
  aggregate: RequestRow;
}

/**
 * The report's rows with `currentRps`/`currentFailuresPerSec` replaced by the averages over the whole
 * run: at the end, "current" (the last ~10 s, often a ramp-down) would misstate the run's throughput.
 * The aggregate is the report's own '' row when the stats included one, else it is built from
 * `report.totals` with sizes and timings weighted by request counts over the non-group rows (groups
 * contain requests, so counting them would count those twice).
 */
export function reportRows(report: RunReport): ReportRows {
  const seconds = Math.max(report.durationMs / 1000, 0.001);
  const averaged = (row: RequestRow): RequestRow => ({
    ...row,
    currentRps: row.count / seconds,
    currentFailuresPerSec: row.failures / seconds,
  });
  const rows = report.requests.filter((row) => row.method !== '').map(averaged);
  const own = report.requests.find((row) => row.method === '');
  const aggregate = own ? averaged({ ...own, name: 'Aggregated' }) : aggregateOf(report, rows.filter((row) => row.method !== 'GROUP'));
  aggregate.currentRps = report.totals.rps;
  return { rows, aggregate };
}

function aggregateOf(report: RunReport, requestRows: RequestRow[]): RequestRow {
  const { totals } = report;
  const seconds = Math.max(report.durationMs / 1000, 0.001);
  let count = 0, bytes = 0, ttfb = 0, connects = 0, connectTime = 0;
  const statusClasses: Record<string, number> = {};
  for (const row of requestRows) {
    count += row.count;
    bytes += row.avgSize * row.count;
    ttfb += row.ttfbAvg * row.count;
    connects += row.connects;
    connectTime += row.connectAvg * row.connects;
    for (const [statusClass, n] of Object.entries(row.statusClasses)) statusClasses[statusClass] = (statusClasses[statusClass] ?? 0) + n;
  }
  return {
    method: '',
    name: 'Aggregated',
    count: totals.requests,
    failures: totals.failures,
    p50: totals.p50,
    p90: totals.p90,
    p95: totals.p95,
    p99: totals.p99,
    avg: totals.avg,
    min: totals.min,
    max: totals.max,
    avgSize: count > 0 ? bytes / count : 0,
    ttfbAvg: count > 0 ? ttfb / count : 0,
    connectAvg: connects > 0 ? connectTime / connects : 0,
    connects,
    currentRps: totals.rps,
    currentFailuresPerSec: totals.failures / seconds,
    statusClasses,
  };
}

/** Rows ordered by a column (ascending or descending); text compares by locale, numbers numerically. Stable. */
export function sortRows(rows: readonly StatsTableRow[], column: StatsColumnId, descending: boolean): StatsTableRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a.cells[column].value;
    const y = b.cells[column].value;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sign * order;
  });
}
