/**
 * Line charts as inline SVG strings, for the self-contained HTML report (no chart library, no
 * script, no network). Colors come from CSS classes so the page's light/dark theme applies.
 */
import { formatClock } from './format.ts';

export interface ChartSeries {
  label: string;
  /** CSS class that sets the stroke color, e.g. 'series-rps'. */
  className: string;
  /** One value per point of the chart's x axis. */
  values: readonly number[];
}

export interface LineChart {
  /** Accessible name of the chart. */
  title: string;
  /** X positions: ms since the run started, ascending, one per point. */
  elapsedMs: readonly number[];
  series: readonly ChartSeries[];
  /** Tick label for a y value (ticks are round numbers in the chart's unit). */
  formatTick(value: number): string;
  /** Value as shown in a point's hover tooltip. */
  formatValue(value: number): string;
}

const WIDTH = 460;
const HEIGHT = 220;
const MARGIN = { top: 10, right: 14, bottom: 26, left: 58 } as const;
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;

/** The step of about `targetTicks` round ticks (1, 2, 2.5 or 5 times a power of ten) covering `max`. */
export function niceStep(max: number, targetTicks = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / targetTicks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/**
 * An SVG line chart: a polyline per series with exactly one point per x position (so a chart of a
 * 60-point timeline has 60-point polylines), y from 0 to a round maximum with labelled gridlines,
 * x labelled as elapsed run time, and an invisible column per point whose tooltip lists its values.
 */
export function renderLineChart(chart: LineChart): string {
  const n = chart.elapsedMs.length;
  const first = chart.elapsedMs[0] ?? 0;
  const last = chart.elapsedMs[n - 1] ?? first;
  const span = last - first;
  const x = (ms: number) => MARGIN.left + (span > 0 ? ((ms - first) / span) * PLOT_WIDTH : PLOT_WIDTH / 2);
  let max = 0;
  for (const series of chart.series) for (const value of series.values) if (Number.isFinite(value) && value > max) max = value;
  const step = niceStep(max);
  const top = max > 0 ? Math.ceil(max / step) * step : step * 4;
  const y = (value: number) => MARGIN.top + PLOT_HEIGHT - (Math.max(0, Number.isFinite(value) ? value : 0) / top) * PLOT_HEIGHT;
  const r = (v: number) => (Math.round(v * 10) / 10).toString();

  const parts: string[] = [];
  parts.push(`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(chart.title)}">`);
  for (let tick = 0; tick <= top + step / 1e6; tick += step) {
    const ty = r(y(tick));
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${ty}" y2="${ty}"/>`);
    parts.push(`<text class="tick" x="${MARGIN.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${escapeXml(chart.formatTick(tick))}</text>`);
  }
  const spanSeconds = span / 1000;
  const timeStep = TIME_STEPS_S.find((s) => spanSeconds / s <= 6) ?? 86400;
  const firstTick = Math.ceil(first / 1000 / timeStep) * timeStep;
  for (let seconds = firstTick; n > 0 && seconds * 1000 <= last; seconds += timeStep) {
    const tx = r(x(seconds * 1000));
    parts.push(`<line class="axis" x1="${tx}" x2="${tx}" y1="${MARGIN.top + PLOT_HEIGHT}" y2="${MARGIN.top + PLOT_HEIGHT + 4}"/>`);
    parts.push(`<text class="tick" x="${tx}" y="${HEIGHT - 6}" text-anchor="middle">${formatClock(seconds * 1000)}</text>`);
  }
  parts.push(`<line class="axis" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + PLOT_HEIGHT}" y2="${MARGIN.top + PLOT_HEIGHT}"/>`);
  if (n === 0) {
    parts.push(`<text class="empty" x="${MARGIN.left + PLOT_WIDTH / 2}" y="${MARGIN.top + PLOT_HEIGHT / 2}" text-anchor="middle">no data</text>`);
  }
  for (const series of chart.series) {
    const points: string[] = [];
    for (let i = 0; i < n; i++) points.push(`${r(x(chart.elapsedMs[i] ?? 0))},${r(y(series.values[i] ?? 0))}`);
    parts.push(`<polyline class="series ${escapeXml(series.className)}" points="${points.join(' ')}"><title>${escapeXml(series.label)}</title></polyline>`);
  }
  // Hover columns: each covers the half-way marks to its neighbours; the browser shows the <title>.
  for (let i = 0; i < n; i++) {
    const here = x(chart.elapsedMs[i] ?? 0);
    const left = i > 0 ? (x(chart.elapsedMs[i - 1] ?? 0) + here) / 2 : MARGIN.left;
    const right = i < n - 1 ? (here + x(chart.elapsedMs[i + 1] ?? 0)) / 2 : WIDTH - MARGIN.right;
    const values = chart.series.map((series) => `${series.label} ${chart.formatValue(series.values[i] ?? 0)}`).join(' · ');
    parts.push(`<rect class="hover" x="${r(left)}" y="${MARGIN.top}" width="${r(Math.max(right - left, 0.5))}" height="${PLOT_HEIGHT}"><title>${formatClock((chart.elapsedMs[i] ?? 0))} · ${escapeXml(values)}</title></rect>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for XML/HTML content and double- or single-quoted attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
