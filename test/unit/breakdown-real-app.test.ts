/**
 * The breakdown on a real application (issue 16): the example's two services (examples/shop: the shop
 * and the inventory it calls), traced by zero-code auto-instrumentation, export to the receiver of
 * `loadlens run --receiver PORT --otel`, which forwards everything to a second real receiver. Known
 * delays in known spans (the inventory's `db.query` takes at least 40 ms) must come out as the
 * breakdown's numbers. One run covers:
 * - the known delay: `/product/{id}`'s `inventory db.query SELECT stock` part p50 ≈ 40 ms, and equal
 *   (HDR precision) to the median of the db spans received; shares add up to 100 %; traces = requests;
 * - concurrent children: `/checkout/confirm` reserves two items at once, each a 40 ms UPDATE: the part
 *   counts 40 ms, not 80;
 * - clock offsets: a second inventory whose clock is 5 ms behind, so its spans start before their
 *   parents;
 * - spans arriving after the run: that inventory exports every 3 s, so its last batch comes after
 *   the load ended, during the wait;
 * - missing parents: a third shop whose spans go to its console, so the inventory's spans under it
 *   have a parent that never arrives;
 * - --forward: the second receiver gets every span, with the exporters' API key header.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../src/receiver/index.ts';
import type { BreakdownPart } from '../../src/shared/breakdown/types.ts';
import type { RequestRow, RunReport } from '../../src/shared/report.ts';
import { startInventoryProcess, startShopProcess, type ShopProcess } from '../support/shop-process.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-breakdown-'));
const DB_MS = 40;
const SKEW_MS = -5;
const API_KEY = 'x-api-key=k-7f3a';
const ITERATIONS = 12;
const USERS = 2;

let platform: OtlpReceiver;
const platformHeaders: IncomingHttpHeaders[] = [];
const services: ShopProcess[] = [];
let report: RunReport;
let run: { code: number | null; stdout: string; stderr: string; ms: number };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

before(async () => {
  platform = await startOtlpReceiver({ onRequest: ({ headers }) => platformHeaders.push(headers) });
  const [receiverPort, inventoryPort, skewedPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const endpoint = `http://127.0.0.1:${receiverPort}`;
  const traced = { otlpEndpoint: endpoint, env: { OTEL_EXPORTER_OTLP_HEADERS: API_KEY } };
  const inventoryUrl = `http://127.0.0.1:${inventoryPort}`;
  const skewedUrl = `http://127.0.0.1:${skewedPort}`;
  // Started together: loading the SDK takes seconds each on a busy machine.
  const started = await Promise.all([
    startInventoryProcess({ ...traced, args: ['--port', String(inventoryPort), '--db-latency-ms', String(DB_MS)] }),
    startInventoryProcess({
      ...traced, args: ['--port', String(skewedPort), '--db-latency-ms', String(DB_MS), '--clock-skew-ms', String(SKEW_MS)],
      env: { ...traced.env, OTEL_BSP_SCHEDULE_DELAY: '3000' },
    }),
    startShopProcess({ ...traced, args: ['--inventory', inventoryUrl] }),
    startShopProcess({ ...traced, args: ['--inventory', skewedUrl] }),
    // Traced, but its spans go to its console instead of the receiver: the inventory's spans below it
    // have a parent that never arrives. (With no exporter at all the SDK would pass the caller's
    // context on unchanged, and nothing would be missing.)
    startShopProcess({ ...traced, args: ['--inventory', inventoryUrl], env: { ...traced.env, OTEL_TRACES_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'none', OTEL_SERVICE_NAME: 'silent-shop' } }),
  ]);
  services.push(...started);
  const [, , shop, skewedShop, silentShop] = started;

  const file = path.join(dir, 'mix.load.ts');
  writeFileSync(file, `
import { scenario, constant } from 'loadlens';
export const mix = scenario({
  host: '${shop!.url}', wait: constant(0.01),
  thresholds: { 'p50{span:db.query SELECT stock}': '< 2000ms', 'p95{service:inventory}': '< 5000ms' },
}, async ({ http }) => {
  await http.get('/product/42', { name: '/product/{id}' });
  await http.post('/checkout/confirm');
  await http.get('${skewedShop!.url}/product/1', { name: 'skewed /product/{id}' });
  await http.get('${silentShop!.url}/product/1', { name: 'orphan /product/{id}' });
});`);
  const reportFile = path.join(dir, 'mix.json');
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('OTEL_')) env[name] = value;
  env.OTEL_EXPORTER_OTLP_HEADERS = API_KEY;
  const startedAt = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), 'run', file, '--otel', '--receiver', String(receiverPort), '--forward', platform.url,
    '--span-quiet', '3500ms', '--span-wait', '20s', '--users', String(USERS), '--spawn-rate', '100', '--iterations', String(ITERATIONS), '--headless', '--report', reportFile],
  { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', chunk => (stdout += chunk));
  child.stderr.on('data', chunk => (stderr += chunk));
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve));
  run = { code, stdout, stderr, ms: performance.now() - startedAt };
  try {
    report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
  } catch (error) {
    throw new Error(`no report (exit ${code}): ${(error as Error).message}\n${stderr}`);
  }
});

after(async () => {
  await Promise.all(services.map(service => service.stop()));
  await platform?.close();
});

const row = (name: string): RequestRow => {
  const found = report.requests.find(r => r.name === name);
  assert.ok(found, `a row '${name}'`);
  return found;
};
const part = (r: RequestRow, service: string, span: string): BreakdownPart => {
  const found = r.breakdown?.parts.find(p => p.service === service && p.span === span);
  assert.ok(found, `${r.name}: a part '${service} ${span}' among ${JSON.stringify(r.breakdown?.parts.map(p => `${p.service} ${p.span}`))}`);
  return found;
};
const durationMs = (span: ReceivedSpan) => Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6;
const startUs = (span: ReceivedSpan) => Number(BigInt(span.startTimeUnixNano) / 1000n);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
/**
 * The knob is a floor (a timer may fire late, by much on a busy machine): the spans' own durations are
 * what the breakdown must match. HDR histograms keep 2 significant digits (≤ 1 % high); the median of an
 * even sample may differ from the histogram's p50 by one neighbour.
 */
