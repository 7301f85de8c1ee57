// The trace store's memory budget and retention: real engine spans (the engine's tracer and encoder),
// decoded as the receiver decodes them, and the heap measured after a forced GC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeTraces, spanBytes, TraceStore, truncationMarker } from '../../src/receiver/index.ts';
import { EngineBatches } from '../support/engine-batches.ts';
import { fakeSpan } from '../support/received-span.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

test('trace store: the byte estimate of engine spans is within 20 % of the heap they really hold', () => {
  const batches = new EngineBatches();
  const bodies = Array.from({ length: 40 }, () => batches.next(512).body);
  const before = heapAfterGc();
  const store = new TraceStore({ budgetBytes: 1024 ** 3 });
  for (const body of bodies) store.add(decodeTraces(body, 'protobuf'));
  bodies.length = 0;
  const measured = heapAfterGc() - before;
  const { bytesStored, spansStored, tracesEvicted } = store.stats();
  assert.equal(tracesEvicted, 0);
  assert.ok(spansStored >= 40 * 512, `${spansStored} spans stored`);
  const ratio = bytesStored / measured;
  assert.ok(ratio > 0.8 && ratio < 1.2, `estimated ${bytesStored} bytes for ${spansStored} spans, measured ${measured} (ratio ${ratio.toFixed(2)})`);
  assert.ok(store.getTrace(batches.next(1).requests[0]!.traceId) === undefined);
});

test('trace store: within its budget while 100,000 spans arrive, it keeps every error trace and the 10 slowest of each row', () => {
  const budgetBytes = 4 * 1024 * 1024;
  const store = new TraceStore({ budgetBytes, slowestPerRow: 10 });
  const batches = new EngineBatches({ failEvery: 100 });
  const failed = new Set<string>();
  const durations = new Map<string, { traceId: string; durationMs: number }[]>();
  let received = 0;
  let peak = 0;
  while (received < 100_000) {
    const batch = batches.next(512);
    store.add(decodeTraces(batch.body, 'protobuf'));
    received += batch.spans;
    peak = Math.max(peak, store.stats().bytesStored);
    for (const request of batch.requests) {
      if (request.failed) failed.add(request.traceId);
      const row = durations.get(request.row) ?? [];
      row.push(request);
      durations.set(request.row, row);
    }
  }
  const stats = store.stats();
  assert.equal(stats.spansReceived, received);
  assert.ok(peak <= budgetBytes, `peak estimate ${peak} ≤ budget ${budgetBytes}`);
  assert.ok(stats.tracesEvicted > 50_000, `${stats.tracesEvicted} traces evicted: the budget was under pressure`);
  assert.equal(stats.errorTracesEvicted, 0);
  assert.equal(stats.errorTracesStored, failed.size);
  assert.deepEqual(new Set(store.errorTraceIds()), failed);
  for (const traceId of failed) assert.equal(store.getTrace(traceId)?.find(s => s.kindName === 'CLIENT')?.status.codeName, 'ERROR', traceId);
  assert.equal(durations.size, 4);
  for (const [row, requests] of durations) {
    const slowest = [...requests].sort((a, b) => b.durationMs - a.durationMs);
    // Ties at the 10th place may be kept either way: check those strictly slower than the 11th.
    const cutoff = slowest[10]!.durationMs;
    const mustKeep = slowest.filter(r => r.durationMs > cutoff);
    assert.ok(mustKeep.length >= 5, `${row}: ${mustKeep.length} strictly slowest`);
    for (const request of mustKeep) assert.ok(store.getTrace(request.traceId), `${row}: slow trace ${request.traceId} (${request.durationMs} ms) kept`);
  }
  // And the rest is a sample of the most recent requests.
  const last = batches.next(1).requests[0]!;
  assert.equal(store.getTrace(last.traceId), undefined, 'not sent');
  const recent = store.recentTraces(1)[0]!;
  assert.equal(recent.spanCount >= 1, true);
  assert.ok(stats.tracesStored > stats.errorTracesStored + stats.slowTracesStored, 'samples of the rest are kept too');
});

