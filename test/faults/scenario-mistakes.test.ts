// Fault suite, issue 20 items 1-4: a scenario's small mistakes stay the scenario's. sleep() reads
// durations as the options do; a path is a path on the scenario's host; any thrown value is described
// safely; a request that timed out in its user's queue is not counted as sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, failuresByError, readReport, reportPath, scenarioFile, target } from './support.ts';

test("faults: sleep('1s') sleeps a second (2 users, 3 s: about 6 requests, not thousands); NaN, negative, too long and unreadable durations fail at the scenario's line", async () => {
  const ok = await target((_req, res) => res.end('ok'));
  try {
    const file = scenarioFile('sleep-units', `
import { scenario } from 'loadlens';
export const strings = scenario({ host: '${ok.url}', users: 2, runTime: '3s' }, async ({ http, sleep }) => {
  await http.get('/');
  await sleep('1s');
});
export const bad = scenario({ host: '${ok.url}', users: 1, runTime: '1s' }, async ({ http, sleep, iteration }) => {
  await http.get('/bad');
  const durations: unknown[] = [NaN, -1, 1e12, '1x'];
  await sleep(durations[iteration % 4] as number);
});
`);
    const report = reportPath('sleep-units');
    const run = await cli([file, '--scenario', 'strings', '--headless', '--report', report], { limitMs: 20_000 }).ended;
    assert.equal(run.code, 0, run.stderr);
    const result = readReport(report);
    // Before the fix: '1s' * 1000 is NaN, Node sleeps 1 ms: thousands of requests.
    assert.ok(result.totals.requests >= 4 && result.totals.requests <= 8, `${result.totals.requests} requests`);
    assert.equal(result.totals.requests, ok.received());
    assert.deepEqual(result.iterationErrors, []);

    const badReport = reportPath('sleep-bad');
    const second = await cli([file, '--scenario', 'bad', '--headless', '--report', badReport], { limitMs: 20_000 }).ended;
    assert.equal(second.code, 0, second.stderr);
    const bad = readReport(badReport);
    const messages = new Map(bad.iterationErrors.map(e => [e.message, e]));
    const expected = [
      "sleep: NaN is not a duration: use a number of seconds or e.g. '30s', '10m', '1h'",
      "sleep: -1 is negative: sleep takes seconds >= 0 or a duration such as '1s', '250ms'",
      "sleep: 1000000000000 is longer than the engine's timers can hold; the longest is 596h31m24s (about 24.8 days)",
      "sleep: '1x' is not a duration: use a number of seconds or e.g. '30s', '10m', '1h'",
    ];
    assert.deepEqual([...messages.keys()].sort(), [...expected].sort(), JSON.stringify(bad.iterationErrors));
    for (const message of expected) assert.match(messages.get(message)!.where ?? '', /sleep-units\.load\.ts:10:\d+$/, message);
    // Every iteration failed at its sleep: none waited.
    assert.equal(bad.iterationErrors.reduce((sum, e) => sum + e.count, 0), bad.iterations);
  } finally {
    await ok.close();
  }
});

test('faults: a path starting with // stays on the scenario\'s host (with the host\'s path prefix); an absolute URL to another host goes there', async () => {
  const home = await target((_req, res) => res.end('home'));
  const other = await target((_req, res) => res.end('other'));
  try {
    const otherHostPort = other.url.replace('http://', '');
    const file = scenarioFile('double-slash', `
import { scenario } from 'loadlens';
const requests = async ({ http }: { http: { get(p: string): Promise<unknown> } }) => {
  await http.get('/' + '/${otherHostPort}/x');
  await http.get('/\\\\${otherHostPort}/y');
  await http.get('/plain?q=1');
  await http.get('${other.url}/absolute');
};
export const bare = scenario({ host: '${home.url}', users: 1, runTime: '10s' }, requests);
export const prefixed = scenario({ host: '${home.url}/api/', users: 1, runTime: '10s' }, requests);
`);
    for (const [scenario, prefix] of [['bare', ''], ['prefixed', '/api']] as const) {
      const report = reportPath(`double-slash-${scenario}`);
      const { code, stderr } = await cli([file, '--scenario', scenario, '--headless', '--iterations', '1', '--report', report], { limitMs: 20_000 }).ended;
      assert.equal(code, 0, stderr);
      // Before the fix the first two went to the other server (with the scenario's headers and traceparent).
      const expected = [`${prefix}//${otherHostPort}/x`, `${prefix}//${otherHostPort}/y`, `${prefix}/plain?q=1`];
      assert.deepEqual(home.paths().splice(0), expected, scenario);
      assert.deepEqual(other.paths().splice(0), ['/absolute'], scenario);
      const result = readReport(report);
      assert.deepEqual(result.requests.filter(r => r.method === 'GET').map(r => r.name).sort(),
        [...expected.slice(0, 2), `${prefix}/plain`, '/absolute'].sort(), scenario);
    }
  } finally {
    await home.close();
    await other.close();
  }
});

