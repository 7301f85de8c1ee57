/**
 * The terminal output: on an interactive terminal a live Locust-style table redrawn in place about
 * once a second; on a pipe or a CI log a short progress line every ~10 s; at the end a summary with
 * the final table, failures and slow requests with their trace ids, thresholds and telemetry health.
 */
import { styleText } from 'node:util';
import { describeLostSpans, generatorWarning, type RequestRow, type RunReport, type StatsSnapshot, INSECURE_TLS_WARNING } from '../../shared/report.ts';
import type { RunHeader } from '../../shared/run.ts';
import type { Output } from './output.ts';
import {
  cellWidth, formatClock, formatMs, formatPercent, formatRate, formatThresholdActual,
  padCells, singleLine, truncateCells,
} from './format.ts';
import { statsCells, statsColumns, type RateMeaning } from '../../shared/stats-table.ts';
import { describeLostWorker, describeWorkers } from '../../shared/workers.ts';
import { describeStopReason, reportTable, traceLinker } from './report-view.ts';
import { breakdownLines } from './breakdown-text.ts';

// ---------------------------------------------------------------------------------------------------
// Styling

const ESC = '\u001b';

/** ANSI styles, or identity functions when color is off, so formatting code reads the same either way. */
interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

function paint(color: boolean): Paint {
  // The output decides about color itself (a TTY, NO_COLOR, the option), for whatever stream it was
  // given: styleText must not second-guess it from process.stdout.
  const style = (format: 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan') => (text: string) =>
    (color && text !== '' ? styleText(format, text, { validateStream: false }) : text);
  return { bold: style('bold'), dim: style('dim'), red: style('red'), green: style('green'), yellow: style('yellow'), cyan: style('cyan') };
}

/** An OSC 8 hyperlink: terminals that support it show `text` clickable, others show `text`. */
function hyperlink(url: string, text: string): string {
  return `${ESC}]8;;${url}${ESC}\\${text}${ESC}]8;;${ESC}\\`;
}

// ---------------------------------------------------------------------------------------------------
// The stats table

/** A column of the shared table model, as the terminal lays it out. */
interface Column {
  header: string;
  align: 'left' | 'right';
  cell(row: RequestRow): string;
  dropRank?: number;
  alarming?: boolean;
}

const SEPARATOR = '  ';
/** The name column is truncated down to this width before any other column is dropped. */
const MIN_NAME_WIDTH = 16;
/** Below this the name column is never cut; the line's end is, on terminals too narrow for the rest. */
const NAME_FLOOR = 10;

/**
 * The shared model's columns (src/shared/stats-table.ts) with their cell texts; user text is kept on
 * one line. The rate column shows `row.currentRps`: the caller passes rows whose rate is what
 * `rate` says (the recent window live, the run's average at the end: `reportRows`).
 */
function columns(rate: RateMeaning): { type: Column; name: Column; rest: Column[] } {
  const [type, name, ...rest] = statsColumns(rate).map((column): Column => ({
    header: column.header,
    align: column.align,
    cell: (row) => singleLine(statsCells(row, row.currentRps, row.method === '')[column.id].text),
    ...(column.dropRank === undefined ? {} : { dropRank: column.dropRank }),
    ...(column.alarming ? { alarming: true } : {}),
  }));
  return { type: type!, name: name!, rest };
}

export interface StatsTableOptions {
  /** ANSI styles (bold header and aggregate, red failures). Default off. */
  color?: boolean;
  /** What the rate column means: 'current' (live, the default) or 'run-average' (the final table). */
  rate?: RateMeaning;
  /** Show at most this many request rows (the aggregate always shows); the rest are summed up in one line. */
  maxRows?: number;
}

/**
 * The stats table as text lines joined by '\n' (no trailing newline): a header, a rule, one line per
 * row, a rule, and the aggregate. Rows whose `method` is '' are the aggregate (RequestRow's convention)
 * and go below the second rule, named 'Aggregated'.
 *
 * Invariant: no line is wider than `width` terminal cells. To get there the name column is truncated
 * with '…' down to 16 cells, then the least useful columns are dropped (Avg size, Min, Max, Average,
 * 90%ile, then Median: under load the tail matters most), and only then are lines cut. Column widths
 * follow the content, so they only change when a number gains a digit.
 */
export function formatStatsTable(rows: readonly RequestRow[], width: number, options: StatsTableOptions = {}): string {
  const style = paint(options.color ?? false);
  const { type, name, rest } = columns(options.rate ?? 'current');
  const requestRows = rows.filter((row) => row.method !== '');
  const aggregates = rows.filter((row) => row.method === '');
  const maxRows = options.maxRows ?? Infinity;
  const shown = requestRows.length > maxRows ? requestRows.slice(0, Math.max(0, maxRows - 1)) : requestRows;
  const hidden = requestRows.length - shown.length;
  const allShown = [...shown, ...aggregates];

  const widths = new Map<Column, number>();
  const widthOf = (column: Column): number => {
    let w = widths.get(column);
    if (w === undefined) {
      w = allShown.reduce((max, row) => Math.max(max, cellWidth(column.cell(row))), cellWidth(column.header));
      widths.set(column, w);
    }
    return w;
  };
  const nameWanted = widthOf(name);
  let kept = [type, ...rest];
  let nameWidth = 0;
  for (;;) {
    const fixed = kept.reduce((sum, column) => sum + widthOf(column), 0) + SEPARATOR.length * kept.length;
    nameWidth = Math.min(nameWanted, width - fixed);
    const droppable = kept.filter((column) => column.dropRank !== undefined);
    if (nameWidth >= Math.min(nameWanted, MIN_NAME_WIDTH) || droppable.length === 0) break;
    const next = droppable.reduce((a, b) => ((a.dropRank ?? 0) <= (b.dropRank ?? 0) ? a : b));
    kept = kept.filter((column) => column !== next);
  }
  // Still too narrow with every optional column gone: a name needs a few cells to mean anything, more
  // than the right-most numbers need to show.
  nameWidth = Math.max(nameWidth, Math.min(nameWanted, NAME_FLOOR));
  const [typeColumn = type, ...numberColumns] = kept;
  const layout: Array<{ column: Column; width: number }> = [
    { column: typeColumn, width: widthOf(typeColumn) },
    { column: name, width: nameWidth },
    ...numberColumns.map((column) => ({ column, width: widthOf(column) })),
  ];

  const line = (cells: string[]) => truncateCells(cells.join(SEPARATOR), width);
  // Styles are applied to cells after padding, so ANSI never counts toward widths; a line that still
  // had to be cut (a very narrow terminal) is cut as plain text and only styled as a whole.
  const rowLine = (row: RequestRow) => {
    const cells = layout.map(({ column, width: w }) => padCells(truncateCells(column.cell(row), w), w, column.align));
    const plain = cells.join(SEPARATOR);
    const text = cellWidth(plain) <= width
      ? layout.map(({ column }, i) => (column.alarming && row.failures > 0 ? style.red(cells[i] ?? '') : cells[i] ?? '')).join(SEPARATOR)
      : truncateCells(plain, width);
    return row.method === '' ? style.bold(text) : text;
  };
  const rule = style.dim(line(layout.map(({ width: w }) => '-'.repeat(w))));
  const lines = [style.bold(line(layout.map(({ column, width: w }) => padCells(column.header, w, column.align)))), rule];
  for (const row of shown) lines.push(rowLine(row));
  if (hidden > 0) {
    lines.push(style.dim(line([padCells('', layout[0]?.width ?? 0, 'left'), `… ${hidden} more ${hidden === 1 ? 'row' : 'rows'} (all in the final table)`])));
  }
  if (aggregates.length > 0) {
    lines.push(rule);
    for (const row of aggregates) lines.push(rowLine(row));
  }
  return lines.join('\n');
}

/**
 * The line above the live table: scenario, state, elapsed / run time, users, RPS and failures per
 * second over the recent window. Cut to `width` cells.
 */
export function formatLiveHeader(snapshot: StatsSnapshot, runTimeMs: number, width: number, color = false): string {
  const style = paint(color);
  const elapsed = runTimeMs > 0 ? `${formatClock(snapshot.elapsedMs)} / ${formatClock(runTimeMs)}` : formatClock(snapshot.elapsedMs);
  const failuresPerSec = formatRate(snapshot.totals.currentFailuresPerSec);
  const parts = [
    singleLine(snapshot.scenario),
    snapshot.state,
    elapsed,
    `users ${snapshot.users}/${snapshot.targetUsers}`,
    `RPS ${formatRate(snapshot.totals.currentRps)}`,
    `failures/s ${failuresPerSec}`,
  ];
  const plain = truncateCells(parts.join(' · '), width);
  return snapshot.totals.currentFailuresPerSec > 0 ? style.bold(plain).replace(`failures/s ${failuresPerSec}`, style.red(`failures/s ${failuresPerSec}`)) : style.bold(plain);
}

/** The one line a non-interactive log gets every ~10 s. */
export function formatProgressLine(snapshot: StatsSnapshot, runTimeMs: number): string {
  const { totals } = snapshot;
  const elapsed = runTimeMs > 0 ? `${formatClock(snapshot.elapsedMs)}/${formatClock(runTimeMs)}` : formatClock(snapshot.elapsedMs);
  return `[${elapsed}] ${singleLine(snapshot.scenario)} ${snapshot.state} · users ${snapshot.users}/${snapshot.targetUsers}` +
    ` · ${totals.count} reqs · ${totals.failures} fails (${formatPercent(totals.failures, totals.count)})` +
    ` · RPS ${formatRate(totals.currentRps)} · p95 ${formatMs(snapshot.current.p95)}`;
}

// ---------------------------------------------------------------------------------------------------
// The end-of-run summary

export interface SummaryOptions {
  /** Terminal width in cells; only the table is fitted to it (long errors and URLs are left to wrap). */
  width: number;
  color?: boolean;
  /** Trace link template, e.g. 'http://127.0.0.1:16686/trace/{traceId}'; without it trace ids print bare. */
  traceLink?: string;
  /** The load generator's service.name, for {service} in the trace link template. */
  service?: string;
  /** Print links as OSC 8 hyperlinks (text: the trace id) instead of plain URLs. For terminals only. */
  hyperlinks?: boolean;
  /** Report files written for this run, listed at the end. */
  reportFiles?: readonly string[];
  /** At most this many failure kinds and slow requests are listed (default 10); the rest are counted. */
  maxListed?: number;
}

/** How many trace ids per failure kind the summary shows (newest first). */
const TRACES_PER_FAILURE = 3;

/**
 * The end-of-run summary as text (ending with '\n'): a headline, the final table (rates averaged
 * over the run), then only the sections that have something to say: failures with trace ids, the
 * slowest requests, iteration errors with their source location, thresholds, telemetry health, and
 * the report files. User text is kept on one line each (control characters escaped).
 */
export function formatSummary(report: RunReport, options: SummaryOptions): string {
  const style = paint(options.color ?? false);
  const maxListed = options.maxListed ?? 10;
  const link = traceLinker(report, options.traceLink, options.service);
  const trace = (traceId: string): string => {
    if (!link) return style.cyan(traceId);
    return options.hyperlinks ? hyperlink(link(traceId), style.cyan(traceId)) : style.cyan(link(traceId));
  };
  const { totals } = report;
  const out: string[] = [];

  const merged = report.workers !== undefined
    ? ` · ${describeWorkers(report.workers)}`
    : report.mergedShards === undefined ? '' : ` · ${report.mergedShards} ${report.mergedShards === 1 ? 'shard' : 'shards'} merged`;
  out.push(style.bold(`${singleLine(report.header.scenario)} finished after ${formatClock(report.durationMs)} (${describeStopReason(report.stopReason)})`) + ` · ${singleLine(report.header.file)}${merged}`);
  const failureText = `${totals.failures} ${totals.failures === 1 ? 'failure' : 'failures'} (${formatPercent(totals.failures, totals.requests)})`;
  out.push([
    `${totals.requests} requests`,
    totals.failures > 0 ? style.red(failureText) : failureText,
    `${formatRate(totals.rps)} RPS`,
    `p50 ${formatMs(totals.p50)}`,
    `p95 ${formatMs(totals.p95)}`,
    `p99 ${formatMs(totals.p99)}`,
  ].join(' · '));
  // A lost worker in the words of the panel and the HTML report.
  for (const worker of report.workers ?? []) if (worker.lost !== undefined) out.push(style.red(describeLostWorker({ ...worker, lost: worker.lost })));
  const warning = generatorWarning(report);
  if (warning) out.push(style.yellow(warning));
  if (report.insecureSkipTLSVerify) out.push(style.yellow(INSECURE_TLS_WARNING));
  out.push('');
  const table = reportTable(report);
  out.push(formatStatsTable([...table.rows, table.aggregate], options.width, { color: options.color ?? false, rate: 'run-average' }));

  if (report.failures.length > 0) {
    section(out, style, 'Failures', report.failures.length, maxListed, 'failure kinds');
    const listed = [...report.failures].sort((a, b) => b.count - a.count).slice(0, maxListed);
    const countWidth = Math.max(...listed.map((f) => String(f.count).length));
    for (const failure of listed) {
      out.push(`  ${style.red(String(failure.count).padStart(countWidth))}  ${singleLine(failure.method)} ${singleLine(failure.name)}  ${singleLine(failure.error)}`);
      const traces = failure.traceIds.slice(-TRACES_PER_FAILURE).reverse();
      const indent = ' '.repeat(countWidth + 4);
      if (traces.length === 0) continue;
      if (link && !options.hyperlinks) for (const traceId of traces) out.push(`${indent}${trace(traceId)}`);
      else {
        // Bare or hyperlinked ids show as the id itself: as many on a line as fit, under the label.
        const label = traces.length === 1 ? 'trace ' : 'traces ';
        let lineText = `${indent}${style.dim(label)}`;
        let used = indent.length + label.length;
        traces.forEach((traceId, i) => {
          const piece = traceId + (i < traces.length - 1 ? ',' : '');
          if (i > 0 && used + 1 + piece.length > options.width) {
            out.push(lineText);
            lineText = ' '.repeat(indent.length + label.length);
            used = lineText.length;
          } else if (i > 0) {
            lineText += ' ';
            used += 1;
          }
          lineText += trace(traceId) + (i < traces.length - 1 ? ',' : '');
          used += piece.length;
        });
        out.push(lineText);
      }
    }
  }

  if (report.slowest.length > 0) {
    section(out, style, 'Slowest requests', report.slowest.length, maxListed, 'requests');
    const listed = [...report.slowest].sort((a, b) => b.durationMs - a.durationMs).slice(0, maxListed);
    const durationWidth = Math.max(...listed.map((s) => formatMs(s.durationMs).length));
    for (const slow of listed) {
      const status = slow.status > 0 ? String(slow.status) : 'no response';
      const traceText = slow.traceId ? `  ${trace(slow.traceId)}` : '';
      out.push(`  ${formatMs(slow.durationMs).padStart(durationWidth)}  ${singleLine(slow.method)} ${singleLine(slow.name)}  ${status}${traceText}`);
    }
  }

  out.push(...breakdownLines(report, style, trace, maxListed));

  if (report.iterationErrors.length > 0) {
    section(out, style, 'Iteration errors', report.iterationErrors.length, maxListed, 'errors');
    const listed = [...report.iterationErrors].sort((a, b) => b.count - a.count).slice(0, maxListed);
    const countWidth = Math.max(...listed.map((e) => String(e.count).length));
    for (const error of listed) {
      out.push(`  ${style.red(String(error.count).padStart(countWidth))}  ${singleLine(error.message)}`);
      if (error.where) out.push(`${' '.repeat(countWidth + 4)}${style.dim(`at ${singleLine(error.where)}`)}`);
    }
  }

  if (report.thresholds.length > 0) {
    const breached = report.thresholds.filter((t) => !t.ok).length;
    out.push('', style.bold('Thresholds') + (breached > 0 ? ` ${style.red(`(${breached} breached)`)}` : ''));
    // A shard's numbers are its share: only the merged run's thresholds decide (its exit code is 0 for these).
    if (report.header.shard) out.push(style.dim(`  on this shard's share only (${report.header.shard.index}/${report.header.shard.count}); loadlens merge evaluates them on the whole run and decides`));
    for (const threshold of report.thresholds) {
      const mark = threshold.ok ? style.green('✓') : style.red('✗');
      out.push(`  ${mark} ${singleLine(threshold.expression)}  ${style.dim('actual')} ${formatThresholdActual(threshold)}`);
    }
  }

  if (report.telemetry) {
    const { spansExported, spansDropped, exportFailures } = report.telemetry;
    const dropped = `${spansDropped} dropped`;
    const failed = `${exportFailures} export ${exportFailures === 1 ? 'failure' : 'failures'}`;
    const lost = describeLostSpans(report.telemetry);
    out.push('', `${style.bold('Telemetry')}  ${spansExported} spans exported · ${spansDropped > 0 ? style.yellow(dropped) : dropped} · ${exportFailures > 0 ? style.red(failed) : failed}${lost ? ` · ${style.red(singleLine(lost))}` : ''}`);
  }

  const truncated = report.requests.filter(row => row.method !== '' && (row.truncatedBodies ?? 0) > 0);
  if (truncated.length > 0) {
    out.push('', style.bold('Truncated bodies') + style.dim(' (longer than maxBodyBytes: read to the end and counted, the rest discarded)'));
    for (const row of truncated) out.push(`  ${style.yellow(String(row.truncatedBodies))}  ${singleLine(row.method)} ${singleLine(row.name)}`);
  }

  if (options.reportFiles && options.reportFiles.length > 0) {
    out.push('', style.bold('Reports'));
    for (const file of options.reportFiles) out.push(`  ${file}`);
  }
  return `${out.join('\n')}\n`;
}

function section(out: string[], style: Paint, title: string, total: number, maxListed: number, noun: string): void {
  out.push('', style.bold(title) + (total > maxListed ? style.dim(` (top ${maxListed} of ${total} ${noun})`) : ''));
}

// ---------------------------------------------------------------------------------------------------
// The output

/** A stream to print to; `isTTY`, `columns` and `rows` as on `process.stdout`. */
export type TerminalStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

export interface TerminalOutputOptions {
  /** ANSI colors. Default: on for a TTY unless NO_COLOR is set (https://no-color.org). */
  color?: boolean;
  /** OSC 8 hyperlinks for trace links. Default: on for a TTY. */
  hyperlinks?: boolean;
  /** Trace link template (see src/shared/trace-link.ts for its placeholders). */
  traceLink?: string;
  /** The load generator's service.name, for {service} in the trace link template. */
  service?: string;
  /** Report files this run writes, listed in the summary. */
  reportFiles?: readonly string[];
  /** Where NO_COLOR is read from; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Non-TTY only: least time between two progress lines, in run time (default 10 s). */
  progressIntervalMs?: number;
}

/** Lines the live view keeps for itself besides the table rows: start line, header, blank, table chrome. */
const LIVE_CHROME_LINES = 7;

/**
 * Prints a run to a terminal (see the module comment). On a TTY each `add` redraws the live view in
 * place with one write: cursor up over the previous frame, each line rewritten and cleared to its
 * end, then the rest of the screen cleared, inside a synchronized-update bracket (DEC mode 2026) so
 * terminals that support it never show a half-drawn frame. Lines are fitted to `columns` and the
 * rows to `rows`, because a wrapped or scrolled line would break the cursor arithmetic.
 * N.B. anything else written to the same terminal during the run (console.log in a scenario) lands
 * inside the frame and is overwritten by the next redraw.
 */
export class TerminalOutput implements Output {
  readonly #stream: TerminalStream;
  readonly #interactive: boolean;
  readonly #color: boolean;
  readonly #hyperlinks: boolean;
  readonly #options: TerminalOutputOptions;
  #run: RunHeader | undefined;
  /** Height of the live frame on screen, for the next redraw to move back over. */
  #liveLines = 0;
  #lastProgressElapsedMs = 0;

  constructor(stream: TerminalStream, options: TerminalOutputOptions = {}) {
    this.#stream = stream;
    this.#interactive = stream.isTTY === true;
    const env = options.env ?? process.env;
    this.#color = options.color ?? (this.#interactive && !env['NO_COLOR']);
    this.#hyperlinks = options.hyperlinks ?? this.#interactive;
    this.#options = options;
  }

  start(run: RunHeader): void {
    this.#run = run;
    const style = paint(this.#color);
    const runTime = run.runTimeMs > 0 ? ` for ${formatClock(run.runTimeMs)}` : '';
    this.#stream.write(
      `${style.bold('Loadlens')} ${singleLine(run.scenario)} (${singleLine(run.file)}) → ${singleLine(run.host)} · ` +
      `${run.targetUsers} users${run.shard ? ` (shard ${run.shard.index}/${run.shard.count})` : ''}${runTime} · OTel ${run.otel ? 'on' : 'off'} · run ${run.runId}\n`,
    );
  }

  add(snapshot: StatsSnapshot): void {
    const runTimeMs = this.#run?.runTimeMs ?? 0;
    if (!this.#interactive) {
      const interval = this.#options.progressIntervalMs ?? 10_000;
      if (snapshot.elapsedMs - this.#lastProgressElapsedMs < interval) return;
      this.#lastProgressElapsedMs = snapshot.elapsedMs;
      this.#stream.write(`${formatProgressLine(snapshot, runTimeMs)}\n`);
      return;
    }
    const width = this.#width();
    const maxRows = Math.max(1, (this.#stream.rows ?? 24) - LIVE_CHROME_LINES);
    const table = formatStatsTable([...snapshot.requests, { ...snapshot.totals, method: '' }], width, { color: this.#color, maxRows });
    const lines = [formatLiveHeader(snapshot, runTimeMs, width, this.#color), '', ...table.split('\n')];
    let frame = `${ESC}[?2026h${this.#cursorToFrameStart()}`;
    for (const line of lines) frame += `${line}${ESC}[K\n`;
    frame += `${ESC}[J${ESC}[?2026l`;
    this.#liveLines = lines.length;
    this.#stream.write(frame);
  }

  stop(report: RunReport): Promise<void> {
    const erase = this.#interactive && this.#liveLines > 0 ? `${this.#cursorToFrameStart()}${ESC}[J` : '';
    this.#liveLines = 0;
    const summary = formatSummary(report, {
      width: this.#width(),
      color: this.#color,
      hyperlinks: this.#hyperlinks,
      ...(this.#options.traceLink === undefined ? {} : { traceLink: this.#options.traceLink }),
      ...(this.#options.service === undefined ? {} : { service: this.#options.service }),
      ...(this.#options.reportFiles === undefined ? {} : { reportFiles: this.#options.reportFiles }),
    });
    return new Promise((resolve, reject) => {
      this.#stream.write(`${erase}\n${summary}`, (error) => (error ? reject(error) : resolve()));
    });
  }

  #width(): number {
    // A pipe has no width: give CI logs room for long names rather than the 80 of a terminal.
    return this.#stream.columns ?? (this.#interactive ? 80 : 160);
  }

  #cursorToFrameStart(): string {
    return this.#liveLines > 0 ? `${ESC}[${this.#liveLines}A\r` : '';
  }
}
