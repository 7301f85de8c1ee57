// `loadlens merge` as a function: shard reports (with their encoded stats, through JSON as between
// processes) into the whole run's report. Merge is exact: the same counts, the same HDR buckets and so
// the same percentiles as one Stats that recorded every request; reports that do not belong together
// are refused with what is wrong and where.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { Stats, type EncodedStats, type RequestSample } from '../../src/engine/stats/index.ts';
import { buildReport } from '../../src/engine/run/runner.ts';
import { MergeError, mergeShardReports, type ShardReportFile } from '../../src/engine/run/merge.ts';
import type { RunReport } from '../../src/shared/report.ts';

/** Deterministic pseudo-random numbers in [0, 1) (a fixed LCG), so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const RUN_START = 1_700_000_000_000;
const NAMES = ['/a', '/b', '/product/{id}', '/checkout', '/cart/add'];

/** `count` requests over `seconds` s: long-tailed durations (0.2 ms to 20 s), failures, new connections. */
function workload(count: number, seconds: number, seed: number): RequestSample[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const failed = next() < 0.05;
    const durationMs = Math.round(next() ** 4 * 20_000 * 1000) / 1000 + 0.2;
    const newConnection = next() < 0.02;
    return {
      method: next() < 0.7 ? 'GET' : 'POST', name: NAMES[Math.floor(next() * NAMES.length)]!,
      startedAt: RUN_START + Math.floor((i / count) * seconds * 1000), durationMs, ttfbMs: durationMs / 3,
      newConnection, connectMs: newConnection ? 0.5 + next() * 3 : 0, bytes: Math.floor(next() * 5000),
      status: failed ? 503 : 200, traceId: `trace${i}`, ...(failed ? { error: next() < 0.5 ? 'HTTP 503' : 'timeout' } : {}),
    };
  });
}

/**
 * Records `samples` (in time order) into `stats`, ticking once a second like the runner, `offsetMs`
 * after the run's start: shards start a little apart, so their ticks do not coincide.
 */
function record(stats: Stats, samples: readonly RequestSample[], seconds: number, offsetMs: number): void {
  let nextTick = RUN_START + offsetMs + 1000;
  for (const sample of samples) {
    while (sample.startedAt >= nextTick) {
      stats.tick(nextTick, 1);
      nextTick += 1000;
    }
    stats.record(sample);
  }
  while (nextTick <= RUN_START + offsetMs + seconds * 1000) {
    stats.tick(nextTick, 1);
    nextTick += 1000;
  }
}

interface ShardRun {
  runId?: string;
  scenario?: string;
  thresholds?: Record<string, string>;
  offsetMs?: number;
  seconds?: number;
}

/** A shard's report as `loadlens run --shard i/N --report x.json` writes it, read back through JSON. */
function shardReport(stats: Stats, index: number, count: number, run: ShardRun = {}): RunReport {
  const startedAt = RUN_START + (run.offsetMs ?? 0);
  const report = buildReport({
    stats,
    header: {
      runId: run.runId ?? 'run-42', scenario: run.scenario ?? 'shopper', file: '/scenarios/shop.load.ts', startedAt,
      targetUsers: 10, runTimeMs: 10_000, host: 'http://127.0.0.1:8080', otel: false, shard: { index, count },
    },
    endedAt: startedAt + (run.seconds ?? 10) * 1000, thresholds: run.thresholds ?? {}, stopReason: 'run-time',
    iterations: 10, droppedIterations: 0, cpuMs: 1000 + index, telemetry: undefined,
  });
  const withShard: RunReport = {
    ...report,
    encodedStats: stats.encode(), thresholdsWritten: { ...(run.thresholds ?? {}) },
  };
  return JSON.parse(JSON.stringify(withShard)) as RunReport;
}

/** An encoded histogram's buckets as (value at the bucket, count) pairs, the empty ones left out. */
function buckets(encoded: string): Array<[number, number]> {
  if (encoded === '') return [];
  const histogram = decodeFromCompressedBase64(encoded, 32, false) as unknown as {
    countsArrayLength: number; getCountAtIndex(index: number): number; valueFromIndex(index: number): number;
  };
  const pairs: Array<[number, number]> = [];
  for (let index = 0; index < histogram.countsArrayLength; index++) {
    const count = histogram.getCountAtIndex(index);
    if (count > 0) pairs.push([histogram.valueFromIndex(index), count]);
  }
  return pairs;
}

