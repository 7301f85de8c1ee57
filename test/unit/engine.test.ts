// The engine end to end against real loopback servers that count what they received: the report's
// numbers must equal the server's, failures must land in the right rows, and timing options must hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { usersWanted } from '../../src/engine/run/runner.ts';
import { runSession } from '../../src/engine/run/session.ts';
import type { RunReport } from '../../src/shared/report.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-engine-'));

/** A target that counts requests per method and path, and connections with their arrival times. */
async function countingServer(handler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean) {
  const counts = new Map<string, number>();
  const connections: number[] = [];
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url!.split('?')[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      if (handler?.(req, res)) return;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ orderId: 'o-1', path: req.url }));
    });
  });
  server.on('connection', () => connections.push(performance.now()));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, counts, connections,
    close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function scenarioFile(name: string, source: string): string {
  const file = path.join(dir, `${name}.load.ts`);
  writeFileSync(file, source);
  return file;
}

async function run(file: string, overrides = {}): Promise<RunReport> {
  const result = await runSession({ file, overrides, outputs: () => [] });
  if (!result.ok) assert.fail(result.diagnostics.map(d => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n'));
  return result.report;
}

const row = (report: RunReport, method: string, name: string) => report.requests.find(r => r.method === method && r.name === name);

test('engine: the report counts exactly what the server received, per name', async () => {
  const target = await countingServer();
  try {
    const file = scenarioFile('counts', `
import { scenario } from 'loadlens';
export const counts = scenario({ host: '${target.url}', users: 4, spawnRate: 100, runTime: '1500ms' }, async ({ http }) => {
  await http.get('/product/' + Math.ceil(Math.random() * 50), { name: '/product/{id}' });
  await http.post('/cart/add', { json: { productId: 1 } });
  await http.get('/home?ref=x');
});`);
    const report = await run(file);
    const products = [...target.counts].filter(([k]) => k.startsWith('GET /product/')).reduce((sum, [, n]) => sum + n, 0);
    assert.ok(products > 20, `only ${products} product requests`);
    assert.equal(row(report, 'GET', '/product/{id}')?.count, products);
    assert.equal(row(report, 'POST', '/cart/add')?.count, target.counts.get('POST /cart/add'));
    assert.equal(row(report, 'GET', '/home')?.count, target.counts.get('GET /home'), 'the default name is the path without its query');
    const served = [...target.counts.values()].reduce((a, b) => a + b, 0);
    assert.equal(report.totals.requests, served);
    assert.equal(report.totals.failures, 0);
    // Each of the 4 users opened its own connection: exactly 4 connects, shown on the first request of each.
    assert.equal(target.connections.length, 4);
    assert.equal(report.requests.filter(r => r.method === 'GET' || r.method === 'POST').reduce((sum, r) => sum + r.connects, 0), 4);
    assert.ok(report.totals.p50 > 0 && report.totals.p50 <= report.totals.p99 && report.totals.p99 <= report.totals.max);
  } finally {
    await target.close();
  }
});

test('engine: failures are counted under the right rows, with the right error', async () => {
  const target = await countingServer((req, res) => {
    if (req.url === '/boom') { res.statusCode = 500; res.end('no'); return true; }
    if (req.url === '/slow') { setTimeout(() => res.end('{}'), 400); return true; }
    return false;
  });
  const closed = await countingServer();
  await closed.close(); // a port that refuses connections
  try {
    const file = scenarioFile('failures', `
import { scenario } from 'loadlens';
export const failures = scenario({ host: '${target.url}', users: 2, runTime: '1200ms', gracefulStop: '2s' }, async ({ http, check, userId, iteration }) => {
  await http.get('/boom');
  const ok = await http.get('/ok');
  check(ok, { 'has no orderId': r => r.json().orderId === undefined });
  await http.get('${closed.url}/refused');
  await http.get('/slow', { timeout: '100ms' });
  await http.get('/expected-500', { expect: 200 });
  if (iteration === 0) throw new Error('scenario bug for user ' + userId);
});`);
    const report = await run(file);
    const failure = (name: string, error: string) => report.failures.find(f => f.name === name && f.error === error);
    const boom = row(report, 'GET', '/boom')!;
    assert.equal(boom.failures, boom.count);
    assert.equal(failure('/boom', 'HTTP 500')?.count, boom.count);
    assert.equal(boom.statusClasses['5xx'], boom.count);
    const ok = row(report, 'GET', '/ok')!;
    assert.equal(ok.failures, ok.count, 'every /ok request failed its check');
    assert.equal(failure('/ok', "check 'has no orderId' failed")?.count, ok.count);
    const refused = row(report, 'GET', '/refused')!;
    assert.equal(failure('/refused', 'ECONNREFUSED')?.count, refused.count);
    assert.equal(refused.statusClasses['error'], refused.count);
    const slow = row(report, 'GET', '/slow')!;
    assert.equal(failure('/slow', 'timeout')?.count, slow.count);
    assert.ok(slow.max < 400, `timed out requests must end at the timeout, max was ${slow.max}`);
    assert.equal(failure('/expected-500', 'HTTP 200 (expected 200)'), undefined);
    assert.equal(row(report, 'GET', '/expected-500')!.failures, 0, '200 was expected and received');
    assert.equal(report.iterationErrors.length, 2, JSON.stringify(report.iterationErrors));
    for (const e of report.iterationErrors) {
      assert.match(e.message, /^scenario bug for user [12]$/);
      assert.equal(e.where, `${file}:10:30`);
      assert.equal(e.count, 1);
    }
  } finally {
    await target.close();
  }
});

test('engine: the spawn schedule of 10 users at 5 per second: one at once, then one every 200 ms', () => {
  const load = { kind: 'closed', users: 10, spawnRate: 5 } as const;
  for (const [elapsedMs, users] of [[0, 1], [199, 1], [200, 2], [999, 5], [1000, 6], [1799, 9], [1800, 10], [2500, 10], [60_000, 10]] as const) {
    assert.equal(usersWanted(load, elapsedMs, undefined), users, `${users} users wanted at ${elapsedMs} ms`);
  }
});

// No upper bounds on time below: a busy machine makes a run longer, never shorter, so only lower bounds
// (the run did not end early) and counts are asserted; the schedule itself is the table above.
test('engine: run time and spawn rate are honoured', async () => {
  const target = await countingServer();
  try {
    const file = scenarioFile('timing', `
import { scenario, constant } from 'loadlens';
export const timing = scenario({ host: '${target.url}', users: 10, spawnRate: 5, runTime: '2500ms', wait: constant(0.05) }, async ({ http }) => {
  await http.get('/');
});`);
    const report = await run(file);
    assert.ok(report.durationMs >= 2500, `ran ${report.durationMs} ms`);
    assert.equal(report.stopReason, 'run-time');
    // Each of the 10 users opened its own connection, and all 10 ran.
    assert.equal(target.connections.length, 10);
    assert.equal(Math.max(...report.timeline.map(p => p.users)), 10, report.timeline.map(p => p.users).join(','));
    // Spawned at the rate, not at once: no snapshot has more users than the schedule allows at its time (the
    // engine's own clock; 200 ms of slack, one user, for the users thread starting its clock a moment earlier).
    const load = { kind: 'closed', users: 10, spawnRate: 5 } as const;
    for (const point of report.timeline) {
      assert.ok(point.users <= usersWanted(load, point.t - report.header.startedAt + 200, undefined), `${point.users} users at +${point.t - report.header.startedAt} ms`);
    }
  } finally {
    await target.close();
  }
});

test('engine CLI: SIGINT mid-run still writes the report, with counts equal to the server\'s', async () => {
  const target = await countingServer();
  try {
    const file = scenarioFile('interrupt', `
import { scenario, constant } from 'loadlens';
export const interrupted = scenario({ host: '${target.url}', users: 3, runTime: '60s', wait: constant(0.01) }, async ({ http }) => {
  await http.get('/item');
});`);
    const reportFile = path.join(dir, 'interrupt-report.json');
    const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), 'run', file, '--headless', '--report', reportFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', chunk => (stderr += chunk));
    // Interrupt once the run has started and sent a while (the first line says it started).
    await new Promise(resolve => child.stdout.once('data', resolve));
    child.stdout.resume();
    await new Promise(resolve => setTimeout(resolve, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>(resolve => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    assert.equal(report.stopReason, 'signal');
    // It ran (how many requests a busy machine manages in 1.5 s is no concern here), and lost none.
    assert.ok(report.totals.requests > 0);
    assert.equal(report.totals.requests, target.counts.get('GET /item'));
  } finally {
    await target.close();
  }
});

test('engine CLI: an invalid scenario exits 2 with file:line:column messages', async () => {
  const file = scenarioFile('invalid', `
import { scenario } from 'loadlens';
export const bad = scenario({ host: 'http://127.0.0.1:9', users: 0, spawnrate: 2 }, async () => {});
`);
  const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), 'run', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', chunk => (stderr += chunk));
  child.stdout.resume();
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve));
  assert.equal(code, 2);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 2, stderr);
  assert.ok(lines.every(l => l.startsWith(`${file}:3:`)), stderr);
  assert.ok(lines.some(l => /users/.test(l)) && lines.some(l => /did you mean 'spawnRate'/.test(l)), stderr);
});

