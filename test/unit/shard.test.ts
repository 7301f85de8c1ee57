// Shards of one plan (--shard i/N): the shares of any N add up to exactly the whole plan, at every
// instant, and real shard runs against a counting server add up to the server's count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { arrivalsDue, stagesTarget, targetUsers, usersWanted } from '../../src/engine/run/runner.ts';
import { globalUserId, parseShard, runIdProblem, shareOf, type Shard } from '../../src/engine/run/shard.ts';
import { runSession } from '../../src/engine/run/session.ts';
import { resolveRunOptions, RunOptionsError, type LoadModel } from '../../src/engine/scenario/run-options.ts';

const root = path.resolve(import.meta.dirname, '../..');
const shardsOf = (count: number): Shard[] => Array.from({ length: count }, (_, index) => ({ index, count }));
const COUNTS = [1, 2, 3, 4, 7, 16];

test('parseShard: i/N with 0 ≤ i < N, and a problem that says what is wrong', () => {
  const cases: [text: string, expected: Shard | RegExp][] = [
    ['0/1', { index: 0, count: 1 }],
    ['2/3', { index: 2, count: 3 }],
    [' 4 / 16 ', { index: 4, count: 16 }],
    ['3/3', /0-based and must be below the number of shards \(0 to 2 of 3\), got 3/],
    ['1/0', /between 1 and 10000, got 0/],
    ['-1/3', /must be i\/N/],
    ['1', /must be i\/N.*got '1'/],
    ['a/b', /must be i\/N/],
    ['1.5/3', /must be i\/N/],
    ['0/10001', /between 1 and 10000/],
  ];
  for (const [text, expected] of cases) {
    const parsed = parseShard(text);
    if (expected instanceof RegExp) {
      assert.ok('problem' in parsed, `${text} should be rejected`);
      assert.match(parsed.problem, expected, text);
    } else assert.deepEqual(parsed, expected, text);
  }
});

test('shareOf: for every N the shares add up to the total, differ by at most one, and never go down as the total grows', () => {
  for (const count of COUNTS) {
    const previous = new Array<number>(count).fill(0);
    for (let total = 0; total <= 200; total++) {
      const shares = shardsOf(count).map(shard => shareOf(total, shard));
      assert.equal(shares.reduce((a, b) => a + b, 0), total, `N=${count} total=${total}: ${shares}`);
      assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `N=${count} total=${total}: uneven ${shares}`);
      shares.forEach((share, i) => assert.ok(share >= previous[i]!, `N=${count} shard ${i}: ${previous[i]} → ${share} as the total grew to ${total}`));
      shares.forEach((share, i) => (previous[i] = share));
    }
  }
  // The remainder goes to the first shards: 2 users in 3 shards run in shards 0 and 1.
  assert.deepEqual(shardsOf(3).map(s => shareOf(2, s)), [1, 1, 0]);
  assert.equal(shareOf(7, undefined), 7);
});

test('globalUserId: shard i numbers its users i+1, i+1+N, …; all shards together are 1..users exactly once', () => {
  for (const count of COUNTS) {
    const users = 37;
    const ids = shardsOf(count).flatMap(shard => Array.from({ length: shareOf(users, shard) }, (_, k) => globalUserId(k + 1, shard)));
    assert.deepEqual(ids.sort((a, b) => a - b), Array.from({ length: users }, (_, k) => k + 1), `N=${count}`);
  }
  assert.equal(globalUserId(3, { index: 1, count: 4 }), 10);
});

test('plans × N: at every instant of the run the shards\' users (and arrivals so far) add up to the whole plan\'s', () => {
  const plans: [title: string, load: LoadModel, runTimeMs: number][] = [
    ['closed, 10 users at 3/s', { kind: 'closed', users: 10, spawnRate: 3 }, 6000],
    ['closed, 7 users at once', { kind: 'closed', users: 7, spawnRate: 7 }, 2000],
    ['closed, 1 user (fewer than most N)', { kind: 'closed', users: 1, spawnRate: 1 }, 2000],
    ['closed, 1000 users at 0.7/s', { kind: 'closed', users: 1000, spawnRate: 0.7 }, 20_000],
    ['stages up, down and up', { kind: 'stages', stages: [{ durationMs: 10_000, target: 5 }, { durationMs: 5000, target: 2 }, { durationMs: 7000, target: 13 }, { durationMs: 3000, target: 13 }] }, 25_000],
    ['stages to zero', { kind: 'stages', stages: [{ durationMs: 4000, target: 9 }, { durationMs: 4000, target: 0 }] }, 8000],
  ];
  for (const [title, load, runTimeMs] of plans) {
    if (load.kind === 'open') continue;
    for (const count of COUNTS) {
      const shards = shardsOf(count);
      let before: number[] | undefined;
      let wholeBefore = 0;
      for (let t = 0; t <= runTimeMs; t += 20) {
        const whole = usersWanted(load, t, undefined);
        const shares: number[] = shards.map(shard => usersWanted(load, t, shard));
        assert.equal(shares.reduce((a, b) => a + b, 0), whole, `${title}, N=${count}, t=${t}: ${shares} vs ${whole}`);
        // A ramp in the plan is a ramp (or a flat line) in every shard, never the other way.
        if (before) shares.forEach((share, i) => assert.ok(Math.sign(share - before![i]!) * Math.sign(whole - wholeBefore) >= 0, `${title}, N=${count}, t=${t}: shard ${i} moved against the plan`));
        before = shares;
        wholeBefore = whole;
      }
      const run = { load, shard: undefined } as unknown as Parameters<typeof targetUsers>[0];
      const peak = shards.map(shard => targetUsers({ ...run, shard }));
      assert.equal(peak.reduce((a, b) => a + b, 0), targetUsers(run), `${title}, N=${count}: peak users`);
    }
  }
  assert.equal(stagesTarget([{ durationMs: 1000, target: 4 }], 500), 2);
});

