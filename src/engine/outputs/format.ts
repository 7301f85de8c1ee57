/**
 * Text formatting for the terminal (cells, truncation) and the units shared by every renderer.
 * Pure functions, no ANSI.
 */
import stringWidth from 'string-width';

// The units of the stats table live with the table model (src/shared/stats-table.ts), which the
// panel shares; re-exported here for the engine's outputs.
export { formatBytes, formatClock, formatMs, formatPercent, formatRate, formatThresholdActual } from '../../shared/stats-table.ts';

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
