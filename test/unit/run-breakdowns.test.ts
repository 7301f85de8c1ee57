// The editor's per-run breakdowns in the receiver's worker: runs told apart by loadlens.run.id, the
// wait for late spans (none when the application sent nothing), each part's slowest traces, and the
// report they end up in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunBreakdowns } from '../../src/receiver/run-breakdowns.ts';
import { withRunBreakdown } from '../../src/shared/breakdown/live.ts';
import type { ReceivedSpan } from '../../src/shared/spans.ts';
import type { RunReport } from '../../src/shared/report.ts';
import { near, part, RUN, slowdb } from '../support/breakdown-spans.ts';

/** As real spans are: only the load generator's resource carries the run id. */
function asExported(spans: ReceivedSpan[], runId = RUN): ReceivedSpan[] {
  return spans.map(s => {
    const { 'loadlens.run.id': _, ...app } = s.resource;
    return { ...s, resource: s.resource['service.name'] === 'loadlens' ? { ...s.resource, 'loadlens.run.id': runId } : app };
  });
}

const WAIT = { quietMs: 6000, maxWaitMs: 15_000 };

test('run breakdowns: a run sees only its own requests; live states only when changed; each part keeps its slowest traces', async () => {
  const runs = new RunBreakdowns();
  runs.begin(RUN, 0);
  runs.begin('other-run', 0);
  for (let i = 1; i <= 20; i++) runs.add(asExported(slowdb(i, i * 2)), 0);
  runs.add(asExported(slowdb(99, 500), 'someone-else'), 0);
  runs.tick(2000);
  const changed = runs.takeChanged();
  assert.deepEqual(changed.map(s => s.runId).sort(), ['other-run', RUN].sort());
  const mine = changed.find(s => s.runId === RUN)!;
  assert.equal(mine.rows.length, 1);
  assert.equal(mine.rows[0]!.breakdown.traces, 20, 'the request of another run is not counted');
  assert.equal(mine.spansReceived, 63);
  assert.equal(mine.appSpans, 42, 'the shop\'s and the inventory\'s spans');
  assert.equal(changed.find(s => s.runId === 'other-run')!.rows.length, 0);
  assert.deepEqual(runs.takeChanged(), [], 'nothing new since');

  const db = mine.rows[0]!.slowest.find(p => p.service === 'inventory')!;
  assert.deepEqual(db.traces.map(t => t.traceId), [20, 19, 18, 17, 16].map(n => n.toString(16).padStart(32, '0')));
  assert.equal(db.traces[0]!.selfMs, 40);
  assert.equal(db.traces[0]!.durationMs, 50);

  // The wait: a late span of the application keeps it open until quiet for quietMs.
  const final = runs.finish(RUN, WAIT, 10_000);
  runs.add(asExported(slowdb(21, 100)), 12_000);
  runs.tick(17_000);
  runs.tick(18_000);
  const result = await final;
  assert.equal(result.waitEnded, 'quiet');
  assert.equal(result.waitedMs, 8000);
  assert.equal(result.lateSpans, 3);
  assert.equal(result.rows[0]!.breakdown.traces, 21);
  near(part(result.rows[0]!.breakdown.parts, 'inventory', 'db.query SELECT stock').selfMs.p99, 100);
  assert.equal(runs.open, true, 'the other run is still open');
});

test('run breakdowns: no wait when the application sent nothing; the limit ends a wait that never goes quiet', async () => {
  const runs = new RunBreakdowns();
  runs.begin('alone', 0);
  const generatorOnly = asExported(slowdb(1, 10), 'alone').filter(s => s.resource['service.name'] === 'loadlens');
  runs.add(generatorOnly, 0);
  const final = await runs.finish('alone', WAIT, 100);
  assert.equal(final.waitEnded, 'quiet');
  assert.equal(final.waitedMs, 0);
  assert.equal(final.appSpans, 0);

  runs.begin('busy', 0);
  runs.add(asExported(slowdb(1, 5), 'busy'), 0);
  const waiting = runs.finish('busy', WAIT, 0);
  for (let t = 1000; t <= 16_000; t += 1000) {
    runs.add(asExported(slowdb(t, 5), 'busy'), t);
    runs.tick(t);
  }
  const busy = await waiting;
  assert.equal(busy.waitEnded, 'limit');
  assert.equal(busy.waitedMs, 15_000);
  assert.equal(runs.open, false);
  assert.equal((await runs.finish('unknown', WAIT)).rows.length, 0, 'an unknown run answers at once, empty');
});

test('withRunBreakdown: the report gets each row\'s breakdown and slowest traces, the counts and the receiver summary', async () => {
  const runs = new RunBreakdowns();
  runs.begin(RUN, 0);
  for (let i = 1; i <= 3; i++) runs.add(asExported(slowdb(i, 10 * i, { fail: i === 3 })), 0);
  const finishing = runs.finish(RUN, { quietMs: 1000, maxWaitMs: 10_000 }, 5000);
  runs.tick(6000);
  const final = await finishing;
  const rows = [
    { method: '', name: 'Aggregated' },
    { method: 'GET', name: '/slowdb' },
    { method: 'GET', name: '/fast' },
  ];
  const report = { requests: rows } as unknown as RunReport;
  const withIt = withRunBreakdown(report, final, 'http://127.0.0.1:4318');
  assert.equal(withIt.requests[0]!.breakdown, undefined, 'the aggregate row has none');
  assert.equal(withIt.requests[2]!.breakdown, undefined, 'a row no trace came for has none');
  const slow = withIt.requests[1]!;
  assert.equal(slow.breakdown!.traces, 3);
  assert.deepEqual(slow.breakdown!.rootCauses.map(c => [c.service, c.span, c.message, c.count]), [['inventory', 'db.query SELECT stock', 'stock table locked', 1]]);
  assert.equal(slow.breakdownTraces!.find(p => p.service === 'inventory')!.traces[0]!.selfMs, 30);
  assert.deepEqual(withIt.receiver, { url: 'http://127.0.0.1:4318', spansReceived: 9, lateSpans: 0, waitedMs: 1000, waitEnded: 'quiet' });
  assert.equal(withIt.breakdownCounts!.requests, 3);
});
