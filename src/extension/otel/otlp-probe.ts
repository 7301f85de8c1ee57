/**
 * "Loadlens: Test OTel Connection": one probe span, OTLP/protobuf over HTTP(S), POSTed to the traces
 * endpoint with the configured headers, and what happened in words a user can act on. It runs in the
 * extension host (it does I/O, so it is not in src/shared) but is plain Node, no `vscode`: the tests run
 * it against loopback servers they start.
 *
 * Header values are secrets: no result message contains one.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { displayUrl } from '../../shared/otel-environment.ts';
import { key, LENGTH_DELIMITED, ProtoWriter, VARINT, FIXED64 } from '../../engine/telemetry/proto-writer.ts';

/** What the probe found, from the user's side: each outcome says what to fix. */
export type ProbeOutcome = 'ok' | 'dns' | 'refused' | 'tls' | 'unauthorized' | 'not-found' | 'timeout' | 'http-error' | 'network';

export interface ProbeResult {
  outcome: ProbeOutcome;
  /** The traces URL probed (any user and password in it replaced by ***). */
  url: string;
  /** The HTTP status, when the endpoint answered. */
  status?: number;
  /** Time from sending the request to the end of the answer, or to the failure. */
  roundTripMs: number;
  /** One sentence for the user: what happened and what to do. */
  message: string;
  /** The trace id of the probe span (hex), to look it up in the platform. */
  traceId: string;
}

export interface ProbeOptions {
  /** Full traces URL, e.g. 'http://127.0.0.1:4318/v1/traces'. */
  url: string;
  /** Sent with the request (secrets: never in the result). */
  headers?: Readonly<Record<string, string>>;
  /** Default 5000. */
  timeoutMs?: number;
  /** `service.name` of the probe span's resource. */
  serviceName?: string;
  /** Name resolution; Node's by default (tests give one that fails, to stay off the network). */
  lookup?: LookupFunction;
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|EPROTO$|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT(_LOCALLY)?)$|HOSTNAME_MISMATCH$)/;

/**
 * The outcome for a request that failed before any answer, from Node's error code. Exported for the
 * table test of codes that no loopback server can produce.
 */
export function classifyNetworkError(error: NodeJS.ErrnoException): ProbeOutcome {
  const code = error.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (TLS_CODES.test(code) || /\b(SSL|TLS)\b|certificate/i.test(error.message)) return 'tls';
  return 'network';
}

/** The outcome for an HTTP answer. */
export function classifyStatus(status: number): ProbeOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not-found';
  return 'http-error';
}

function sentence(outcome: ProbeOutcome, endpoint: URL, detail: { status?: number; ms: number; code?: string; body?: string }): string {
  // Credentials in the URL (https://user:token@host) are secrets too.
  const url = new URL(displayUrl(endpoint.href));
  const where = `${url.protocol}//${url.host}`;
  switch (outcome) {
    case 'ok':
      return `OK: ${url.href} accepted the probe span (HTTP ${detail.status}) in ${detail.ms} ms.`;
    case 'dns':
      return `DNS failure: the host name '${url.hostname}' does not resolve (${detail.code}). Check the endpoint's host name.`;
    case 'refused':
      return `Connection refused: nothing listens on ${where}. Is the collector running, and is the port right?`;
    case 'tls':
      return `TLS error talking to ${where} (${detail.code ?? 'handshake failed'}): ${url.protocol === 'https:' ? 'the certificate is not trusted or the port does not speak TLS' : 'check http:// versus https://'}.`;
    case 'unauthorized':
      return `HTTP ${detail.status} from ${url.href}: the endpoint refused the credentials. Check the token ("Loadlens: Set OTLP Headers…").`;
    case 'not-found':
      return `HTTP 404 from ${url.href}: wrong path. OTLP/HTTP takes traces at /v1/traces; loadlens.otel.endpoint is the base URL (the path is appended), loadlens.otel.tracesEndpoint the full URL.`;
    case 'timeout':
      return `Timeout: ${where} did not answer within ${detail.ms} ms (a firewall, or a collector that is stuck).`;
    case 'http-error':
      return `HTTP ${detail.status} from ${url.href}${detail.body ? `: ${detail.body}` : ''}.`;
    case 'network':
      return `Network error talking to ${where} (${detail.code ?? 'unknown'}).`;
  }
}

