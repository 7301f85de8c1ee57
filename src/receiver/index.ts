/**
 * Loadlens's own OTLP/HTTP receiver and bounded trace store: the default platform the extension
 * embeds when no endpoint is configured, and the receiver the integration tests export to.
 */
export { startOtlpReceiver } from './receiver.ts';
export { Forwarder, forwardUrlProblem } from './forward.ts';
export type { ForwardCounts, ForwarderOptions } from './forward.ts';
export { startReceiverWorker } from './worker-client.ts';
export type { ReceiverWorker, ReceiverWorkerOptions } from './worker-client.ts';
export type { OtlpReceiver, OtlpReceiverOptions, ReceiverCounts, SpanMatcher } from './receiver.ts';
export { DEFAULT_BUDGET_BYTES, MetricStore, TraceStore } from './trace-store.ts';
export { DEFAULT_SPAN_LIMITS, limitSpan, spanBytes, truncationMarker } from './span-size.ts';
export type { SpanLimits } from './span-size.ts';
export type { Disposable, MetricStoreOptions, TraceStoreOptions, TraceStoreStats, TraceSummary } from './trace-store.ts';
export { countLogRecords, decodeMetrics, decodeTraces, OtlpDecodeError } from './decode.ts';
export type { OtlpEncoding } from './decode.ts';
export * from './types.ts';
