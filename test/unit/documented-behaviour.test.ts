// What three doc comments say, held to: the HTTP timeout is one timer over the whole request; the
// CodeLens's scenario locator sees fewer scenarios than the loader runs; and the application under
// test follows the engine's sampling decision through the traceparent's flag instead of recomputing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT_CONTEXT, SpanKind, defaultTextMapGetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ParentBasedSampler, SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { createHttpClient, type Response as RequestRecord } from '../../src/engine/run/http.ts';
import { loadScenarioFile } from '../../src/engine/scenario/loader.ts';
import { startTelemetry } from '../../src/engine/telemetry/telemetry.ts';
import { findScenarios } from '../../src/shared/scenario-locator.ts';

test('http timeout: one timer over the whole request, however steadily the body arrives', async () => {
  // Headers at once, then a chunk every 40 ms for 3 s: no gap comes near the 600 ms timeout.
  const server = http.createServer((req, res) => {
    if (req.url === '/warm') return void res.end('ok');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      res.write('chunk\n');
      if (++sent === 75) {
        clearInterval(timer);
        res.end();
      }
    }, 40);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const recorded: RequestRecord[] = [];
  const client = createHttpClient({ baseUrl, userId: 1, timeoutMs: 600, sink: record => recorded.push(record) });
  try {
    // The connection is opened (and the code paths warmed) first, so the measured request only trickles.
    await client.get('/warm');
    await client.get('/trickle');
    const response = recorded[1]!;
    const seen = JSON.stringify({ error: response.error, bytes: response.bytes, ms: Math.round(response.durationMs), ttfbMs: Math.round(response.ttfbMs) });
    assert.equal(response.error, 'timeout', seen);
    assert.ok(response.bytes > 0, `the body was arriving when the timer fired: ${seen}`);
    assert.ok(response.durationMs >= 595 && response.durationMs < 2500, `ended at the timeout, not with the body (3 s): ${seen}`);
  } finally {
    await client.destroy();
    server.closeAllConnections();
    server.close();
  }
});

test('scenario locator: as wide as the loader: a scenario exported by name gets its CodeLens too (see scenario-agreement.test.ts)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-locator-'));
  const file = path.join(dir, 'exported-later.load.ts');
  const text = `import { scenario } from 'loadlens';
export const direct = scenario({ host: 'http://127.0.0.1:9' }, async () => {});
const byName = scenario({ host: 'http://127.0.0.1:9' }, async () => {});
export { byName };
`;
  writeFileSync(file, text);
  const loaded = await loadScenarioFile(file);
  assert.ok(loaded.ok, JSON.stringify(loaded));
  assert.deepEqual(loaded.scenarios.map(s => s.exportName).sort(), ['byName', 'direct']);
  assert.deepEqual(findScenarios(text).map(s => [s.name, s.line]), [['direct', 1], ['byName', 2]]);
});

test("sampling: the application follows the traceparent's sampled flag (ParentBased), not its own ratio", () => {
  const telemetry = startTelemetry({
    runId: 'run-flags', scenario: 'shopper', file: '/work/shop.load.ts', activeUsers: () => 0,
    env: { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
  });
  const propagator = new W3CTraceContextPropagator();
  // The application's SDK with its default sampler, configured with a different ratio than the engine's.
  const downstream = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) });
  const standalone = new TraceIdRatioBasedSampler(0.01);
  let sampledByEngine = 0;
  let standaloneAgrees = 0;
  for (let i = 0; i < 400; i++) {
    const traced = telemetry.tracer.start('GET', '/product/{id}', new URL('http://127.0.0.1:8080/product/1'), 1);
    const flagSampled = traced.headers.traceparent!.endsWith('-01');
    const parent = propagator.extract(ROOT_CONTEXT, traced.headers, defaultTextMapGetter);
    const decide = (sampler: ParentBasedSampler | TraceIdRatioBasedSampler) =>
      sampler.shouldSample(parent, trace.getSpanContext(parent)!.traceId, 'GET /product/:id', SpanKind.SERVER, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED;
    assert.equal(decide(downstream), flagSampled, traced.headers.traceparent);
    if (flagSampled) sampledByEngine++;
    if (decide(standalone) === flagSampled) standaloneAgrees++;
    traced.end();
  }
  assert.ok(sampledByEngine > 140 && sampledByEngine < 260, `${sampledByEngine} of 400 sampled at 0.5`);
  // A sampler that recomputed from the id with its own ratio would not make the engine's decision.
  assert.ok(standaloneAgrees < 300, `a standalone ratio sampler agreed on ${standaloneAgrees} of 400`);
  void telemetry.shutdown();
});
