/**
 * What the shop and the inventory service share: plain node:http plumbing (JSON replies, bounded
 * bodies, listening) and a sleep that is a floor, not an estimate.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 64 * 1024;

export interface Reply {
  status: number;
  body: unknown;
}

export interface Listening {
  /** e.g. 'http://127.0.0.1:43567' */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish, then closes idle keep-alive connections. */
  close(): Promise<void>;
}

/**
 * Listens with node:http loaded through require, at call time, so that OpenTelemetry's require hook
 * (installed by `--require @opentelemetry/auto-instrumentations-node/register` before this runs)
 * patches it; an ESM `import` of a builtin bypasses that hook.
 */
export async function listen(handler: RequestListener, port: number, host: string): Promise<Listening> {
  const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

export function send(response: ServerResponse, reply: Reply): void {
  const payload = Buffer.from(JSON.stringify(reply.body));
  response.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
  response.end(payload);
}

/** The body as text, or undefined (the rest discarded) past MAX_BODY_BYTES. */
export function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
    request.on('error', reject);
  });
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number ≥ 0, got ${value}`);
  return value;
}

/** Waits at least `ms`: a timer alone may fire a millisecond early, and the latency knobs are floors. */
export async function sleep(ms: number): Promise<void> {
  const end = performance.now() + ms;
  for (let left = ms; left > 0; left = end - performance.now()) {
    await new Promise(resolve => setTimeout(resolve, Math.ceil(left)));
  }
}
