// Shards add up: three `loadlens run --shard i/3` processes with one --run-id against a counting
// loopback server, exporting to a real OTLP receiver (protobuf decoded), then `loadlens merge` of their
// reports (two JSON report files and one `--json` stdout, as `kubectl logs` gives it). The merged
// per-row counts are what the server received; every span carries the one run id and its shard.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/receiver/index.ts';
import type { RunReport } from '../../src/shared/report.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-merge-'));
const RUN_ID = 'merge-test-7';

/** Counts every request by method and path. */
async function countingServer() {
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${new URL(req.url!, 'http://x').pathname}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      res.statusCode = req.url === '/broken' ? 500 : 200;
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts,
    close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', chunk => (stdout += chunk));
  child.stderr.on('data', chunk => (stderr += chunk));
  // Bounded: a run of a few iterations ends in seconds; a hang fails the test instead of the suite.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise(resolve => child.on('exit', code => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

const shardFiles = [path.join(dir, 'shard0.json'), path.join(dir, 'shard1.json'), path.join(dir, 'shard2.log')];
let receiver: OtlpReceiver;
let target: Awaited<ReturnType<typeof countingServer>>;
let shardRuns: { code: number | null; stdout: string; stderr: string }[];

before(async () => {
  receiver = await startOtlpReceiver({ port: 0 });
  target = await countingServer();
  const file = path.join(dir, 'shop.load.ts');
  // 6 users × 3 iterations × 3 requests = 54 requests: 2 users (18 requests) per shard. Each shard
  // alone breaches 'requests >= 54'; the whole run meets it.
  writeFileSync(file, `
import { scenario } from 'loadlens';
export const shopper = scenario({
  host: '${target.url}', users: 6, spawnRate: 100, runTime: '1m',
  thresholds: { requests: '>= 54', 'failures{name:/broken}': '== 18' },
}, async ({ http, userId }) => {
  await http.get('/product/' + userId, { name: '/product/{id}' });
  await http.post('/cart/add', { json: { userId } });
  await http.get('/broken');
});`);
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' };
  const common = [file, '--iterations', '3', '--run-id', RUN_ID, '--otel'];
  shardRuns = await Promise.all([
    cli(['run', ...common, '--shard', '0/3', '--headless', '--report', shardFiles[0]!], env),
    // The variable, as a Job's pod template sets it.
    cli(['run', ...common, '--headless', '--report', shardFiles[1]!], { ...env, LOADLENS_SHARD: '1/3' }),
    // A pod's log: `loadlens run --json`, the report as its last line.
    cli(['run', ...common, '--shard', '2/3', '--json'], env),
  ]);
  writeFileSync(shardFiles[2]!, shardRuns[2]!.stdout);
});

after(async () => {
  await target.close();
  await receiver.close();
});

test('each shard ran its share and, alone, breaches the whole run\'s threshold', () => {
  // Each shard's `requests >= 54` fails on its share (18), shown in its report, yet exits 0: only the merge decides.
  assert.deepEqual(shardRuns.map(run => run.code), [0, 0, 0], shardRuns.map(run => run.stderr).join('\n'));
  const reports = [readFileSync(shardFiles[0]!, 'utf8'), readFileSync(shardFiles[1]!, 'utf8')].map(text => JSON.parse(text) as RunReport);
  assert.deepEqual(reports.map(r => [r.header.runId, r.header.shard, r.totals.requests, typeof r.encodedStats?.format]), [
    [RUN_ID, { index: 0, count: 3 }, 18, 'string'], [RUN_ID, { index: 1, count: 3 }, 18, 'string'],
  ]);
  assert.match(shardRuns[2]!.stdout.trimEnd().split('\n').at(-1)!, /^\{"type":"report","report":\{"header":\{"runId":"merge-test-7"/);
  for (const report of reports) {
    const threshold = report.thresholds.find(t => t.expression === 'requests >= 54');
    assert.deepEqual([threshold?.ok, threshold?.actual], [false, 18], 'the shard\'s report shows its own share breaching it');
  }
});

test('loadlens merge: per-row counts are what the server received; thresholds hold on the whole run; JSON and HTML reports', async () => {
  const mergedJson = path.join(dir, 'merged.json');
  const mergedHtml = path.join(dir, 'merged.html');
  const { code, stdout, stderr } = await cli(['merge', ...shardFiles, '--report', mergedJson, '--report', mergedHtml]);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
  const report = JSON.parse(readFileSync(mergedJson, 'utf8')) as RunReport;

  const received = Object.fromEntries([...target.counts].sort());
  assert.deepEqual(received, { 'GET /broken': 18, 'GET /product/1': 3, 'GET /product/2': 3, 'GET /product/3': 3, 'GET /product/4': 3, 'GET /product/5': 3, 'GET /product/6': 3, 'POST /cart/add': 18 });
  const rows = Object.fromEntries(report.requests.filter(r => r.method !== '').map(r => [`${r.method} ${r.name}`, [r.count, r.failures]]));
  assert.deepEqual(rows, { 'GET /broken': [18, 18], 'POST /cart/add': [18, 0], 'GET /product/{id}': [18, 0] });
  assert.deepEqual([report.totals.requests, report.totals.failures], [54, 18]);
  assert.deepEqual(report.thresholds.map(t => [t.expression, t.ok, t.actual]), [['requests >= 54', true, 54], ['failures{name:/broken} == 18', true, 18]]);
  assert.deepEqual([report.header.runId, report.header.scenario, report.mergedShards, report.iterations, report.header.shard, report.encodedStats], [RUN_ID, 'shopper', 3, 18, undefined, undefined]);
  assert.deepEqual(report.failures.map(f => [f.method, f.name, f.error, f.count]), [['GET', '/broken', 'HTTP 500', 18]]);

  // The summary `loadlens run` prints, for the whole run.
  assert.match(stdout, /shopper finished after .* · 3 shards merged/);
  assert.match(stdout, /54 requests · 18 failures \(33\.3%\)/);
  assert.match(stdout, /requests >= 54/);
  // The HTML page shows the numbers, never the encoded histograms.
  const html = readFileSync(mergedHtml, 'utf8');
  assert.ok(html.includes(`run <code>${RUN_ID}</code> · 3 shards merged`), 'the page says which run and that it is merged');
  assert.ok(!html.includes('HISTF') && !html.includes('encodedStats'));
});

test('every span of the three shards carries the one run id and its shard, on the span and its resource', () => {
  const spans = receiver.spans().filter(span => span.kindName === 'CLIENT');
  assert.equal(spans.length, 54);
  assert.deepEqual(new Set(spans.map(span => span.resource['loadlens.run.id'])), new Set([RUN_ID]));
  const perShard = new Map<string, number>();
  for (const span of spans) {
    assert.equal(span.attributes['loadlens.shard'], span.resource['loadlens.shard']);
    const shard = String(span.attributes['loadlens.shard']);
    perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries([...perShard].sort()), { '0/3': 18, '1/3': 18, '2/3': 18 });
  // Plan-wide user ids: shard i runs users i+1 and i+4.
  const users = new Map<string, Set<unknown>>();
  for (const span of spans) users.set(String(span.attributes['loadlens.shard']), (users.get(String(span.attributes['loadlens.shard'])) ?? new Set()).add(span.attributes['loadlens.user.id']));
  assert.deepEqual([...users].sort().map(([shard, ids]) => [shard, [...ids].sort()]), [['0/3', [1, 4]], ['1/3', [2, 5]], ['2/3', [3, 6]]]);
});

test('loadlens merge --json prints the merged report as one NDJSON line', async () => {
  const { code, stdout } = await cli(['merge', ...shardFiles, '--json']);
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as { type: string; report: RunReport };
  assert.deepEqual([line.type, line.report.totals.requests, line.report.mergedShards], ['report', 54, 3]);
});

test('loadlens merge refuses what does not belong together and names missing shards', async () => {
  const cases: { args: string[]; code: number; stderr: RegExp; json?: boolean }[] = [
    { args: [shardFiles[0]!, shardFiles[0]!], code: 2, stderr: /^loadlens merge: .*shard0\.json and .*shard0\.json are both shard 0\/3: give each shard's report once\n$/ },
    // Two of three: the whole run's threshold fails on what is there, and the missing shard is named.
    { args: [shardFiles[0]!, shardFiles[2]!], code: 1, stderr: /^loadlens merge: warning: shard 1\/3 is missing: this report covers 2 of 3 shards, so its counts are only theirs\n$/ },
    { args: [path.join(dir, 'nowhere.json')], code: 2, stderr: /^loadlens merge: .*nowhere\.json: cannot be read \(ENOENT\)\n$/ },
    { args: [path.join(dir, 'shop.load.ts')], code: 2, stderr: /^loadlens merge: .*shop\.load\.ts: neither a JSON report nor the output of 'loadlens run --json' ending with the report; its last line is: \}\);\n$/ },
    { args: [], code: 2, stderr: /^loadlens merge: expected the shards' report files, got none\n/ },
    { args: [shardFiles[0]!, '--report', path.join(dir, 'merged.txt')], code: 2, stderr: /^loadlens merge: --report: '.*merged\.txt' must end in \.json or \.html\n$/ },
  ];
  for (const { args, code, stderr } of cases) {
    const result = await cli(['merge', ...args]);
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, stderr);
  }
  assert.equal(existsSync(path.join(dir, 'merged.txt')), false);
});
