/**
 * Number and text formatting shared by the terminal table and the HTML report, so both show the
 * same numbers the same way. Pure functions, no ANSI.
 */
import stringWidth from 'string-width';

/**
 * A duration in ms for people: '0.4 ms', '12.3 ms', '312 ms', '1.2 s', '75 s'.
 * At most 3 significant digits after rounding, so table columns stay narrow; rounding happens before
 * the unit is picked, so 999.7 ms reads '1.0 s', never '1000 ms'.
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const tenths = Math.round(ms * 10) / 10;
  if (tenths < 100) return `${tenths.toFixed(1)} ms`;
  const whole = Math.round(ms);
  if (whole < 1000) return `${whole} ms`;
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 100) return `${seconds.toFixed(1)} s`;
  return `${Math.round(ms / 1000)} s`;
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

/** How a threshold's measured value reads, from its expression (ThresholdResult carries no unit). */
export function formatThresholdActual(expression: string, actual: number): string {
  const percent = () => `${Math.round(actual * 100) / 100}%`;
  if (/%\s*$/.test(expression)) return percent();
  if (/\d\s*(ms|s|m)\s*$/.test(expression) || /^\s*(p\d+|avg|min|max|med)\b/i.test(expression)) return formatMs(actual);
  if (/^\s*\w*rate\b/i.test(expression)) return percent();
  return String(Math.round(actual * 100) / 100);
}

// Control characters in user text (request names, error messages) would move the cursor or end a
// line in the middle of a redrawn table; show them escaped instead.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g;

/** User-controlled text made safe for a single terminal line: control characters become visible escapes. */
export function singleLine(text: string): string {
  return text.replace(CONTROL_CHARS, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** Grapheme clusters: what a terminal draws as one character (👍🏽 is two code points, one glyph). */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Width of plain text (no ANSI) in terminal cells, by string-width: wide East Asian characters and
 * emoji (🚀, ✅, 👍🏽 with its skin tone) take 2, combining marks and zero-width joiners 0.
 */
export function cellWidth(text: string): number {
  return stringWidth(text);
}

/** Cut plain text to at most `width` cells, ending with '…' when it was cut; never inside a grapheme cluster. */
export function truncateCells(text: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  let kept = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    kept += segment;
    used += w;
  }
  return `${kept}…`;
}

/** Pad plain text with spaces to `width` cells, on the right ('left' alignment) or on the left. */
export function padCells(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - stringWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}
