// Fault suite, issue 12 §2: `--workers N` holds up. A worker killed with SIGKILL mid-run is reported
// with its exit reason while the other goes on, and what it had reported stays in the one report; a
// SIGINT to the parent stops every worker gracefully, writes exactly one report, and leaves no process.
// Each request's path names the worker process that sent it (/w/PID), so the counting server and the
// report can be compared worker by worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunReport, StatsSnapshot } from '../../src/shared/report.ts';
import { alive, childPids, cli, readReport, reportPath, scenarioFile, target, until, type CliRun } from './support.ts';

/** A loopback server that answers at once and counts requests per path. */
async function countingTarget() {
  const byPath = new Map<string, number>();
  const server = await target((req, res) => {
    byPath.set(req.url ?? '', (byPath.get(req.url ?? '') ?? 0) + 1);
    res.end('ok');
  });
  return { ...server, byPath };
}

const workerScenario = (name: string, url: string, runTime: string) => scenarioFile(name, `
import { scenario, constant } from 'loadlens';
// process.pid is the worker process's: each worker's requests get their own row.
export const perWorker = scenario({ host: '${url}', users: 4, spawnRate: 100, runTime: '${runTime}', wait: constant(0.005) }, async ({ http }) => {
  await http.get('/w/' + process.pid);
});
`);

/** Every NDJSON line of the run's stdout so far, parsed. */
function lines(run: CliRun): Array<{ type: 'snapshot'; snapshot: StatsSnapshot } | { type: 'report'; report: RunReport }> {
  return run.stdout().split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line));
}

function lastSnapshot(run: CliRun): StatsSnapshot | undefined {
  return lines(run).flatMap(line => (line.type === 'snapshot' ? [line.snapshot] : [])).at(-1);
}

const rowCount = (rows: { name: string; count: number }[] | undefined, name: string) => rows?.find(r => r.name === name)?.count ?? 0;

test('faults: --workers 2, one worker killed with SIGKILL mid-run: the run completes, exits 4, says which worker ended how, and keeps what it had reported', async () => {
  const server = await countingTarget();
  try {
    const report = reportPath('workers-kill');
    const run = cli([workerScenario('workers-kill', server.url, '5s'), '--workers', '2', '--json', '--report', report], { limitMs: 60_000 });
    const pid = run.child.pid!;
    // Both workers measured and reported: the merged snapshot has a row of each.
    await until(() => childPids(pid).length === 2 && childPids(pid).every(w => rowCount(lastSnapshot(run)?.requests, `/w/${w}`) > 0), 40_000, 'both workers in a snapshot');
    const [victim, survivor] = childPids(pid) as [number, number];
    const reportedBeforeKill = rowCount(lastSnapshot(run)?.requests, `/w/${victim}`);
    process.kill(victim, 'SIGKILL');
    const { code, killed, stderr } = await run.ended;
    assert.equal(killed, false, stderr);
    assert.equal(code, 4, `exit 4: a worker ended before the run did\n${stderr}`);
    assert.match(stderr, new RegExp(`worker \\d \\(pid ${victim}\\) was killed by SIGKILL: its [\\d,]+ requests are kept; the other workers go on`));
    assert.equal(lines(run).filter(line => line.type === 'report').length, 1, 'one report on stdout');
    // The live stream said it too: a snapshot with the victim lost (sent at once, not at the next tick),
    // its requests those the report keeps.
    const lostLive = lines(run).flatMap(line => (line.type === 'snapshot' ? line.snapshot.workers ?? [] : [])).find(w => w.pid === victim && w.lost !== undefined);
    assert.equal(lostLive?.lost, 'SIGKILL', 'a snapshot names the victim lost');

    const result = readReport(report);
    assert.equal(result.stopReason, 'run-time', 'the survivor ran to its end');
    assert.equal(result.aborted, 'worker-failed', 'the report says the run lost a worker (the editor\'s verdict reads it)');
    assert.match(result.iterationErrors[0]?.message ?? '', new RegExp(`\\(pid ${victim}\\) was killed by SIGKILL`));
    assert.deepEqual(result.workers?.map(w => [w.pid, w.lost]).sort(), [[survivor, undefined], [victim, 'SIGKILL']].sort());
    // The victim: at least what the last snapshot before the kill showed, at most what the server got from it.
    const kept = rowCount(result.requests, `/w/${victim}`);
    assert.ok(kept >= reportedBeforeKill && reportedBeforeKill > 0, `kept ${kept} of the victim's requests, ${reportedBeforeKill} were in the last snapshot before the kill`);
    assert.ok(kept <= server.byPath.get(`/w/${victim}`)!, `kept ${kept}, the server received ${server.byPath.get(`/w/${victim}`)}`);
    assert.equal(lostLive?.requests, kept, 'the live snapshot\'s count of the lost worker is what the report keeps');
    assert.equal(result.workers?.find(w => w.pid === victim)?.requests, kept);
    // The survivor went on to the end and is exact.
    assert.equal(rowCount(result.requests, `/w/${survivor}`), server.byPath.get(`/w/${survivor}`));
    assert.ok(result.totals.requests <= server.received() && result.totals.requests === kept + rowCount(result.requests, `/w/${survivor}`));
    assert.equal(alive(survivor), false, 'the survivor is gone too');
  } finally {
    await server.close();
  }
});

