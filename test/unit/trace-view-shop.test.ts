// The trace view's tree from real spans: `loadlens run --otel` (the CLI child) loads the example shop
// (its own process, the official OpenTelemetry Node SDK, failing 40 % of requests on purpose); both
// export OTLP/protobuf to one real receiver; the tree of a failed request's trace is built with the
// view's own code (src/shared/trace-tree.ts) and checked span by span.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/receiver/index.ts';
import type { RunReport } from '../../src/shared/report.ts';
import { buildTraceTree, type TraceRow } from '../../src/shared/trace-tree.ts';
import { startShopProcess, type ShopProcess } from '../support/shop-process.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-trace-view-'));

let receiver: OtlpReceiver;
let shop: ShopProcess;
let report: RunReport;

before(async () => {
  receiver = await startOtlpReceiver({ port: 0 });
  shop = await startShopProcess({ otlpEndpoint: receiver.url, args: ['--latency-ms', '5', '--error-rate', '0.4'] });
  const file = path.join(dir, 'shop.load.ts');
  writeFileSync(file, `
import { scenario, constant } from 'loadlens';
export const product = scenario({ host: '${shop.url}', users: 2, spawnRate: 10, runTime: '1500ms', wait: constant(0.05) }, async ({ http }) => {
  await http.get('/product/42', { name: '/product/{product_id}' });
});`);
  const reportFile = path.join(dir, 'report.json');
  const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), 'run', file, '--otel', '--headless', '--report', reportFile], {
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'loadlens', OTEL_METRICS_EXPORTER: 'none' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', chunk => (stderr += chunk));
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve));
  assert.ok(code === 0 || code === 1, `engine exit ${code}: ${stderr}`);
  report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
});

after(async () => {
  await shop?.stop();
  await receiver?.close();
});

/** Waits (bounded) until the shop's SERVER and INTERNAL spans of `traceId` have arrived: it exports every 200 ms. */
async function completeTrace(traceId: string) {
  await receiver.waitForSpans(() => {
    const kinds = (receiver.store.getTrace(traceId) ?? []).map(s => s.kindName);
    return kinds.includes('CLIENT') && kinds.includes('SERVER') && kinds.includes('INTERNAL');
  }, 10_000);
  return buildTraceTree(traceId, receiver.store.getTrace(traceId) ?? []);
}

/**
 * OpenTelemetry JS anchors each span's clock with Date.now() (whole milliseconds) when the span starts,
 * so two spans of one process can disagree by up to 1 ms: a child may seem to end a little after its
 * parent. Nesting is checked within that.
 */
const CLOCK_ANCHOR_MS = 1;

/**
 * Every row lies within its parent's time span, except where the parent is another process's CLIENT
 * span: instrumentation-http ends a SERVER span on the response's 'finish' event, which the server's
 * event loop may report after the client has already read the answer (on a busy machine, by several
 * ms). There the server's own work (its children, which end before it sends) is checked instead.
 */
function assertWithinParents(rows: readonly TraceRow[]) {
  const end = (row: TraceRow) => row.startOffsetMs + row.durationMs;
  const describe = (row: TraceRow) => `${row.name} [${row.startOffsetMs}, +${row.durationMs}]`;
  for (const row of rows) {
    const parent = rows.find(r => r.spanId === row.parentSpanId);
    if (!parent) continue;
    const where = `${describe(row)} in ${describe(parent)}`;
    assert.ok(row.startOffsetMs >= parent.startOffsetMs - CLOCK_ANCHOR_MS, `starts before its parent: ${where}`);
    if (row.gap) {
      for (const work of rows.filter(r => r.parentSpanId === row.spanId)) {
        assert.ok(end(work) <= end(parent) + CLOCK_ANCHOR_MS, `the server's work ends after its client: ${describe(work)} in ${describe(parent)}`);
      }
      continue;
    }
    assert.ok(end(row) <= end(parent) + CLOCK_ANCHOR_MS, `ends after its parent: ${where}`);
  }
}

test("a failed request's trace: the engine's CLIENT → the shop's SERVER → its INTERNAL span, nested and timed consistently", async () => {
  const failure = report.failures.find(f => f.name === '/product/{product_id}' && f.error === 'HTTP 500');
  assert.ok(failure, `the shop failed some requests: ${JSON.stringify(report.failures)}`);
  const traceId = failure.traceIds.at(-1)!;
  const tree = await completeTrace(traceId);

  // The trace's own rows, without any connect child (present only if this request opened the connection).
  const rows = tree.rows.filter(r => r.name !== 'connect');
  assert.deepEqual(rows.map(r => [r.depth, r.service, r.kind, r.name, r.status]), [
    [0, 'loadlens', 'CLIENT', 'GET /product/{product_id}', 'ERROR'],
    [1, 'shop', 'SERVER', 'GET /product/:id', 'ERROR'],
    [2, 'shop', 'INTERNAL', 'load product', 'ERROR'],
  ]);
  const [client, server, internal] = rows as [TraceRow, TraceRow, TraceRow];
  assert.equal(server.parentSpanId, client.spanId);
  assert.equal(internal.parentSpanId, server.spanId);
  assert.ok(client.startOffsetMs <= CLOCK_ANCHOR_MS, `the CLIENT span starts the trace: +${client.startOffsetMs} ms`);
  assertWithinParents(tree.rows);
  assert.ok(internal.durationMs >= 5, `the handler's injected 5 ms latency is inside its span: ${internal.durationMs} ms`);
  assert.equal(internal.attributes['error.type'], 'injected');
  assert.equal(client.attributes['http.response.status_code'], 500);
  assert.equal(client.attributes['url.full'], `${shop.url}/product/42`);

  // The gap the view spells out: the client's time outside the server's span, split before / after.
  const gap = server.gap!;
  assert.equal(gap.clientSpanId, client.spanId);
  // The time before the server saw the request is real (two clocks of one machine); the time after
  // its span ended can even be negative when the server reports its 'finish' late (see above).
  assert.ok(gap.beforeMs > -CLOCK_ANCHOR_MS, JSON.stringify(gap));
  assert.ok(Math.abs(gap.totalMs - (client.durationMs - server.durationMs)) < 1e-6);
  assert.ok(Math.abs(gap.beforeMs + gap.afterMs - gap.totalMs) < 1e-6);
});

test('a trace whose request opened the connection has its connect span between the CLIENT span and the SERVER span', async () => {
  const connects = receiver.spans().filter(s => s.name === 'connect' && s.resource['service.name'] === 'loadlens');
  assert.equal(connects.length, 2, 'one connection per virtual user');
  const tree = await completeTrace(connects[0]!.traceId);
  assert.deepEqual(tree.rows.map(r => [r.depth, r.kind, r.name]), [
    [0, 'CLIENT', 'GET /product/{product_id}'],
    [1, 'INTERNAL', 'connect'],
    [1, 'SERVER', 'GET /product/:id'],
    [2, 'INTERNAL', 'load product'],
  ]);
  assertWithinParents(tree.rows);
  const [client, connect, server] = tree.rows as [TraceRow, TraceRow, TraceRow];
  assert.equal(connect.parentSpanId, client.spanId);
  // Two processes, two clocks: within the OTel SDK's anchoring error.
  assert.ok(connect.startOffsetMs + connect.durationMs <= server.startOffsetMs + CLOCK_ANCHOR_MS, 'the connection is open before the server sees the request');
  assert.ok(server.gap!.beforeMs >= connect.durationMs - CLOCK_ANCHOR_MS, `the gap before the server includes connecting: ${server.gap!.beforeMs} ≥ ${connect.durationMs}`);
});