test('faults: throw Object.create(null) in the iteration, an unawaited rejection and a check is described; the loop goes on, connections are reused, onStop runs', async () => {
  const ok = await target((_req, res) => res.end('{}'));
  try {
    const file = scenarioFile('odd-throws', `
import { scenario } from 'loadlens';
const hooks = { onStop: async ({ http }: { http: { get(p: string): Promise<unknown> } }) => { await http.get('/stop'); } };
export const thrown = scenario({ host: '${ok.url}', users: 2, runTime: '2s', ...hooks }, async ({ http }) => {
  await http.get('/work');
  throw Object.create(null);
});
export const unawaited = scenario({ host: '${ok.url}', users: 1, runTime: '2s', wait: { kind: 'constant', seconds: 0.1 } }, async ({ http }) => {
  void Promise.reject(Object.create(null));
  await http.get('/work');
});
export const checked = scenario({ host: '${ok.url}', users: 1, runTime: '2s', wait: { kind: 'constant', seconds: 0.1 } }, async ({ http, check }) => {
  const res = await http.get('/work');
  check(res, { odd: () => { throw Object.create(null); } });
});
`);
    const report = reportPath('odd-thrown');
    const thrown = await cli([file, '--scenario', 'thrown', '--headless', '--report', report], { limitMs: 20_000 }).ended;
    assert.equal(thrown.code, 0, thrown.stderr);
    const result = readReport(report);
    const described = 'a thrown object without a prototype (it has no text)';
    assert.deepEqual(result.iterationErrors.map(e => [e.message, e.count]), [[described, result.iterations]]);
    // A value that is not an Error carries no stack: no line to point at.
    // Before the fix: 0 iterations, each user's loop died and a new user replaced it, with new connections.
    assert.ok(result.iterations! >= 20, `${result.iterations} iterations`);
    assert.equal(ok.connections(), 2, 'each user kept its one connection');
    assert.equal(ok.paths().filter(p => p === '/stop').length, 2, 'onStop ran for both users');
    // The failed-iteration pace (10 ms) bounds it: at most 2 users x 100 a second.
    assert.ok(result.totals.requests <= 2 * 2 * 110 + 2, `${result.totals.requests} requests`);

    const unawaitedReport = reportPath('odd-unawaited');
    const unawaited = await cli([file, '--scenario', 'unawaited', '--headless', '--report', unawaitedReport], { limitMs: 20_000 }).ended;
    assert.doesNotMatch(unawaited.stderr, /internal error/);
    assert.equal(unawaited.code, 0, unawaited.stderr);
    const stray = readReport(unawaitedReport);
    assert.deepEqual(stray.iterationErrors.map(e => e.message), [described]);
    assert.ok(stray.iterationErrors[0]!.count >= 5, JSON.stringify(stray.iterationErrors));

    const checkedReport = reportPath('odd-checked');
    const checked = await cli([file, '--scenario', 'checked', '--headless', '--report', checkedReport], { limitMs: 20_000 }).ended;
    assert.equal(checked.code, 0, checked.stderr);
    const failedChecks = readReport(checkedReport);
    assert.deepEqual(failedChecks.iterationErrors, [], 'a failed check, not an iteration error');
    assert.deepEqual(failuresByError(failedChecks), { [`check 'odd' threw: ${described}`]: failedChecks.totals.requests });
  } finally {
    await ok.close();
  }
});

test('faults: requests that time out while queued behind their user\'s own are "timed out before it was sent", not counted as sent', async () => {
  // One connection per user (a browser's, pipelining 1): 200 requests fired at once queue behind each other.
  const slow = await target((_req, res) => setTimeout(() => res.end('ok'), 50));
  try {
    const file = scenarioFile('queued', `
import { scenario } from 'loadlens';
export const s = scenario({ host: '${slow.url}', users: 2, runTime: '5s', timeout: '1s' }, async ({ http }) => {
  await Promise.all(Array.from({ length: 200 }, () => http.get('/q')));
});
`);
    const report = reportPath('queued');
    const { code, stderr } = await cli([file, '--headless', '--iterations', '1', '--report', report], { limitMs: 30_000 }).ended;
    assert.equal(code, 0, stderr);
    const result = readReport(report);
    const byError = failuresByError(result);
    const unsent = byError['timed out before it was sent'] ?? 0;
    // 2 users x 1 s / 50 ms: about 40 sent in time, the rest timed out in the queue.
    assert.ok(unsent >= 250, JSON.stringify(byError));
    // Before the fix: 400 requests counted, the server got about 40.
    assert.equal(result.totals.requests, slow.received(), JSON.stringify(byError));
    assert.equal(result.totals.requests + unsent, 400);
  } finally {
    await slow.close();
  }
});
