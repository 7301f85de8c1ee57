/**
 * HDR histograms of latencies, as the stats (src/engine/stats) and the breakdown of received spans
 * (src/shared/breakdown) use them.
 *
 * Values are recorded in integer MICROseconds: a request on loopback takes 100-300 µs, so whole
 * milliseconds would put most of them in one bucket, while µs keep sub-ms precision and stay integers
 * (HDR records integers). Callers speak milliseconds; the conversion lives here only.
 *
 * Two precisions, because memory is 3 histograms × up to a few hundred rows:
 * - durations (shown as p50…p99 and used by thresholds): 3 significant digits, so a reported
 *   percentile is at most 0.1 % above the true value (≈ 50-65 KB per histogram for values up to 1-30 s);
 * - time to first byte and connect time (only their averages are shown today): 2 significant digits,
 *   at most 0.8 % high (≈ 9-11 KB).
 * All histograms start small and auto-resize to the largest value seen, so a row of fast requests
 * stays small.
 *
 * Plain JS histograms (not `useWebAssembly`): measured on this machine, wasm records in 30 ns instead
 * of 47 ns, but that is ~0.1 µs per request against tens of µs for the request itself, and wasm
 * histograms hold memory outside the JS heap until `destroy()` is called by hand.
 */
import { Int32Histogram, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/** A JS (not wasm) HDR histogram with 32-bit counts: `percentilesMs` reads its counts array directly. */
export type LatencyHistogram = Int32Histogram;

function newHistogram(significantDigits: number): LatencyHistogram {
  const histogram = new Int32Histogram(1, 2048, significantDigits);
  histogram.autoResize = true;
  return histogram;
}

/** A histogram of request or group durations (µs, 3 significant digits). */
export function newDurationHistogram(): LatencyHistogram {
  return newHistogram(3);
}

/** A histogram of a secondary timing, time to first byte or connect (µs, 2 significant digits). */
export function newDetailHistogram(): LatencyHistogram {
  return newHistogram(2);
}

/** Milliseconds to the recorded unit; negative or non-numeric durations (a clock step) count as 0. */
export function toMicros(ms: number): number {
  return ms > 0 ? Math.round(ms * 1000) : 0;
}

/**
 * The values (ms) at several percentiles (0 < p ≤ 100, ascending) in ONE walk over the counts, with
 * the same result as hdr's `getValueAtPercentile` (which walks from the start for each percentile:
 * four of them cost four walks of up to 50k buckets per row per snapshot). Zeros when empty.
 */
export function percentilesMs(histogram: LatencyHistogram, percentiles: readonly number[]): number[] {
  const values = percentiles.map(() => 0);
  const total = histogram.totalCount;
  if (total === 0) return values;
  // The count each percentile needs, rounded up like hdr does (guarding against 1-ulp float error).
  const targets = percentiles.map(p => {
    const fpCount = (Math.min(p, 100) / 100) * total;
    return Math.max(Math.ceil(fpCount - 2 ** (Math.floor(Math.log2(fpCount)) - 52)), 1);
  });
  // `_counts` is the histogram's public counts array: reading it in a tight loop is several times
  // faster than a `getCountAtIndex` call per bucket. Index 0 holds the zeros; buckets from there to
  // the smallest non-zero value are empty and skipped.
  const counts = histogram._counts;
  let countToIndex = counts[0] ?? 0;
  let found = 0;
  while (found < targets.length && countToIndex >= (targets[found] ?? Infinity)) found++; // stays 0
  if (found === targets.length) return values;
  for (let index = Math.max(1, histogram.countsArrayIndex(histogram.minNonZeroValue)); index < histogram.countsArrayLength; index++) {
    countToIndex += counts[index] ?? 0;
    while (found < targets.length && countToIndex >= (targets[found] ?? Infinity)) {
      values[found] = histogram.highestEquivalentValue(histogram.valueFromIndex(index)) / 1000;
      found++;
    }
    if (found === targets.length) break;
  }
  return values;
}

/** Rounds ms to whole µs, the precision of what was recorded (keeps JSON short and stable). */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** HDR's compressed base64 form; '' for a histogram that does not exist or holds nothing. */
export function encodeHistogram(histogram: Histogram | undefined): string {
  return histogram === undefined || histogram.totalCount === 0 ? '' : encodeIntoCompressedBase64(histogram);
}

/** The inverse of `encodeHistogram`: undefined for ''. */
export function decodeHistogram(encoded: string): LatencyHistogram | undefined {
  if (encoded === '') return undefined;
  const histogram = decodeFromCompressedBase64(encoded, 32, false);
  // hdr decodes 32-bit JS histograms into this class; the check keeps the type honest without a cast.
  if (!(histogram instanceof Int32Histogram)) throw new Error('hdr-histogram-js decoded an unexpected histogram class');
  return histogram;
}