test('engine: ramp stages rise to the target and back down', async () => {
  const target = await countingServer();
  try {
    const file = scenarioFile('stages', `
import { scenario, constant } from 'loadlens';
export const ramp = scenario({ host: '${target.url}', wait: constant(0.05),
  stages: [{ duration: '1s', target: 4 }, { duration: '1s', target: 4 }, { duration: '1s', target: 0 }] }, async ({ http }) => {
  await http.get('/');
});`);
    const report = await run(file);
    assert.ok(report.durationMs >= 3000, `ran ${report.durationMs} ms`);
    assert.equal(report.stopReason, 'run-time');
    assert.equal(target.connections.length, 4, 'four users at the peak, each with its own connection');
    const users = report.timeline.map(p => p.users);
    assert.equal(Math.max(...users), 4, users.join(','));
    assert.ok(users.at(-1)! <= 1, `users at the end: ${users.join(',')}`);
  } finally {
    await target.close();
  }
});

test('engine: the open model starts iterations at the arrival rate and counts the ones it had to drop', async () => {
  const target = await countingServer((req, res) => {
    if (req.url === '/slow') { setTimeout(() => res.end('{}'), 200); return true; }
    return false;
  });
  try {
    const steady = scenarioFile('open-steady', `
import { scenario } from 'loadlens';
export const steady = scenario({ host: '${target.url}', arrivalRate: 20, maxUsers: 50, runTime: '2s' }, async ({ http }) => {
  await http.get('/fast');
});`);
    const report = await run(steady);
    // 20 arrivals a second for 2 s, the first at once: 40 or 41, none dropped.
    assert.ok(report.iterations! >= 39 && report.iterations! <= 42, `iterations ${report.iterations}`);
    assert.equal(report.droppedIterations, 0);
    assert.equal(target.counts.get('GET /fast'), report.iterations);
    assert.ok(target.connections.length <= 5, `a fast target needs few users, got ${target.connections.length}`);

    const saturated = scenarioFile('open-saturated', `
import { scenario } from 'loadlens';
export const saturated = scenario({ host: '${target.url}', arrivalRate: 50, maxUsers: 2, runTime: '2s' }, async ({ http }) => {
  await http.get('/slow');
});`);
    const slow = await run(saturated);
    // Two users at 200 ms each serve about 10 arrivals a second; the other ~40 a second are dropped, not queued.
    assert.ok(slow.iterations! >= 16 && slow.iterations! <= 24, `iterations ${slow.iterations}`);
    assert.ok(slow.droppedIterations! >= 70, `dropped ${slow.droppedIterations}`);
    assert.ok(Math.abs(slow.iterations! + slow.droppedIterations! - 101) <= 3, `${slow.iterations} + ${slow.droppedIterations} arrivals`);
    assert.ok(slow.totals.p50 >= 195, 'the arrival rate does not hide the latency: no coordinated omission');
  } finally {
    await target.close();
  }
});

