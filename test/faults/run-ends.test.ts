// Fault suite, issue 11 items 1-3: a run always ends, reports what it measured, and exits with a
// defined code: a scenario that throws at once, a target that never answers, double Ctrl+C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, failuresByError, readReport, reportPath, scenarioFile, target, until } from './support.ts';

test('faults: a scenario that throws at once ends on time, counts every iteration error at a bounded rate, and its threshold on no data fails', async () => {
  const file = scenarioFile('throws', `
import { scenario } from 'loadlens';
export const boom = scenario({ host: 'http://127.0.0.1:9', users: 2, runTime: '2s', thresholds: { errorRate: '< 1%', p95: '< 500ms' } }, async () => {
  throw new Error('boom');
});
`);
  const report = reportPath('throws');
  const { code, ms, killed, stderr } = await cli([file, '--headless', '--report', report], { limitMs: 20_000 }).ended;
  assert.equal(killed, false, `the run did not end (before the fix it never did): ${stderr}`);
  assert.equal(code, 1, stderr);
  assert.ok(ms < 12_000, `ended after ${Math.round(ms)} ms`);
  const result = readReport(report);
  assert.equal(result.stopReason, 'run-time');
  assert.equal(result.totals.requests, 0);
  const errors = result.iterationErrors.find(e => e.message === 'boom');
  assert.ok(errors, JSON.stringify(result.iterationErrors));
  assert.equal(errors.count, result.iterations, 'every iteration threw and was counted');
  assert.match(errors.where ?? '', /throws\.load\.ts:4:\d+$/);
  // Bounded: at most one failing iteration per 10 ms per user (2 users, 2 s: 400), and it did run.
  assert.ok(result.iterations! >= 20 && result.iterations! <= 440, `iterations: ${result.iterations}`);
  assert.deepEqual(result.thresholds.map(t => [t.expression, t.ok]), [
    ['errorRate < 1% (no data: no request completed)', false],
    ['p95 < 500ms (no data: no request completed)', false],
  ]);
});

test('faults: a typo (http.gett) and an iteration that only touches vars still let the run end and a SIGTERM through', async () => {
  const file = scenarioFile('typo', `
import { scenario } from 'loadlens';
export const typo = scenario({ host: 'http://127.0.0.1:9', users: 1, runTime: '30s' }, async ({ http, vars }) => {
  vars.n = ((vars.n as number) ?? 0) + 1;
  if ((vars.n as number) % 2 === 0) return;
  await (http as unknown as { gett(path: string): Promise<void> }).gett('/x');
});
`);
  const report = reportPath('typo');
  const run = cli([file, '--headless', '--report', report], { limitMs: 20_000 });
  // Once the run has started (its header is printed), give it a second of spinning iterations.
  await until(() => run.stdout().includes('Loadlens typo'), 15_000, 'the run to start');
  await new Promise(resolve => setTimeout(resolve, 1000));
  run.child.kill('SIGTERM');
  const { code, killed, stderr } = await run.ended;
  assert.equal(killed, false, `SIGTERM was ignored (before the fix only SIGKILL stopped it): ${stderr}`);
  assert.equal(code, 0, stderr);
  const result = readReport(report);
  assert.equal(result.stopReason, 'signal');
  const typo = result.iterationErrors.find(e => /gett is not a function/.test(e.message));
  assert.ok(typo, JSON.stringify(result.iterationErrors));
  // Half the iterations threw: counted one for one.
  assert.ok(Math.abs(typo.count * 2 - result.iterations!) <= 2, `${typo.count} errors in ${result.iterations} iterations`);
});

test('faults: requests cut off at the end of the grace period are counted (cancelled at stop); the thresholds fail; exit 1', async () => {
  // The repro: a target that never answers, users 5, runTime 2s, gracefulStop 1s.
  const hanging = await target(() => { /* never answers */ });
  try {
    const file = scenarioFile('hanging', `
import { scenario } from 'loadlens';
export const hang = scenario({ host: '${hanging.url}', users: 5, runTime: '2s', gracefulStop: '1s', thresholds: { errorRate: '< 1%', p95: '< 500ms' } }, async ({ http }) => {
  await http.get('/slow');
});
`);
    const report = reportPath('hanging');
    const { code, killed, stderr } = await cli([file, '--headless', '--report', report], { limitMs: 25_000 }).ended;
    assert.equal(killed, false, stderr);
    assert.equal(code, 1, stderr);
    const result = readReport(report);
    assert.equal(hanging.received(), 5);
    assert.equal(result.totals.requests, hanging.received(), 'the report counts what the server received');
    assert.equal(result.totals.failures, 5);
    assert.deepEqual(failuresByError(result), { 'cancelled at stop': 5 });
    const row = result.requests.find(r => r.method === 'GET' && r.name === '/slow');
    assert.equal(row?.count, 5);
    assert.equal(row?.failures, 5);
    assert.deepEqual(result.thresholds.map(t => [t.expression, t.ok]), [['errorRate < 1%', false], ['p95 < 500ms', false]]);
  } finally {
    await hanging.close();
  }
});

test('faults: a second Ctrl+C with requests in flight cancels and counts them, writes the report and exits (no ClientDestroyedError)', async () => {
  const hanging = await target(() => { /* never answers */ });
  try {
    const file = scenarioFile('double-ctrl-c', `
import { scenario } from 'loadlens';
export const hang = scenario({ host: '${hanging.url}', users: 5, runTime: '5m', gracefulStop: '5m', thresholds: { errorRate: '< 1%' } }, async ({ http }) => {
  await http.get('/slow');
});
`);
    const report = reportPath('double-ctrl-c');
    const run = cli([file, '--headless', '--report', report], { limitMs: 30_000 });
    await until(() => hanging.received() === 5, 15_000, 'the 5 users to send their request');
    run.child.kill('SIGINT');
    await new Promise(resolve => setTimeout(resolve, 500));
    run.child.kill('SIGINT');
    const { code, killed, stderr, ms } = await run.ended;
    assert.equal(killed, false, `the engine never exited: ${stderr}`);
    assert.doesNotMatch(stderr, /internal error|ClientDestroyedError/);
    assert.equal(code, 1, stderr);
    const result = readReport(report);
    assert.equal(result.stopReason, 'signal');
    assert.equal(result.totals.requests, hanging.received());
    assert.deepEqual(failuresByError(result), { 'cancelled at stop': 5 });
    assert.ok(ms < 25_000, `${Math.round(ms)} ms`);
  } finally {
    await hanging.close();
  }
});