test('open model × N: arrivals so far and the user caps add up to the plan\'s', () => {
  const loads: Extract<LoadModel, { kind: 'open' }>[] = [
    { kind: 'open', arrivalRate: 7.5, maxUsers: 11 },
    { kind: 'open', arrivalRate: 1000, maxUsers: 50 },
    { kind: 'open', arrivalRate: 0.4, maxUsers: 1 },
  ];
  for (const load of loads) {
    for (const count of COUNTS) {
      const shards = shardsOf(count);
      for (let t = 0; t <= 10_000; t += 20) {
        const shares = shards.map(shard => arrivalsDue(load, t, shard));
        assert.equal(shares.reduce((a, b) => a + b, 0), arrivalsDue(load, t, undefined), `rate ${load.arrivalRate}, N=${count}, t=${t}`);
      }
      assert.equal(shards.map(shard => shareOf(load.maxUsers, shard)).reduce((a, b) => a + b, 0), load.maxUsers);
    }
  }
});

test('resolveRunOptions: --shard is validated with the flag named, and kept beside the whole plan', () => {
  const run = resolveRunOptions({ host: 'http://127.0.0.1:1', users: 9 }, { shard: '1/4' });
  assert.deepEqual(run.shard, { index: 1, count: 4 });
  assert.deepEqual(run.load, { kind: 'closed', users: 9, spawnRate: 9 });
  assert.equal(targetUsers(run), 2);
  assert.throws(() => resolveRunOptions({ users: 9 }, { shard: '4/4' }), (error: RunOptionsError) => /^--shard: the index is 0-based/.test(error.problems[0]!));
});

test('runIdProblem: a run id is a valid Kubernetes label value', () => {
  for (const ok of ['a', 'run-42', '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed', 'nightly_2026.11.29', 'x'.repeat(63)]) assert.equal(runIdProblem(ok), undefined, ok);
  for (const bad of ['', '-a', 'a-', 'a b', 'run/1', 'x'.repeat(64), 'ü']) assert.match(runIdProblem(bad) ?? '', /must be 1 to 63 letters/, bad);
});

async function countingServer() {
  const counts = new Map<string, number>();
  const users = new Set<string>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    if (url.searchParams.has('user')) users.add(url.searchParams.get('user')!);
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts, users,
    close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

test('three shards of 5 users × 2 iterations run 2, 2 and 1 users with distinct ids: together exactly the plan, one run id', async () => {
  const target = await countingServer();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-shard-'));
  const file = path.join(dir, 'shop.load.ts');
  writeFileSync(file, `
import { scenario } from 'loadlens';
export const shopper = scenario({ host: '${target.url}', users: 5, spawnRate: 100, runTime: '1m' }, async ({ http, userId }) => {
  await http.get('/product?user=' + userId, { name: '/product' });
  await http.post('/cart/add');
});`);
  try {
    const reports = await Promise.all(shardsOf(3).map(async shard => {
      const result = await runSession({ file, overrides: { shard: `${shard.index}/3`, iterations: 2 }, runId: 'nightly-7', outputs: () => [] });
      assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
      return result.report;
    }));
    assert.deepEqual(reports.map(r => r.requests.find(row => row.name === '/product')?.count ?? 0), [4, 4, 2]);
    assert.deepEqual(reports.map(r => r.header.shard), [{ index: 0, count: 3 }, { index: 1, count: 3 }, { index: 2, count: 3 }]);
    assert.deepEqual(reports.map(r => r.header.runId), ['nightly-7', 'nightly-7', 'nightly-7']);
    assert.equal(target.counts.get('/product'), 10);
    assert.equal(target.counts.get('/cart/add'), 10);
    assert.deepEqual([...target.users].sort(), ['1', '2', '3', '4', '5']);
  } finally {
    await target.close();
  }
});

test('CLI: --shard and --run-id (and LOADLENS_SHARD / LOADLENS_RUN_ID) are checked before the run, naming the flag or the variable', async () => {
  const cli = (args: string[], env: Record<string, string> = {}) => promisify(execFile)(process.execPath, [path.join(root, 'src/engine/main.ts'), 'run', path.join(root, 'examples/shop.load.ts'), ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } })
    .then(() => ({ code: 0, stderr: '' }), (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }));
  const cases: [args: string[], env: Record<string, string>, message: RegExp][] = [
    [['--shard', '3/3'], {}, /^loadlens run: --shard: the index is 0-based and must be below the number of shards \(0 to 2 of 3\), got 3\n$/],
    [[], { LOADLENS_SHARD: 'one/3' }, /^loadlens run: LOADLENS_SHARD: must be i\/N/],
    [['--run-id', 'run 1'], {}, /^loadlens run: --run-id: must be 1 to 63 letters/],
    [[], { LOADLENS_RUN_ID: '-x' }, /^loadlens run: LOADLENS_RUN_ID: must be 1 to 63 letters/],
  ];
  for (const [args, env, message] of cases) {
    const { code, stderr } = await cli(args, env);
    assert.equal(code, 2, `${args} ${JSON.stringify(env)}`);
    assert.match(stderr, message);
  }
});