function assertMatchesSpans(partP50: number, durations: number[], what: string): void {
  const medianMs = median(durations);
  assert.ok(partP50 >= DB_MS + Math.min(0, SKEW_MS) - 1, `${what}: p50 ${partP50} ms, the knob says at least ${DB_MS} ms`);
  assert.ok(Math.abs(partP50 - medianMs) <= medianMs * 0.02 + 1, `${what}: p50 ${partP50} ms vs the received spans' median ${medianMs.toFixed(2)} ms`);
}
/** The db spans of a row's traces, by name. */
const dbDurations = (rowName: string, span: string) => spansOfRow(rowName).filter(s => s.name === span).map(durationMs);
/** The spans the platform got for the requests of one row (their traces). */
function spansOfRow(name: string): ReceivedSpan[] {
  const all = platform.spans();
  const traces = new Set(all.filter(s => s.attributes['loadlens.request.name'] === name).map(s => s.traceId));
  return all.filter(s => traces.has(s.traceId));
}

test('the run passes and says what it waited for', () => {
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /loadlens: OTLP receiver on http:\/\/127\.0\.0\.1:\d+/);
  assert.match(run.stderr, /waiting for late spans at .* \(until 3\.5 s without one, at most 20 s; Ctrl\+C to stop waiting\)/);
  assert.equal(report.totals.requests, USERS * ITERATIONS * 4);
  for (const r of report.requests.filter(r => r.method !== '')) assert.equal(r.count, USERS * ITERATIONS, r.name);
});

