/**
 * Trace and span ids for the hot path. One `randomFillSync` and one hex conversion serve the ids of
 * 1024 requests, so a request's ids are two slices of a hex string (no system call, no per-id
 * conversion); a ratio sampling decision is taken from the buffer's bytes before any object exists.
 * (The slices keep their 48 KiB pool string alive while a span holds them: a few pools at most.)
 */
import { randomFillSync } from 'node:crypto';

/** Bytes of one request's ids: a 16-byte trace id, then its 8-byte span id. */
const REQUEST_ID_BYTES = 24;
/** Requests served by one refill: 24 KiB, one system call every 1024 requests. */
const REQUESTS_PER_REFILL = 1024;

export class IdSource {
  /** The random bytes; a reservation from `next()` is valid until the following `next()`. */
  readonly bytes: Buffer = Buffer.allocUnsafe(REQUEST_ID_BYTES * REQUESTS_PER_REFILL);
  /** `bytes` in hex, two characters a byte. */
  private hex = '';
  private offset = this.bytes.length;

  /** Reserves the ids of one request; returns their offset in `bytes` (trace id at +0, span id at +16). Ids are never all zeros. */
  next(): number {
    if (this.offset === this.bytes.length) this.refill();
    const at = this.offset;
    this.offset += REQUEST_ID_BYTES;
    return at;
  }

  traceId(at: number): string {
    return this.hex.slice(at * 2, at * 2 + 32);
  }

  spanId(at: number): string {
    return this.hex.slice(at * 2 + 32, at * 2 + 48);
  }

  private refill(): void {
    const bytes = this.bytes;
    randomFillSync(bytes);
    // An all-zero id is invalid (W3C trace context): a chance of 2^-64 at most, but propagation would break.
    for (let at = 0; at < bytes.length; at += REQUEST_ID_BYTES) {
      if (bytes[at] === 0 && allZero(bytes, at, 16)) bytes[at + 15] = 1;
      if (bytes[at + 16] === 0 && allZero(bytes, at + 16, 8)) bytes[at + 23] = 1;
    }
    this.hex = bytes.toString('hex');
    this.offset = 0;
  }

  /** A new span id alone (for child spans, made at export time). */
  nextSpanId(): string {
    return this.spanId(this.next());
  }
}

function allZero(bytes: Buffer, at: number, length: number): boolean {
  for (let i = at; i < at + length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * The decision of the SDK's TraceIdRatioBasedSampler (sdk-trace 3.1) computed from the id's bytes:
 * the four big-endian 32-bit words of the trace id XOR-ed together, compared with ratio × 2^32. Same
 * id, same decision. The application under test does not recompute it: its SDK's default sampler
 * (ParentBased) follows the sampled flag of the `traceparent` the engine sends with the decision.
 */
export function ratioSampler(ratio: number): (bytes: Buffer, at: number) => boolean {
  const upperBound = ratio >= 1 ? 2 ** 32 : Math.floor(Math.max(ratio, 0) * (2 ** 32 - 1));
  return (bytes, at) => {
    // XOR is bytewise: XOR the four words' bytes column by column, then assemble one big-endian word.
    const b0 = bytes[at]! ^ bytes[at + 4]! ^ bytes[at + 8]! ^ bytes[at + 12]!;
    const b1 = bytes[at + 1]! ^ bytes[at + 5]! ^ bytes[at + 9]! ^ bytes[at + 13]!;
    const b2 = bytes[at + 2]! ^ bytes[at + 6]! ^ bytes[at + 10]! ^ bytes[at + 14]!;
    const b3 = bytes[at + 3]! ^ bytes[at + 7]! ^ bytes[at + 11]! ^ bytes[at + 15]!;
    return ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0 < upperBound;
  };
}
