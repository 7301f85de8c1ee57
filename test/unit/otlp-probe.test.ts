// "Test OTel Connection": the probe against loopback servers this test starts, one per outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { classifyNetworkError, probeOtlpTraces } from '../../src/extension/otel/otlp-probe.ts';
import { startOtlpReceiver } from '../../src/receiver/index.ts';

async function serve(handler: http.RequestListener): Promise<{ url: string; seen: http.IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise(resolve => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const TOKEN = 'probe-secret-7f3a';

test('probe: a real receiver accepts the span: OK with the round trip, and the span decodes with its service name', async () => {
  const receiver = await startOtlpReceiver({ port: 0 });
  try {
    const result = await probeOtlpTraces({ url: `${receiver.url}/v1/traces`, headers: { 'x-sf-token': TOKEN }, serviceName: 'probe-service' });
    assert.equal(result.outcome, 'ok');
    assert.equal(result.status, 200);
    assert.ok(result.roundTripMs >= 0 && result.roundTripMs < 5000, `${result.roundTripMs} ms`);
    assert.match(result.message, new RegExp(`^OK: ${receiver.url}/v1/traces accepted the probe span \\(HTTP 200\\) in \\d+ ms\\.$`));
    const [span] = await receiver.waitForSpans(1, 2000);
    assert.equal(span!.traceId, result.traceId);
    assert.equal(span!.name, 'loadlens connection test');
    assert.equal(span!.resource['service.name'], 'probe-service');
    // Every field the probe writes, as the receiver decodes it from the engine's ProtoWriter's bytes.
    assert.match(span!.spanId, /^[0-9a-f]{16}$/);
    assert.equal(span!.kindName, 'INTERNAL');
    assert.deepEqual(span!.scope, { name: 'loadlens', version: '' });
    assert.deepEqual(span!.attributes, { 'loadlens.probe': 'true' });
    assert.equal(BigInt(span!.endTimeUnixNano) - BigInt(span!.startTimeUnixNano), 1_000_000n);
    assert.ok(Math.abs(Number(BigInt(span!.startTimeUnixNano) / 1_000_000n) - Date.now()) < 60_000, 'start is now, in ns');
    assert.ok(!result.message.includes(TOKEN));
  } finally {
    await receiver.close();
  }
});

test('probe: the headers are sent with the request', async () => {
  const server = await serve((_req, res) => res.end());
  try {
    const result = await probeOtlpTraces({ url: `${server.url}/v1/traces`, headers: { 'X-SF-TOKEN': TOKEN } });
    assert.equal(result.outcome, 'ok');
    assert.equal(server.seen[0]!['x-sf-token'], TOKEN);
    assert.equal(server.seen[0]!['content-type'], 'application/x-protobuf');
  } finally {
    await server.close();
  }
});

const answers: Array<{ status: number; outcome: string; message: RegExp }> = [
  { status: 401, outcome: 'unauthorized', message: /^HTTP 401 from http:\/\/127\.0\.0\.1:\d+\/v1\/traces: the endpoint refused the credentials\. Check the token/ },
  { status: 403, outcome: 'unauthorized', message: /^HTTP 403 .*Check the token/ },
  { status: 404, outcome: 'not-found', message: /^HTTP 404 from .*: wrong path\. OTLP\/HTTP takes traces at \/v1\/traces/ },
  { status: 415, outcome: 'http-error', message: /^HTTP 415 from .*: use protobuf\.$/ },
];
for (const { status, outcome, message } of answers) {
  test(`probe: HTTP ${status} → ${outcome}`, async () => {
    const server = await serve((_req, res) => {
      res.statusCode = status;
      res.end(status === 415 ? 'use protobuf' : `nope ${TOKEN}`);
    });
    try {
      const result = await probeOtlpTraces({ url: `${server.url}/v1/traces`, headers: { 'x-sf-token': TOKEN } });
      assert.equal(result.outcome, outcome);
      assert.equal(result.status, status);
      assert.match(result.message, message);
      assert.ok(!result.message.includes(TOKEN), 'no header value in the message');
    } finally {
      await server.close();
    }
  });
}

test('probe: a port nobody listens on → connection refused', async () => {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>(resolve => server.close(() => resolve()));
  const result = await probeOtlpTraces({ url: `http://127.0.0.1:${port}/v1/traces` });
  assert.equal(result.outcome, 'refused');
  assert.equal(result.message, `Connection refused: nothing listens on http://127.0.0.1:${port}. Is the collector running, and is the port right?`);
});

test('probe: https:// to a plain HTTP port → TLS error', async () => {
  const server = await serve((_req, res) => res.end());
  try {
    const result = await probeOtlpTraces({ url: `${server.url.replace('http:', 'https:')}/v1/traces` });
    assert.equal(result.outcome, 'tls');
    assert.match(result.message, /^TLS error talking to https:\/\/127\.0\.0\.1:\d+ \(/);
  } finally {
    await server.close();
  }
});

test('probe: a server that never answers → timeout after the limit', async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer(socket => sockets.push(socket));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  try {
    const started = Date.now();
    const result = await probeOtlpTraces({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, timeoutMs: 300 });
    assert.equal(result.outcome, 'timeout');
    assert.ok(Date.now() - started >= 290 && Date.now() - started < 3000);
    assert.match(result.message, /^Timeout: http:\/\/127\.0\.0\.1:\d+ did not answer within 300 ms/);
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
});

test('probe: a host name that does not resolve → DNS failure (resolution answered locally, no network)', async () => {
  const lookup: net.LookupFunction = (hostname, _options, callback) => {
    const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    process.nextTick(() => callback(error, '', 4));
  };
  const result = await probeOtlpTraces({ url: 'https://collector.example.invalid/v1/traces', lookup });
  assert.equal(result.outcome, 'dns');
  assert.equal(result.message, "DNS failure: the host name 'collector.example.invalid' does not resolve (ENOTFOUND). Check the endpoint's host name.");
});

test('probe: network error codes', () => {
  const cases: Array<[string, string]> = [
    ['ENOTFOUND', 'dns'], ['EAI_AGAIN', 'dns'], ['ECONNREFUSED', 'refused'], ['ETIMEDOUT', 'timeout'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'], ['CERT_HAS_EXPIRED', 'tls'], ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'], ['EPROTO', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'], ['ECONNRESET', 'network'],
  ];
  for (const [code, outcome] of cases) assert.equal(classifyNetworkError(Object.assign(new Error(code), { code })), outcome, code);
});

test('probe: credentials in the URL are sent but never shown', async () => {
  const server = await serve((_req, res) => { res.statusCode = 401; res.end(); });
  try {
    const url = `${server.url.replace('http://', `http://user:${TOKEN}@`)}/v1/traces`;
    const result = await probeOtlpTraces({ url });
    assert.equal(result.outcome, 'unauthorized');
    assert.equal(server.seen[0]!.authorization, `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`);
    assert.ok(!result.message.includes(TOKEN) && !result.url.includes(TOKEN));
    assert.match(result.message, /^HTTP 401 from http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1\/traces/);
  } finally {
    await server.close();
  }
});