test('faults: --workers 2 and SIGINT to the parent: both workers stop gracefully, one report counts exactly what the server got, no worker process is left', async () => {
  const server = await countingTarget();
  try {
    const report = reportPath('workers-sigint');
    const run = cli([workerScenario('workers-sigint', server.url, '60s'), '--workers', '2', '--json', '--report', report], { limitMs: 60_000 });
    const pid = run.child.pid!;
    // Every user of both workers runs (4 = 2 + 2, the merged snapshot's sum).
    await until(() => lastSnapshot(run)?.users === 4 && (lastSnapshot(run)?.totals.count ?? 0) > 0, 40_000, 'the 4 users of both workers');
    const workers = childPids(pid);
    assert.equal(workers.length, 2, `worker processes: ${workers.join(', ')}`);
    const requestedStopAt = Date.now();
    run.child.kill('SIGINT');
    const { code, killed, stderr } = await run.ended;
    assert.equal(killed, false, stderr);
    assert.equal(code, 0, stderr);
    assert.ok(Date.now() - requestedStopAt < 15_000, `stopped after ${Date.now() - requestedStopAt} ms`);
    const all = lines(run);
    assert.equal(all.filter(line => line.type === 'report').length, 1, 'exactly one report');
    assert.equal(all.at(-1)?.type, 'report', 'the report is the last line');

    const result = readReport(report);
    assert.equal(result.stopReason, 'signal');
    assert.deepEqual(result.iterationErrors, []);
    assert.equal(result.totals.failures, 0, 'a graceful stop: in-flight requests finished');
    assert.equal(result.totals.requests, server.received(), 'the report counts what the server received');
    for (const worker of workers) assert.equal(rowCount(result.requests, `/w/${worker}`), server.byPath.get(`/w/${worker}`), `worker ${worker}`);
    assert.deepEqual(result.workers?.map(w => w.pid).sort(), [...workers].sort());
    assert.deepEqual(workers.filter(alive), [], 'no worker process outlives the run');
  } finally {
    await server.close();
  }
});

test('faults: --workers 2, SIGINT twice against a target that never answers: the second step (cancel) reaches every worker; their in-flight requests are counted in one report', async () => {
  const hanging = await target(() => { /* never answers */ });
  try {
    const file = scenarioFile('workers-cancel', `
import { scenario } from 'loadlens';
export const hang = scenario({ host: '${hanging.url}', users: 4, spawnRate: 100, runTime: '60s', gracefulStop: '30s' }, async ({ http }) => {
  await http.get('/slow');
});
`);
    const report = reportPath('workers-cancel');
    const run = cli([file, '--workers', '2', '--json', '--report', report], { limitMs: 60_000 });
    // Both workers' users have sent their request (2 + 2) and are waiting for it.
    await until(() => hanging.received() === 4 && lastSnapshot(run)?.users === 4, 40_000, 'the 4 requests in flight');
    const workers = childPids(run.child.pid!);
    const stoppedAt = Date.now();
    run.child.kill('SIGINT');
    await new Promise(resolve => setTimeout(resolve, 500));
    run.child.kill('SIGINT');
    const { code, killed, stderr } = await run.ended;
    assert.equal(killed, false, stderr);
    assert.ok(Date.now() - stoppedAt < 15_000, `the cancel did not wait for the 30 s grace period: ${Date.now() - stoppedAt} ms`);
    assert.equal(code, 0, stderr);
    assert.equal(lines(run).filter(line => line.type === 'report').length, 1, 'one report');
    const result = readReport(report);
    assert.equal(result.stopReason, 'signal');
    assert.equal(result.totals.requests, 4);
    assert.deepEqual(result.failures.map(f => [f.error, f.count]), [['cancelled at stop', 4]]);
    assert.deepEqual(result.workers?.map(w => w.requests), [2, 2]);
    assert.deepEqual(workers.filter(alive), []);
  } finally {
    await hanging.close();
  }
});
