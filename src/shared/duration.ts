/**
 * Durations as users write them in scenarios and on the command line ('250ms', '30s', '1.5m', '1h30m',
 * or a number of seconds), and back again for display. The engine works in milliseconds throughout.
 */
/** A duration as users write it: '250ms', '30s', '10m', '1h', '1h30m', or a number of seconds. */
export type DurationInput = string | number;

/** The outcome of {@link tryParseDuration}: milliseconds, or a message to show the user as is. */
export type DurationParse = { ok: true; ms: number } | { ok: false; message: string };

// Components in descending order, each at most once: '1h30m', '2m30s', '1s500ms', '1.5m'.
const DURATION = /^(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m(?!s))?\s*(?:(\d+(?:\.\d+)?)s)?\s*(?:(\d+(?:\.\d+)?)ms)?$/;
const SECONDS = /^\d+(?:\.\d+)?$/;
const UNIT_MS = [3_600_000, 60_000, 1000, 1] as const;

/**
 * Parses a duration into milliseconds, never throwing: a number (or a numeric string, as a command-line
 * flag arrives) is seconds; a string is one or more of `<n>h`, `<n>m`, `<n>s`, `<n>ms` in that order.
 * Negative, non-finite and empty inputs are rejected.
 */
export function tryParseDuration(input: unknown): DurationParse {
  const invalid: DurationParse = {
    ok: false,
    message: `${describeValue(input)} is not a duration: use a number of seconds or e.g. '30s', '10m', '1h'`,
  };
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? { ok: true, ms: input * 1000 } : invalid;
  }
  if (typeof input !== 'string') return invalid;
  const text = input.trim();
  if (SECONDS.test(text)) return { ok: true, ms: Number(text) * 1000 };
  const match = text === '' ? null : DURATION.exec(text);
  if (!match) return invalid;
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const amount = match[i + 1];
    if (amount !== undefined) ms += Number(amount) * UNIT_MS[i]!;
  }
  return { ok: true, ms };
}

/** Parses a duration into milliseconds (see {@link tryParseDuration}); throws an Error with the user-facing message. */
export function parseDuration(input: DurationInput): number {
  const parsed = tryParseDuration(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.ms;
}

/**
 * A short display form in the syntax {@link parseDuration} reads: '250ms', '1.5s', '45s', '1m30s', '1h',
 * '2h5m'. Sub-second values keep whole milliseconds, under a minute one decimal of seconds, longer whole
 * seconds.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 60) return `${seconds}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

/** How a value is quoted in messages: strings in single quotes, everything else as JavaScript would print it. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}
