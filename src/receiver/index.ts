/**
 * Loadlens's own OTLP/HTTP receiver and bounded trace store: the default platform the extension
 * embeds when no endpoint is configured, and the receiver the integration tests export to.
 */
export { startOtlpReceiver } from './receiver.ts';
export { Forwarder, forwardUrlProblem } from './forward.ts';
export type { ForwardCounts, ForwarderOptions } from './forward.ts';
export { startReceiverWorker } from './worker-client.ts';
export type { ReceiverWorker, ReceiverWorkerOptions } from './worker-client.ts';
export type { OtlpReceiver, OtlpReceiverOptions, SpanMatcher } from './receiver.ts';
export type { ReceiverCounts, TraceStoreStats } from '../shared/spans.ts';
export { DEFAULT_BUDGET_BYTES, TraceStore } from './trace-store.ts';
export { MetricStore } from './metric-store.ts';
export { DEFAULT_SPAN_LIMITS, limitSpan, spanBytes, truncationMarker } from './span-size.ts';
export type { SpanLimits } from './span-size.ts';
export type { Disposable, TraceStoreOptions, TraceSummary } from './trace-store.ts';
export type { MetricStoreOptions } from './metric-store.ts';
export { countLogRecords, decodeMetrics, decodeTraces, OtlpDecodeError } from './decode.ts';
export type { OtlpEncoding } from './decode.ts';
export * from './types.ts';