function files(reports: RunReport[]): ShardReportFile[] {
  return reports.map((report, i) => ({ file: `shard${i}.json`, report }));
}

describe('merge is exact', () => {
  // How the requests are split: round robin (even), at random, and uneven (one shard gets almost
  // everything, one gets nothing).
  const splits: { title: string; shards: number; shardOf: (i: number, next: () => number) => number }[] = [
    { title: '1 shard (the whole run)', shards: 1, shardOf: () => 0 },
    { title: '2 shards, round robin', shards: 2, shardOf: i => i % 2 },
    { title: '3 shards, at random', shards: 3, shardOf: (_, next) => Math.floor(next() * 3) },
    { title: '4 shards, uneven (90 %, 10 %, 0 requests, one request)', shards: 4, shardOf: (i, next) => (i === 7 ? 3 : next() < 0.9 ? 0 : next() < 0.999 ? 1 : 0) },
    { title: '7 shards, at random', shards: 7, shardOf: (_, next) => Math.floor(next() * 7) },
  ];
  const seconds = 10;
  const samples = workload(30_000, seconds, 7);
  const whole = new Stats();
  record(whole, samples, seconds, 0);
  const expected = whole.summary(seconds * 1000);
  const wholeRows = new Map(whole.encode().rows.map(row => [`${row.method} ${row.name}`, row]));

  for (const split of splits) {
    it(split.title, () => {
      const next = random(split.shards);
      const parts = Array.from({ length: split.shards }, () => [] as RequestSample[]);
      samples.forEach((sample, i) => parts[split.shardOf(i, next)]!.push(sample));
      const shards = parts.map((part, index) => {
        const stats = new Stats();
        // Shard k starts 137·k ms after shard 0 (wrapping within the second).
        record(stats, part, seconds, (index * 137) % 1000);
        return stats;
      });
      const reports = shards.map((stats, index) => shardReport(stats, index, split.shards));
      const { report, warnings } = mergeShardReports(files(reports));
      assert.deepEqual(warnings, []);
      assert.equal(report.mergedShards, split.shards);

      // Same rows, same counts, same percentiles: exactly, since the histograms hold the same buckets.
      const key = (r: { method: string; name: string }) => `${r.method} ${r.name}`;
      assert.deepEqual(report.requests.map(key), expected.requests.map(key));
      for (const [i, e] of expected.requests.entries()) {
        const a = report.requests[i]!;
        assert.deepEqual(
          { count: a.count, failures: a.failures, connects: a.connects, statusClasses: a.statusClasses, p50: a.p50, p90: a.p90, p95: a.p95, p99: a.p99, min: a.min, max: a.max },
          { count: e.count, failures: e.failures, connects: e.connects, statusClasses: e.statusClasses, p50: e.p50, p90: e.p90, p95: e.p95, p99: e.p99, min: e.min, max: e.max },
          key(e));
        // Sums of floats added in another order differ in the last bits.
        for (const field of ['avg', 'avgSize', 'ttfbAvg', 'connectAvg'] as const) {
          assert.ok(Math.abs(a[field] - e[field]) <= Math.abs(e[field]) * 1e-9, `${key(e)} ${field}: ${a[field]} vs ${e[field]}`);
        }
      }
      assert.equal(report.totals.requests, 30_000);
      assert.deepEqual({ ...report.totals, avg: 0, rps: 0 }, { ...expected.totals, avg: 0, rps: 0 });
      assert.equal(report.totals.rps, 3000);

      // The HDR buckets themselves: the merged histograms hold the same counts in the same buckets.
      const merged = new Stats();
      for (const r of reports) merged.merge(r.encodedStats as EncodedStats);
      for (const row of merged.encode().rows) {
        const w = wholeRows.get(`${row.method} ${row.name}`);
        assert.ok(w, `row ${row.method} ${row.name}`);
        for (const metric of ['duration', 'ttfb', 'connect'] as const) {
          const ours = buckets(row[metric]);
          assert.ok(metric === 'connect' || ours.length > 100, `${row.method} ${row.name} ${metric}: ${ours.length} buckets`);
          assert.deepEqual(ours, buckets(w[metric]), `${row.method} ${row.name} ${metric} buckets`);
        }
      }

      // Failures and the slowest requests stay within their bounds and agree with the whole run.
      // (Groups of equal counts may be listed in another order.)
      const failureGroups = (rows: typeof expected.failures) => rows.map(f => `${f.method} ${f.name} ${f.error} ×${f.count}`).sort();
      assert.deepEqual(failureGroups(report.failures), failureGroups(expected.failures));
      assert.deepEqual(report.slowest, expected.slowest);

      // The timeline is aligned by wall clock: one point a second on shard 0's grid (a shard that started
      // over half a second later ends in one more), each second with every shard's traffic, and every
      // request in it exactly once.
      const offsets = shards.map((_, index) => (index * 137) % 1000);
      assert.equal(report.timeline.length, seconds + (offsets.some(offset => offset > 500) ? 1 : 0));
      assert.deepEqual(report.timeline.map(p => p.t - RUN_START), report.timeline.map((_, i) => (i + 1) * 1000));
      assert.deepEqual(report.timeline.slice(1, seconds).map(p => p.users), Array(seconds - 1).fill(split.shards));
      const inTimeline = report.timeline.reduce((total, point) => total + point.rps, 0);
      assert.ok(Math.abs(inTimeline - 30_000) < 0.01, `timeline holds ${inTimeline} requests`);
    });
  }
});