test('engine: onStart and onStop run once per user, and a group is a row of its own', async () => {
  const target = await countingServer();
  try {
    const file = scenarioFile('hooks', `
import { scenario, constant } from 'loadlens';
export const hooks = scenario({
  host: '${target.url}', users: 3, runTime: '1200ms', wait: constant(0.05),
  onStart: async ({ http, vars, userId }) => { await http.post('/login'); vars.token = 't' + userId; },
  onStop: async ({ http }) => { await http.post('/logout'); },
}, async ({ http, group, vars }) => {
  await group('browse', async () => {
    await http.get('/a', { headers: { authorization: String(vars.token) } });
    await http.get('/b');
  });
});`);
    const report = await run(file);
    assert.equal(target.counts.get('POST /login'), 3);
    assert.equal(target.counts.get('POST /logout'), 3);
    const group = row(report, 'GROUP', 'browse')!;
    assert.equal(group.count, target.counts.get('GET /b'));
    assert.equal(group.failures, 0);
    assert.ok(group.avg >= row(report, 'GET', '/a')!.avg, 'a group lasts at least as long as a request in it');
    assert.equal(report.totals.requests, [...target.counts.values()].reduce((a, b) => a + b, 0), 'groups are not counted as requests');
  } finally {
    await target.close();
  }
});

