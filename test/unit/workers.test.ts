// `loadlens run --workers N` (issue 12 §2): N worker processes, each a shard of the plan with one run
// id, merged live into one NDJSON stream and one report whose counts are exactly what a counting
// loopback server received; an invalid scenario is said once, not N times; the flag and the setting
// accept the same values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ENGINE_NODE_FLAGS } from '../../src/shared/engine-flags.ts';
import type { RunReport, StatsSnapshot } from '../../src/shared/report.ts';
import { formatSummary } from '../../src/engine/outputs/terminal.ts';
import { MAX_WORKERS, parseWorkers, resolveWorkers, workersProblem } from '../../src/shared/workers.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-workers-'));

function engine(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [...ENGINE_NODE_FLAGS, path.join(root, 'src/engine/main.ts'), 'run', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

test('parseWorkers: a whole number from 1 to MAX_WORKERS (as typed or as a number) or auto; one message for the rest', () => {
  const cases: [unknown, number | 'auto' | undefined][] = [
    [1, 1], [2, 2], ['2', 2], [' 8 ', 8], ['auto', 'auto'], [MAX_WORKERS, MAX_WORKERS],
    [0, undefined], ['0', undefined], [-1, undefined], [1.5, undefined], ['1.5', undefined], ['two', undefined],
    ['Auto', undefined], [MAX_WORKERS + 1, undefined], [null, undefined], [true, undefined], ['', undefined],
  ];
  for (const [value, expected] of cases) {
    assert.equal(parseWorkers(value), expected, JSON.stringify(value));
    assert.equal(workersProblem(value), expected === undefined ? `must be a whole number from 1 to ${MAX_WORKERS}, or 'auto' (one per core)` : undefined, JSON.stringify(value));
  }
  assert.equal(resolveWorkers('auto', 2), 2);
  assert.equal(resolveWorkers('auto', 0), 1);
  assert.equal(resolveWorkers(3, 2), 3);
});

test('--workers 2 against a counting server: per-worker rows and totals equal what the server received; the live snapshots are the merged run', async () => {
  const byPath = new Map<string, number>();
  let received = 0;
  const server = http.createServer((req, res) => {
    received++;
    byPath.set(req.url ?? '', (byPath.get(req.url ?? '') ?? 0) + 1);
    res.end('ok');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const file = path.join(dir, 'two.load.ts');
    // 5 users: an uneven split (3 + 2). Each request's path names its worker process.
    writeFileSync(file, `
import { scenario, constant } from 'loadlens';
export const split = scenario({ host: '${url}', users: 5, spawnRate: 100, runTime: '3s', wait: constant(0.005), thresholds: { 'requests': '> 10' } }, async ({ http }) => {
  await http.get('/w/' + process.pid);
});
`);
    const reportFile = path.join(dir, 'two.json');
    const { code, stdout, stderr } = await engine([file, '--workers', '2', '--json', '--report', reportFile]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n').map(line => JSON.parse(line) as { type: 'snapshot'; snapshot: StatsSnapshot } | { type: 'report'; report: RunReport });
    assert.deepEqual(lines.map(l => l.type).filter((t, i, all) => t !== all[i - 1]), ['snapshot', 'report'], 'snapshots, then exactly one report');
    const report = (lines.at(-1) as { report: RunReport }).report;
    assert.deepEqual(JSON.parse(readFileSync(reportFile, 'utf8')), report, 'the file and the stream hold the same one report');

    // Exact counts, worker by worker and in total.
    assert.equal(report.workers?.length, 2);
    const pids = report.workers!.map(w => w.pid!);
    assert.notEqual(pids[0], pids[1]);
    for (const worker of report.workers!) {
      assert.equal(worker.requests, byPath.get(`/w/${worker.pid}`), `worker ${worker.index}`);
      assert.equal(report.requests.find(r => r.name === `/w/${worker.pid}`)?.count, byPath.get(`/w/${worker.pid}`));
      assert.ok(worker.cpuMs > 0 && (worker.peakRssMb ?? 0) > 0, JSON.stringify(worker));
    }
    assert.equal(report.totals.requests, received);
    assert.equal(report.requests.find(r => r.name === 'Aggregated')?.count, received);
    assert.equal(report.stopReason, 'run-time');
    assert.deepEqual(report.iterationErrors, []);
    // Thresholds judge the whole run (its count), not one worker's.
    assert.deepEqual(report.thresholds.map(t => [t.expression, t.ok, t.actual]), [['requests > 10', true, received]]);
    assert.equal(report.header.shard, undefined, 'the merged run is the whole plan');

    // Live: one run id, users summed over the workers (3 + 2), counts that only grow, percentiles within the run's range.
    const snapshots = lines.flatMap(l => (l.type === 'snapshot' ? [l.snapshot] : []));
    assert.ok(snapshots.length >= 2, `${snapshots.length} snapshots`);
    assert.deepEqual([...new Set(snapshots.map(s => s.runId))], [report.header.runId]);
    assert.ok(snapshots.some(s => s.users === 5 && s.targetUsers === 5), JSON.stringify(snapshots.map(s => [s.users, s.targetUsers])));
    snapshots.slice(1).forEach((s, i) => assert.ok(s.totals.count >= snapshots[i]!.totals.count, 'counts never go back'));
    const busy = snapshots.filter(s => s.totals.count > 0).at(-1)!;
    assert.ok(busy.totals.p50 > 0 && busy.totals.p50 <= busy.totals.max && busy.totals.currentRps > 0, JSON.stringify(busy.totals));
    assert.equal(busy.requests.filter(r => r.name.startsWith('/w/')).length, 2, 'both workers in the live table');
    // Each worker as the parent sees it, in every snapshot: its pid, users and requests, which add up to the run's.
    for (const s of snapshots) {
      assert.deepEqual(s.workers?.map(w => [w.index, w.pid, w.lost]), [[0, pids[0], undefined], [1, pids[1], undefined]]);
      assert.equal(s.workers!.reduce((sum, w) => sum + w.requests, 0), s.totals.count, 'per-worker requests add up to the total');
      assert.equal(s.workers!.reduce((sum, w) => sum + w.users, 0), s.users);
    }
    assert.ok(snapshots.some(s => s.workers!.map(w => w.users).join('+') === '3+2'), JSON.stringify(snapshots.map(s => s.workers!.map(w => w.users))));
    for (const w of busy.workers!) assert.equal(w.requests, busy.requests.find(r => r.name === `/w/${w.pid}`)?.count, `worker ${w.index}: its requests are its row's`);

    // The terminal's summary names the workers (and a lost one with how it ended), not merged shards.
    assert.match(formatSummary(report, { width: 120 }).split('\n')[0]!, /^split finished after 0:0\d \(run time reached\) · .*two\.load\.ts · 2 workers$/);
    const lost = { ...report, workers: report.workers!.map(w => (w.index === 1 ? { ...w, lost: 'SIGKILL' } : w)) };
    const lostLines = formatSummary(lost, { width: 120 }).split('\n');
    assert.match(lostLines[0]!, / · 2 workers, 1 lost$/);
    assert.equal(lostLines[2], `worker 2 (pid ${pids[1]}) was killed by SIGKILL: its ${report.workers![1]!.requests.toLocaleString('en-US')} requests are kept`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('--workers 2 with an invalid scenario: the diagnostics once (not once per worker), exit 2, no report', async () => {
  const file = path.join(dir, 'invalid.load.ts');
  writeFileSync(file, `
import { scenario } from 'loadlens';
export const broken = scenario({ host: 'http://127.0.0.1:9', users: 0 }, async () => {});
`);
  const reportFile = path.join(dir, 'invalid.json');
  const { code, stderr } = await engine([file, '--workers', '2', '--report', reportFile]);
  assert.equal(code, 2, stderr);
  const problems = stderr.trim().split('\n');
  assert.equal(problems.length, 1, stderr);
  assert.match(problems[0]!, /invalid\.load\.ts:3:\d+: .*users/);
});

test('--workers: a bad value is refused naming the flag; with --shard it is refused too', async () => {
  const file = path.join(dir, 'any.load.ts');
  writeFileSync(file, `import { scenario } from 'loadlens';\nexport const any = scenario({ host: 'http://127.0.0.1:9' }, async () => {});\n`);
  const bad = await engine([file, '--workers', 'many']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim(), `loadlens run: --workers must be a whole number from 1 to ${MAX_WORKERS}, or 'auto' (one per core), got 'many'`);
  const withShard = await engine([file, '--workers', '2', '--shard', '0/2']);
  assert.equal(withShard.code, 2);
  assert.match(withShard.stderr, /--workers 2 runs shards of its own; it cannot be combined with --shard/);
});