describe('mergeShardReports', () => {
  /** Three shards of 300 requests each, 100 per name. */
  function threeShards(run: ShardRun = {}, count = 3): RunReport[] {
    return Array.from({ length: count }, (_, index) => {
      const stats = new Stats();
      const samples = workload(300, 3, 100 + index);
      record(stats, samples, 3, index * 300);
      return shardReport(stats, index, count, { seconds: 3, offsetMs: index * 300, ...run });
    });
  }

  it('re-evaluates thresholds on the whole run, keeping where each is written', () => {
    // Each shard made 300 requests: 'requests >= 900' fails in every shard and holds for the run.
    const thresholds = { requests: '>= 900', 'failures{name:/a}': '< 1000' };
    const reports = threeShards({ thresholds });
    for (const r of reports) {
      assert.equal(r.thresholds[0]?.ok, false);
      r.thresholds[0]!.location = { file: '/scenarios/shop.load.ts', line: 7, column: 19 };
    }
    const { report } = mergeShardReports(files(reports));
    assert.deepEqual(report.thresholds, [
      { expression: 'requests >= 900', ok: true, metric: 'requests', unit: '', actual: 900, key: 'requests', location: { file: '/scenarios/shop.load.ts', line: 7, column: 19 } },
      { expression: 'failures{name:/a} < 1000', ok: true, metric: 'failures', unit: '', actual: report.requests.find(r => r.name === '/a' && r.method === 'GET')!.failures + (report.requests.find(r => r.name === '/a' && r.method === 'POST')?.failures ?? 0), key: 'failures{name:/a}', filter: { name: '/a' } },
    ]);
  });

  it('spans the run from the first shard start to the last shard end, with rates over that span', () => {
    const { report } = mergeShardReports(files(threeShards()));
    // Shards start 0, 300 and 600 ms in and run 3 s each.
    assert.equal(report.header.startedAt, RUN_START);
    assert.equal(report.header.targetUsers, 30, "the shards' users add up");
    assert.equal(report.endedAt, new Date(RUN_START + 3600).toISOString());
    assert.equal(report.durationMs, 3600);
    assert.equal(report.totals.rps, 250);
    assert.equal(report.iterations, 30);
    assert.equal(report.cpuMs, 1002);
    assert.equal(report.header.shard, undefined);
    assert.equal(report.encodedStats, undefined);
  });

  it('names the missing shards in a warning and in the report', () => {
    const reports = threeShards({}, 5);
    const { report, warnings } = mergeShardReports(files([reports[3]!, reports[0]!]));
    const warning = 'shards 1/5, 2/5 and 4/5 are missing: this report covers 2 of 5 shards, so its counts are only theirs';
    assert.deepEqual(warnings, [warning]);
    assert.deepEqual(report.iterationErrors[0], { message: warning, count: 1 });
    assert.equal(report.totals.requests, 600);
    assert.equal(report.mergedShards, 2);
  });

  it('keeps a shard report\'s notes that are not in its stats, naming the shard', () => {
    const reports = threeShards();
    reports[1]!.iterationErrors.unshift({ message: 'the users worker exited (code 1) before the run ended: this report has what was measured until then', count: 1 });
    const { report } = mergeShardReports(files(reports));
    assert.deepEqual(report.iterationErrors, [{ message: 'shard 1/3: the users worker exited (code 1) before the run ended: this report has what was measured until then', count: 1 }]);
  });

  const refusals: { title: string; reports: () => RunReport[]; message: string }[] = [
    {
      title: 'another run id',
      reports: () => { const r = threeShards(); r[2] = threeShards({ runId: 'run-43' })[2]!; return r; },
      message: "shard2.json is of run 'run-43' but shard0.json is of run 'run-42': merge the shards of one run (started with the same --run-id)",
    },
    {
      title: 'another scenario',
      reports: () => { const r = threeShards(); r[1] = threeShards({ scenario: 'browser' })[1]!; return r; },
      message: "shard1.json is a run of scenario 'browser' but shard0.json is of 'shopper'",
    },
    {
      title: 'the same shard twice',
      reports: () => { const r = threeShards(); return [r[0]!, r[1]!, r[1]!]; },
      message: 'shard1.json and shard2.json are both shard 1/3: give each shard\'s report once',
    },
    {
      title: 'another number of shards',
      reports: () => [threeShards()[0]!, threeShards({}, 4)[1]!],
      message: 'shard1.json is shard 1/4 but shard0.json is shard 0/3: the shards of one run all have the same number of shards',
    },
    {
      title: 'a report without encoded stats',
      reports: () => { const r = threeShards(); delete r[1]!.encodedStats; return r; },
      message: "shard1.json: shard 1/3 has no encoded stats ('encodedStats'): write shard reports with --report FILE.json or --json from a Loadlens that has 'merge'",
    },
    {
      title: 'a whole run, not a shard',
      reports: () => { const r = threeShards(); delete r[0]!.header.shard; return r; },
      message: "shard0.json: not the report of a shard (run 'run-42' ran the whole plan): merge takes the reports of 'loadlens run --shard i/N'",
    },
    {
      title: 'encoded stats of another format',
      reports: () => { const r = threeShards(); r[2]!.encodedStats = { format: 'loadlens.stats/0' }; return r; },
      message: "shard2.json: its encoded stats are of format 'loadlens.stats/0', this Loadlens reads 'loadlens.stats/1'",
    },
    {
      title: 'damaged encoded stats',
      reports: () => { const r = threeShards(); (r[0]!.encodedStats as Partial<EncodedStats>).rows = undefined; return r; },
      message: "shard0.json: its encoded stats are damaged ('rows' is missing or not what it should be)",
    },
    {
      title: 'different thresholds',
      reports: () => { const r = threeShards({ thresholds: { p95: '< 300ms' } }); r[1] = threeShards({ thresholds: { p95: '< 500ms' } })[1]!; return r; },
      message: 'shard1.json and shard0.json have different thresholds: their shards ran different versions of the scenario',
    },
    { title: 'nothing to merge', reports: () => [], message: 'no report to merge' },
  ];
  for (const refusal of refusals) {
    it(`refuses ${refusal.title}`, () => {
      assert.throws(() => mergeShardReports(files(refusal.reports())), (error: unknown) => {
        assert.ok(error instanceof MergeError, String(error));
        assert.equal(error.message, refusal.message);
        return true;
      });
    });
  }
});
