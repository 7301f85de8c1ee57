/**
 * Number and text formatting shared by the terminal table and the HTML report, so both show the
 * same numbers the same way. Pure functions, no ANSI.
 */

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

/** Terminal cells a code point occupies: 0 for combining marks, 2 for wide East Asian and emoji, else 1. */
function codePointWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}

/** Width of plain text (no ANSI) in terminal cells. */
export function cellWidth(text: string): number {
  let width = 0;
  for (const char of text) width += codePointWidth(char.codePointAt(0) ?? 0);
  return width;
}

/** Cut plain text to at most `width` cells, ending with '…' when it was cut. */
export function truncateCells(text: string, width: number): string {
  if (width <= 0) return '';
  if (cellWidth(text) <= width) return text;
  let kept = '';
  let used = 0;
  for (const char of text) {
    const w = codePointWidth(char.codePointAt(0) ?? 0);
    if (used + w > width - 1) break;
    kept += char;
    used += w;
  }
  return `${kept}…`;
}

/** Pad plain text with spaces to `width` cells, on the right ('left' alignment) or on the left. */
export function padCells(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - cellWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}