test('trace store: a 10 MB attribute is cut to 8 KB with a marker, counted, and does not stay on the heap', () => {
  const store = new TraceStore({ budgetBytes: 1024 * 1024 });
  const before = heapAfterGc();
  // A flat string, as a decoder makes it ('x'.repeat builds a rope that V8 flattens on first read).
  let giant: string | undefined = Buffer.alloc(10 * 1024 * 1024, 'x').toString('latin1');
  store.add([fakeSpan('t1', 's1', { attributes: { 'http.response.body': giant, 'http.route': '/cart' }, events: [{ name: 'exception', timeUnixNano: '2000000', attributes: { 'exception.stacktrace': giant } }] })]);
  giant = undefined;
  const grown = heapAfterGc() - before;
  const [span] = store.getTrace('t1')!;
  const body = span!.attributes['http.response.body'] as string;
  assert.equal(body.length, 8192 + truncationMarker(10 * 1024 * 1024).length);
  assert.ok(body.endsWith(' …[truncated by Loadlens: 10485760 characters]'), body.slice(-60));
  assert.equal(span!.attributes['http.route'], '/cart');
  assert.equal((span!.events[0]!.attributes['exception.stacktrace'] as string).length, 8192 + truncationMarker(10 * 1024 * 1024).length);
  const stats = store.stats();
  assert.equal(stats.valuesTruncated, 2);
  assert.equal(stats.spansStored, 1);
  assert.ok(stats.bytesStored < 40 * 1024 && stats.bytesStored > 16 * 1024, `estimated ${stats.bytesStored} bytes`);
  assert.ok(grown < 1024 * 1024, `the heap grew by ${grown} bytes: the 10 MB string is not retained through a slice`);
  assert.equal(spanBytes(span!) + 1000 > 16 * 1024, true);
});

test('trace store: 5,000 attributes on one span keep 1,000 items and count the rest', () => {
  const store = new TraceStore();
  const attributes = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`attr.${i}`, i]));
  store.add([fakeSpan('t', 's', { attributes })]);
  const kept = store.getTrace('t')![0]!.attributes;
  assert.equal(Object.keys(kept).length, 1000);
  assert.equal(kept['attr.999'], 999);
  assert.equal(kept['attr.1000'], undefined);
  assert.equal(store.stats().valuesTruncated, 4000);
});

test('trace store: errors past their share of the budget push out the oldest error traces, counted', () => {
  const budgetBytes = 200_000;
  const store = new TraceStore({ budgetBytes, slowestPerRow: 0, protectedShare: 0.5 });
  const error = { code: 2, codeName: 'ERROR' as const, message: 'HTTP 500' };
  for (let i = 0; i < 1000; i++) store.add([fakeSpan(`e${i}`, `s${i}`, { status: error, attributes: { 'url.full': `http://127.0.0.1/${'p'.repeat(200)}/${i}` } })]);
  for (let i = 0; i < 1000; i++) store.add([fakeSpan(`ok${i}`, `o${i}`, { parentSpanId: 'feedfacefeedface' })]);
  const stats = store.stats();
  assert.ok(stats.bytesStored <= budgetBytes, `${stats.bytesStored} ≤ ${budgetBytes}`);
  assert.equal(stats.errorTracesEvicted + stats.errorTracesStored, 1000);
  assert.ok(stats.errorTracesEvicted > 0);
  const ids = store.errorTraceIds();
  assert.equal(ids.at(-1), 'e999', 'the newest error trace is kept');
  assert.equal(ids[0], `e${stats.errorTracesEvicted}`, 'the oldest ones went first');
  assert.ok(store.getTrace('ok999'), 'the samples still have room');
  assert.ok(stats.tracesStored - stats.errorTracesStored > 100, `${stats.tracesStored - stats.errorTracesStored} samples kept`);
});

test('trace store: a trace whose later span fails becomes an error trace and outlives the samples', () => {
  const store = new TraceStore({ budgetBytes: 30_000, slowestPerRow: 0 });
  store.add([fakeSpan('late', 'client', { parentSpanId: 'p' })]);
  store.add([fakeSpan('late', 'server', { parentSpanId: 'client', status: { code: 2, codeName: 'ERROR', message: '' } })]);
  for (let i = 0; i < 500; i++) store.add([fakeSpan(`t${i}`, `s${i}`, { parentSpanId: 'p' })]);
  assert.deepEqual(store.getTrace('late')?.map(s => s.spanId), ['client', 'server']);
  assert.equal(store.stats().errorTracesStored, 1);
  assert.ok(store.stats().tracesEvicted > 300);
  assert.ok(store.stats().bytesStored <= 30_000);
});
