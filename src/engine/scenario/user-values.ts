/**
 * Values that come from scenario code and must never break the engine: whatever a scenario throws is
 * described safely, and the durations it passes to `sleep` are read as the options' are.
 */
import { describeValue, tryParseDuration, type DurationInput } from '../../shared/duration.ts';
import { MAX_TIMER_MS, tooLongForTimers } from './option-problems.ts';

/**
 * A thrown value as one line of text, whatever it is: an Error's message, a string, a number, and also
 * values whose own `String()` throws (`Object.create(null)`, a Proxy, a `toString` that throws), which
 * would otherwise turn one bad throw into an engine failure. Never throws.
 */
export function describeThrown(value: unknown): string {
  try {
    if (value instanceof Error) return String(value.message);
    return String(value);
  } catch {
    // No usable toString: say what kind of value it was.
    try {
      if (value !== null && typeof value === 'object') {
        return Object.getPrototypeOf(value) === null ? 'a thrown object without a prototype (it has no text)' : 'a thrown object whose toString() throws';
      }
    } catch { /* a revoked Proxy: nothing can be asked of it */ }
    return 'a thrown value that cannot be turned into text';
  }
}

/**
 * Whether `value` is an instance of `type`, never throwing (`instanceof` on a revoked Proxy does).
 */
export function safeInstanceOf<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

/**
 * The milliseconds of a scenario's `sleep(duration)`: a number of seconds, or a duration as the options
 * take it ('1s', '250ms', '1m30s'). NaN, a negative value, a string that is no duration, or more than
 * the timers hold throw at the call (so the iteration error points at the scenario's line) instead of
 * sleeping 1 ms as Node's setTimeout would.
 */
export function sleepMs(duration: DurationInput): number {
  const parsed = tryParseDuration(duration);
  if (!parsed.ok) {
    const negative = typeof duration === 'number' && duration < 0;
    throw new RangeError(negative ? `sleep: ${describeValue(duration)} is negative: sleep takes seconds >= 0 or a duration such as '1s', '250ms'` : `sleep: ${parsed.message}`);
  }
  if (parsed.ms > MAX_TIMER_MS) throw new RangeError(tooLongForTimers('sleep', duration));
  return parsed.ms;
}
