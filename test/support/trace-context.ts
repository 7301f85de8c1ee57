/** W3C trace context values for tests that play the caller of an instrumented service. */
import { randomBytes } from 'node:crypto';

/** 32 hex digits, never all zeros (an invalid id that a propagator would ignore). */
export function randomTraceId(): string {
  return nonZeroHex(16);
}

/** 16 hex digits, never all zeros. */
export function randomSpanId(): string {
  return nonZeroHex(8);
}

/** A sampled version-00 `traceparent` header: 00-<trace id>-<parent span id>-01. */
export function traceparent(traceId: string, parentSpanId: string): string {
  return `00-${traceId}-${parentSpanId}-01`;
}

function nonZeroHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex');
    if (/[^0]/.test(hex)) return hex;
  }
}
