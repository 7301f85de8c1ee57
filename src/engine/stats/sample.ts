// What the engine's HTTP client hands the statistics for each request: its own file, so that index.ts
// and row.ts both read it without importing each other.

/** One finished HTTP request as the engine's HTTP client measured it. */
export interface RequestSample {
  method: string;
  name: string;
  /** Epoch ms. */
  startedAt: number;
  durationMs: number;
  ttfbMs: number;
  /** > 0 only when this request opened a new connection. */
  connectMs: number;
  newConnection: boolean;
  /** Response body bytes. */
  bytes: number;
  /** The body outgrew maxBodyBytes: read to its end and counted, but not kept. */
  bodyTruncated?: boolean;
  /** 0 = no response. */
  status: number;
  /** Failure kind when the request failed: 'HTTP 500', 'ECONNREFUSED', 'timeout', ... (undefined = success). */
  error?: string;
  traceId?: string;
}