test('engine CLI: --trace-link with a preset links the failures in the HTML report and the terminal', async () => {
  const target = await countingServer((req, res) => {
    if (!req.url!.startsWith('/broken')) return false;
    res.statusCode = 500;
    res.end('no');
    return true;
  });
  try {
    const file = scenarioFile('trace-link', `
import { scenario } from 'loadlens';
export const linked = scenario({ host: '${target.url}', users: 1, spawnRate: 10, runTime: '600ms' }, async ({ http }) => {
  await http.get('/broken');
});`);
    const reportFile = path.join(dir, 'trace-link.html');
    const jsonFile = path.join(dir, 'trace-link.json');
    const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), 'run', file, '--headless', '--otel', '--trace-link', 'jaeger:baseUrl=http://127.0.0.1:16686/', '--report', reportFile, '--report', jsonFile],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => (stdout += chunk));
    child.stderr.on('data', chunk => (stderr += chunk));
    const code = await new Promise<number | null>(resolve => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
    const report = JSON.parse(readFileSync(jsonFile, 'utf8')) as RunReport;
    const traceIds = report.failures.flatMap(f => f.traceIds);
    assert.ok(traceIds.length > 0 && report.failures.every(f => f.name === '/broken'), JSON.stringify(report.failures));
    const html = readFileSync(reportFile, 'utf8');
    for (const traceId of traceIds) {
      assert.match(traceId, /^[0-9a-f]{32}$/);
      assert.ok(html.includes(`href="http://127.0.0.1:16686/trace/${traceId}"`), traceId);
    }
    assert.ok(stdout.includes(`http://127.0.0.1:16686/trace/${traceIds.at(-1)}`), stdout);
  } finally {
    await target.close();
  }
});

test('engine CLI: a --trace-link preset without its setting exits 2 naming what to add', async () => {
  const cases: Array<[string, string]> = [
    ['tempo:grafanaDatasource=tempo', "loadlens run: --trace-link baseUrl: is empty; the 'tempo' preset needs your Grafana, e.g. http://localhost:3000\n"],
    ['jaeger:base=http://localhost:16686', "loadlens run: --trace-link: 'base=http://localhost:16686' is not key=value with a key among template, baseUrl, grafanaDatasource, honeycombTeam, honeycombEnvironment, honeycombDataset, splunkRealm, datadogSite (e.g. jaeger:baseUrl=http://localhost:16686)\n"],
    ['java\tscript:alert(1)//{traceId}', 'loadlens run: --trace-link the template: must be an http:// or https:// URL (got "java\\tscript:alert(1)//{traceId}")\n'],
  ];
  for (const [spec, expected] of cases) {
    const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), 'run', path.join(dir, 'never-loaded.load.ts'), '--trace-link', spec], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', chunk => (stderr += chunk));
    child.stdout.resume();
    const code = await new Promise<number | null>(resolve => child.on('exit', resolve));
    assert.equal(code, 2, spec);
    assert.equal(stderr, expected);
  }
});