test('known delay: the db.query part of /product/{id} is the 40 ms the inventory spends, as the spans say', () => {
  const product = row('/product/{id}');
  assert.equal(product.breakdown?.traces, product.count, 'every request broken down');
  const db = part(product, 'inventory', 'db.query SELECT stock');
  assert.equal(db.kind, 'client');
  const received = dbDurations('/product/{id}', 'db.query SELECT stock');
  assert.equal(received.length, product.count, 'one db span per request');
  const medianMs = median(received);
  assert.ok(db.selfMs.p50 >= DB_MS, `p50 ${db.selfMs.p50} ms, the knob says at least ${DB_MS} ms`);
  assertMatchesSpans(db.selfMs.p50, received, 'db.query SELECT stock');
  const shares = product.breakdown!.parts.reduce((sum, p) => sum + p.share, 0);
  assert.ok(Math.abs(shares - 1) < 0.005, `shares add up to ${shares}`);
  // The row's time is the requests' time: the db part's share is its time over the row's total.
  assert.ok(db.share > 0.2 && db.share < 1, `db share ${db.share}`);
  console.log(`measured: /product/{id} p50 ${product.p50} ms; db part p50 ${db.selfMs.p50} ms (spans' median ${medianMs.toFixed(2)} ms), share ${(db.share * 100).toFixed(1)} %, ${product.breakdown!.traces} traces`);
});

test('concurrent children: two parallel 40 ms reserves count once on the checkout\'s critical path', () => {
  const checkout = row('/checkout/confirm');
  assert.equal(checkout.breakdown?.traces, checkout.count);
  const update = part(checkout, 'inventory', 'db.query UPDATE stock');
  const spans = spansOfRow('/checkout/confirm');
  const byTrace = new Map<string, ReceivedSpan[]>();
  for (const span of spans.filter(s => s.name === 'db.query UPDATE stock')) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
  assert.equal(byTrace.size, checkout.count);
  let overlapping = 0;
  for (const pair of byTrace.values()) {
    assert.equal(pair.length, 2, 'two reserves per checkout');
    const [a, b] = pair as [ReceivedSpan, ReceivedSpan];
    if (startUs(a) < Number(BigInt(b.endTimeUnixNano) / 1000n) && startUs(b) < Number(BigInt(a.endTimeUnixNano) / 1000n)) overlapping++;
  }
  assert.ok(overlapping >= checkout.count / 2, `${overlapping} of ${checkout.count} checkouts ran their reserves at once`);
  // Both queries' time added up is at least 80 ms a checkout; the critical path holds about one of them.
  const bothMs = median([...byTrace.values()].map(pair => durationMs(pair[0]!) + durationMs(pair[1]!)));
  assert.ok(update.selfMs.p50 >= DB_MS && update.selfMs.p50 < bothMs * 0.75, `the UPDATE part p50 is ${update.selfMs.p50} ms: about one query, not both (${bothMs.toFixed(1)} ms together)`);
  const shares = checkout.breakdown!.parts.reduce((sum, p) => sum + p.share, 0);
  assert.ok(Math.abs(shares - 1) < 0.005, `shares add up to ${shares}`);
  console.log(`measured: /checkout/confirm p50 ${checkout.p50} ms; UPDATE part p50 ${update.selfMs.p50} ms over two parallel queries (${overlapping}/${checkout.count} overlapping)`);
});

