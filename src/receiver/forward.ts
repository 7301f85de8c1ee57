/**
 * Passes what the receiver accepted on to the user's own platform, unchanged: the same path
 * (`/v1/traces`, ...), the same body bytes (still gzipped when they came gzipped) and the same headers
 * (an exporter's API key included), so Loadlens's breakdown and the user's platform are never
 * either-or.
 *
 * It never blocks the receiver: `offer` only queues. The queue is bounded in requests and bytes; what
 * does not fit is dropped and counted, as are the requests the platform refused or that failed, with
 * the last reason (never a header: they may hold secrets).
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { ForwardCounts } from '../shared/receiver-summary.ts';

export type { ForwardCounts };

export interface ForwarderOptions {
  /** Base URL, as OTEL_EXPORTER_OTLP_ENDPOINT: each request's path (`/v1/traces`) is appended. */
  url: string;
  /** Requests waiting at most; more are dropped. Default 256. */
  maxQueuedRequests?: number;
  /** Bytes waiting at most; more are dropped. Default 32 MiB. */
  maxQueuedBytes?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** One request's limit. Default 10 s. */
  timeoutMs?: number;
}

interface Queued {
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Hop-by-hop headers and those the new request sets itself. */
const NOT_FORWARDED = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'proxy-authorization', 'proxy-connection']);

/** Checks a forward URL: undefined when it is fine, else what is wrong with it. */
export function forwardUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${url}' is not a URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `'${url}' must start with http:// or https://`;
  if (parsed.search !== '' || parsed.hash !== '') return `'${url}' must have no query or fragment`;
  return undefined;
}

export class Forwarder {
  private readonly base: URL;
  private readonly maxQueuedRequests: number;
  private readonly maxQueuedBytes: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly agent: http.Agent;
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  private inFlight = 0;
  private readonly counts: Omit<ForwardCounts, 'pending' | 'url'> = { forwarded: 0, failed: 0, dropped: 0 };
  private idle: Array<() => void> = [];
  private closed = false;

  constructor(options: ForwarderOptions) {
    const problem = forwardUrlProblem(options.url);
    if (problem) throw new TypeError(problem);
    this.base = new URL(options.url.replace(/\/+$/, ''));
    this.maxQueuedRequests = options.maxQueuedRequests ?? 256;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 32 * 1024 * 1024;
    this.concurrency = options.concurrency ?? 4;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const Agent = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: this.concurrency });
  }

  /** Queues one accepted request (its path, headers and body as received); never waits. */
  offer(path: string, headers: IncomingHttpHeaders, body: Buffer): void {
    if (this.closed) return;
    if (this.queue.length >= this.maxQueuedRequests || this.queuedBytes + body.length > this.maxQueuedBytes) {
      this.counts.dropped++;
      return;
    }
    const forwarded: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined && !NOT_FORWARDED.has(name)) forwarded[name] = value;
    }
    this.queue.push({ path, headers: forwarded, body });
    this.queuedBytes += body.length;
    this.pump();
  }

  stats(): ForwardCounts {
    return { url: this.base.href.replace(/\/$/, ''), ...this.counts, pending: this.queue.length + this.inFlight };
  }

  /** Resolves once nothing is waiting or in flight, or after `timeoutMs` (what is left is counted as dropped by `close`). */
  drain(timeoutMs = 5000): Promise<void> {
    if (this.queue.length + this.inFlight === 0) return Promise.resolve();
    return new Promise(resolve => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.idle.push(done);
    });
  }

  /** Drops what is still queued (counted), and closes the connections. */
  close(): void {
    this.closed = true;
    this.counts.dropped += this.queue.length;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.agent.destroy();
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.queuedBytes -= next.body.length;
      this.inFlight++;
      void this.send(next).then(error => {
        this.inFlight--;
        if (error === undefined) this.counts.forwarded++;
        else {
          this.counts.failed++;
          this.counts.lastError = error;
        }
        this.pump();
        if (this.queue.length + this.inFlight === 0) {
          const waiting = this.idle;
          this.idle = [];
          for (const resolve of waiting) resolve();
        }
      });
    }
  }

  /** Sends one request; resolves with why it failed, or undefined. */
  private send(item: Queued): Promise<string | undefined> {
    const target = new URL(`${this.base.pathname.replace(/\/$/, '')}${item.path}`, this.base);
    const client = target.protocol === 'https:' ? https : http;
    return new Promise(resolve => {
      const request = client.request(target, {
        method: 'POST',
        agent: this.agent,
        headers: { ...item.headers, 'content-length': String(item.body.length) },
        timeout: this.timeoutMs,
      }, response => {
        response.resume();
        response.on('end', () => resolve(response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300 ? undefined : `HTTP ${response.statusCode}`));
        response.on('error', error => resolve((error as NodeJS.ErrnoException).code ?? error.message));
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      request.on('error', error => resolve((error as NodeJS.ErrnoException).code ?? error.message));
      request.end(item.body);
    });
  }
}