/** Sends one probe span and says what happened. Never throws: every failure is a result. */
export async function probeOtlpTraces(options: ProbeOptions): Promise<ProbeResult> {
  const traceId = randomBytes(16);
  const url = new URL(options.url);
  const timeoutMs = options.timeoutMs ?? 5000;
  const body = encodeProbeSpan(traceId, randomBytes(8), options.serviceName ?? 'loadlens', Date.now());
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const finish = (outcome: ProbeOutcome, detail: { status?: number; code?: string; body?: string }): ProbeResult => {
    const ms = outcome === 'timeout' ? timeoutMs : elapsed();
    return { outcome, url: displayUrl(url.href), ...(detail.status !== undefined ? { status: detail.status } : {}), roundTripMs: ms, message: sentence(outcome, url, { ...detail, ms }), traceId: traceId.toString('hex') };
  };
  return new Promise<ProbeResult>(resolve => {
    const transport = url.protocol === 'https:' ? https : http;
    let settled = false;
    const settle = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = transport.request(url, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/x-protobuf', 'content-length': body.length },
      agent: false,
      ...(options.lookup ? { lookup: options.lookup } : {}),
    }, response => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        // Keep a short, printable start of an error body: collectors explain a 400 or a 415 there.
        if (size < 200) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const outcome = classifyStatus(status);
        const text = outcome === 'http-error' ? Buffer.concat(chunks).toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 160) : undefined;
        settle(finish(outcome, { status, ...(text ? { body: text } : {}) }));
      });
      response.on('error', error => settle(finish(classifyNetworkError(error), { code: (error as NodeJS.ErrnoException).code })));
    });
    const timer = setTimeout(() => {
      settle(finish('timeout', {}));
      request.destroy();
    }, timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => settle(finish(classifyNetworkError(error), { code: error.code })));
    request.end(body);
  });
}

/**
 * ExportTraceServiceRequest { resource_spans { resource, scope_spans { scope, spans: [one INTERNAL span] } } }
 * (opentelemetry-proto field numbers), written with the engine's ProtoWriter.
 */
export function encodeProbeSpan(traceId: Buffer, spanId: Buffer, serviceName: string, nowMs: number): Buffer {
  const writer = new ProtoWriter(256);
  const message = (field: number, body: () => void) => {
    writer.byte(key(field, LENGTH_DELIMITED));
    const mark = writer.begin();
    body();
    writer.end(mark);
  };
  const text = (field: number, value: string) => {
    writer.byte(key(field, LENGTH_DELIMITED));
    writer.string(value);
  };
  const bytes = (field: number, value: Buffer) => {
    writer.byte(key(field, LENGTH_DELIMITED));
    writer.varint(value.length);
    writer.raw(value);
  };
  // KeyValue { key, value: AnyValue { string_value } }
  const stringAttribute = (field: number, name: string, value: string) => message(field, () => {
    text(1, name);
    message(2, () => text(1, value));
  });
  message(1, () => { // resource_spans
    message(1, () => stringAttribute(1, ATTR_SERVICE_NAME, serviceName)); // resource { attributes }
    message(2, () => { // scope_spans
      message(1, () => text(1, 'loadlens')); // scope { name }
      message(2, () => { // spans
        bytes(1, traceId); // trace_id
        bytes(2, spanId); // span_id
        text(5, 'loadlens connection test'); // name
        writer.byte(key(6, VARINT)); // kind: INTERNAL
        writer.byte(1);
        writer.byte(key(7, FIXED64)); // start_time_unix_nano
        writer.epochNanos(nowMs);
        writer.byte(key(8, FIXED64)); // end_time_unix_nano
        writer.epochNanos(nowMs + 1);
        stringAttribute(9, 'loadlens.probe', 'true');
      });
    });
  });
  return writer.finish();
}