test('clock offsets and late spans: an inventory 5 ms behind, exporting every 3 s, still adds up', () => {
  const skewed = row('skewed /product/{id}');
  assert.equal(skewed.breakdown?.traces, skewed.count);
  const spans = spansOfRow('skewed /product/{id}');
  const byId = new Map(spans.map(s => [s.spanId, s]));
  const servers = spans.filter(s => s.resource['service.name'] === 'inventory' && s.kindName === 'SERVER');
  assert.equal(servers.length, skewed.count);
  const early = servers.filter(s => startUs(s) < startUs(byId.get(s.parentSpanId)!)).length;
  assert.ok(early > 0, `some inventory SERVER spans start before their parent (${early} of ${servers.length})`);
  const db = part(skewed, 'inventory', 'db.query SELECT stock');
  // Clamped to its parent's window, a child loses at most the skew.
  const durations = dbDurations('skewed /product/{id}', 'db.query SELECT stock');
  assert.ok(db.selfMs.p50 >= median(durations) + SKEW_MS - 1.5 && db.selfMs.p50 <= median(durations) * 1.02 + 1, `p50 ${db.selfMs.p50} ms vs the spans' median ${median(durations).toFixed(2)} ms`);
  const shares = skewed.breakdown!.parts.reduce((sum, p) => sum + p.share, 0);
  assert.ok(Math.abs(shares - 1) < 0.005, `shares add up to ${shares}`);
  for (const p of skewed.breakdown!.parts) assert.ok(p.selfMs.p50 >= 0 && p.share >= 0, `${p.service} ${p.span}: ${JSON.stringify(p.selfMs)}`);
  assert.ok(report.receiver!.lateSpans > 0, `spans arrived after the load: ${JSON.stringify(report.receiver)}`);
  assert.equal(report.receiver!.waitEnded, 'quiet');
  console.log(`measured: skewed row: ${early}/${servers.length} server spans before their parent; db part p50 ${db.selfMs.p50} ms; ${report.receiver!.lateSpans} late spans, waited ${report.receiver!.waitedMs} ms`);
});

test('missing parents: the inventory\'s spans under a shop whose spans never arrive are counted and still attributed', () => {
  const orphan = row('orphan /product/{id}');
  assert.equal(orphan.breakdown?.traces, orphan.count);
  assert.ok(report.breakdownCounts!.spansUnparented >= orphan.count, `unparented ${report.breakdownCounts!.spansUnparented}, at least one per orphan request (${orphan.count})`);
  const db = part(orphan, 'inventory', 'db.query SELECT stock');
  assertMatchesSpans(db.selfMs.p50, dbDurations('orphan /product/{id}', 'db.query SELECT stock'), 'orphan db.query SELECT stock');
  assert.equal(orphan.breakdown!.parts.some(p => p.service === 'silent-shop'), false);
  const shares = orphan.breakdown!.parts.reduce((sum, p) => sum + p.share, 0);
  assert.ok(Math.abs(shares - 1) < 0.005, `shares add up to ${shares}`);
  assert.match(run.stdout, /unparented \(their parent span never arrived\)/);
});

test('the summary shows each row\'s top part; the span thresholds read the received spans', () => {
  assert.match(run.stdout, /Where the time went \(critical path of 96 traces/);
  assert.match(run.stdout, /\/product\/\{id\} +p95 [\d.]+ m?s · \d+(\.\d)? % in /);
  const [stock, inventory] = report.thresholds;
  assert.equal(stock?.ok, true, JSON.stringify(stock));
  const all = platform.spans().filter(s => s.name === 'db.query SELECT stock').map(durationMs);
  assertMatchesSpans(stock!.actual, all, 'p50{span:db.query SELECT stock}');
  assert.equal(inventory?.ok, true, JSON.stringify(inventory));
});

test('--forward: the second receiver got every span the run\'s receiver got, with the API key header', () => {
  const forward = report.receiver!.forward!;
  assert.deepEqual({ failed: forward.failed, dropped: forward.dropped, pending: forward.pending }, { failed: 0, dropped: 0, pending: 0 });
  assert.equal(platform.spans().length, report.receiver!.spansReceived);
  // The services' metrics keep coming until the receiver closes, after the report: more may have been forwarded since.
  const requests = platform.counts().traceRequests + platform.counts().metricRequests + platform.counts().logRequests;
  assert.ok(requests >= forward.forwarded && forward.forwarded > 0, `the platform got ${requests} requests, the report says ${forward.forwarded} forwarded`);
  assert.equal(platform.spans().filter(s => s.resource['service.name'] === 'loadlens' && s.kindName === 'CLIENT').length, report.totals.requests);
  assert.equal(platformHeaders.length, requests);
  assert.ok(platformHeaders.every(h => h['x-api-key'] === 'k-7f3a'), 'every forwarded request carries the exporter\'s header');
});
