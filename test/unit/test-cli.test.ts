// `loadlens test` as CI runs it: the CLI as a child process in a folder of load files, against a real
// loopback server, exporting to a real OTLP receiver (protobuf decoded) so failures carry trace ids.
// Checked: which files and scenarios run (node_modules skipped), the exit codes (0, 1, 2, 4), the
// summary table, the reports per scenario, the JUnit file against the JUnit schema Jenkins' xUnit
// plugin validates with (test/fixtures/junit/junit-10.xsd, through libxml2's validator), and the
// GitHub Actions annotations.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/receiver/index.ts';
import type { RunReport } from '../../src/shared/report.ts';

const root = path.resolve(import.meta.dirname, '../..');
const SCHEMA = readFileSync(path.join(root, 'test/fixtures/junit/junit-10.xsd'), 'utf8');

async function validateJUnit(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit-10.xsd', contents: SCHEMA }] });
  return result.errors.map(error => error.rawMessage);
}

/** Counts requests by path: /ok answers 200, /broken 500. */
async function target() {
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url!, 'http://x').pathname;
    counts.set(pathname, (counts.get(pathname) ?? 0) + 1);
    res.statusCode = pathname === '/broken' ? 500 : 200;
    res.end('{"ok":true}');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts,
    close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

interface CliResult { code: number | null; stdout: string; stderr: string }

function cli(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const childEnv: Record<string, string | undefined> = { ...process.env, GITHUB_ACTIONS: undefined, ...env };
  const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), 'test', ...args], { cwd, env: childEnv as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', chunk => (stdout += chunk));
  child.stderr.on('data', chunk => (stderr += chunk));
  // Bounded: these runs end in seconds; a hang fails the test instead of the suite.
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise(resolve => child.on('exit', code => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

const PASSING = `import { scenario } from 'loadlens';

export const fast = scenario({
  users: 1,
  thresholds: { errorRate: '< 1%', requests: '>= 3' },
}, async ({ http }) => {
  await http.get('/ok');
});
`;

// Two scenarios: 'healthy' meets its thresholds; 'broken' breaches errorRate (line 14) and meets requests.
const MIXED = `import { scenario } from 'loadlens';

export const healthy = scenario({
  users: 1,
  thresholds: { 'p95{name:/ok}': '< 5s' },
}, async ({ http }) => {
  await http.get('/ok');
});

export const broken = scenario({
  users: 1,
  thresholds: {
    requests: '>= 3',
    errorRate: '< 1%',
  },
}, async ({ http }) => {
  await http.get('/broken');
});
`;
const ERROR_RATE_LINE = 14;

let receiver: OtlpReceiver;
let server: Awaited<ReturnType<typeof target>>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-test-cli-'));

function write(relative: string, text: string): string {
  const file = path.join(dir, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

before(async () => {
  receiver = await startOtlpReceiver({ port: 0 });
  server = await target();
  write('suite/a/passing.load.ts', PASSING);
  write('suite/b/mixed.load.ts', MIXED);
  // Never run: under node_modules (a dependency's own load files) and a dot-folder.
  write('suite/node_modules/dep/broken.load.ts', MIXED);
  write('suite/.cache/broken.load.ts', MIXED);
  write('suite/b/helper.ts', 'export const notALoadFile = 1;\n');
});

after(async () => {
  await server.close();
  await receiver.close();
});

describe('loadlens test: a folder with a passing file and a file with a passing and a failing scenario', () => {
  let run: CliResult;
  const junit = path.join(dir, 'out/junit.xml');
  const reports = path.join(dir, 'out/reports');

  before(async () => {
    // No path: every load file under the current folder.
    run = await cli(path.join(dir, 'suite'), ['-H', server.url, '-i', '3', '--otel', '--junit', junit, '--report-dir', reports], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', GITHUB_ACTIONS: 'true',
    });
  });

  test('runs the three scenarios of the two files, one after another, and exits 1 for the breached threshold', () => {
    assert.equal(run.code, 1, run.stderr);
    // 3 iterations of one user per scenario: fast and healthy get /ok (6), broken gets /broken (3). Nothing from node_modules or .cache.
    assert.deepEqual(Object.fromEntries(server.counts), { '/ok': 6, '/broken': 3 });
    const order = [...run.stdout.matchAll(/^▶ (.+)$/gm)].map(m => m[1]);
    assert.deepEqual(order, ['a/passing.load.ts › fast', 'b/mixed.load.ts › healthy', 'b/mixed.load.ts › broken']);
    // One after another: each run's report starts after the previous one ended.
    const timings = ['a-passing.load.fast', 'b-mixed.load.healthy', 'b-mixed.load.broken']
      .map(stem => JSON.parse(readFileSync(path.join(reports, `${stem}.json`), 'utf8')) as RunReport)
      .map(r => [r.header.startedAt, Date.parse(r.endedAt)] as const);
    for (let i = 1; i < timings.length; i++) assert.ok(timings[i]![0] >= timings[i - 1]![1], `run ${i} started before run ${i - 1} ended`);
  });

  test('prints one summary table at the end', () => {
    const summary = run.stdout.slice(run.stdout.lastIndexOf('Test summary'));
    const lines = summary.split('\n');
    assert.match(lines[1]!, /^\s+File\s+Scenario\s+Time\s+Requests\s+Fails\s+Result$/);
    assert.match(lines[2]!, /^✓  a\/passing\.load\.ts  fast\s+\d+\.\d s\s+3\s+0  2\/2 thresholds passed$/);
    assert.match(lines[3]!, /^✓  b\/mixed\.load\.ts\s+healthy\s+\d+\.\d s\s+3\s+0  1\/1 thresholds passed$/);
    assert.match(lines[4]!, /^✗  b\/mixed\.load\.ts\s+broken\s+\d+\.\d s\s+3\s+3  errorRate < 1% — actual 100%$/);
    assert.equal(lines[5], '3 scenarios in 2 files · 2 passed · 1 failed');
  });

  test('writes a JSON and an HTML report per scenario into --report-dir', () => {
    assert.deepEqual(readdirSync(reports).sort(), [
      'a-passing.load.fast.html', 'a-passing.load.fast.json', 'b-mixed.load.broken.html', 'b-mixed.load.broken.json',
      'b-mixed.load.healthy.html', 'b-mixed.load.healthy.json',
    ]);
    const broken = JSON.parse(readFileSync(path.join(reports, 'b-mixed.load.broken.json'), 'utf8')) as RunReport;
    assert.deepEqual([broken.header.scenario, broken.totals.requests, broken.totals.failures], ['broken', 3, 3]);
  });

  test('the JUnit file is valid against the JUnit schema, a suite per file, a case per threshold and per scenario', async () => {
    const xml = readFileSync(junit, 'utf8');
    assert.deepEqual(await validateJUnit(xml), []);
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)" time="([\d.]+)"/g)].map(m => m.slice(1, 6));
    assert.deepEqual(suites, [['a/passing.load.ts', '3', '0', '0', '0'], ['b/mixed.load.ts', '5', '1', '0', '0']]);
    const cases = [...xml.matchAll(/<testcase name="([^"]+)" classname="([^"]+)" time="([\d.]+)"/g)].map(m => [m[2], m[1]]);
    assert.deepEqual(cases, [
      ['a.passing.fast', 'ran to the end'], ['a.passing.fast', 'errorRate &lt; 1%'], ['a.passing.fast', 'requests &gt;= 3'],
      ['b.mixed.healthy', 'ran to the end'], ['b.mixed.healthy', 'p95{name:/ok} &lt; 5s'],
      ['b.mixed.broken', 'ran to the end'], ['b.mixed.broken', 'requests &gt;= 3'], ['b.mixed.broken', 'errorRate &lt; 1%'],
    ]);
  });

  test('a case\'s time is its run\'s duration; a suite\'s time adds up its runs', () => {
    const xml = readFileSync(junit, 'utf8');
    const report = (stem: string) => JSON.parse(readFileSync(path.join(reports, `${stem}.json`), 'utf8')) as RunReport;
    const ran = [...xml.matchAll(/<testcase name="ran to the end" classname="([^"]+)" time="([\d.]+)"/g)].map(m => [m[1], Number(m[2])]);
    assert.deepEqual(ran, [
      ['a.passing.fast', Number((report('a-passing.load.fast').durationMs / 1000).toFixed(3))],
      ['b.mixed.healthy', Number((report('b-mixed.load.healthy').durationMs / 1000).toFixed(3))],
      ['b.mixed.broken', Number((report('b-mixed.load.broken').durationMs / 1000).toFixed(3))],
    ]);
    const mixedTime = Number(/<testsuite name="b\/mixed\.load\.ts"[^>]* time="([\d.]+)"/.exec(xml)![1]);
    assert.ok(Math.abs(mixedTime - ((ran[1]![1] as number) + (ran[2]![1] as number))) < 0.0015, `${mixedTime}`);
  });

  test('the breached threshold\'s failure: its message, its line, the rows it read and the failing trace ids', () => {
    const xml = readFileSync(junit, 'utf8');
    const failure = /<failure message="([^"]+)" type="threshold">([^<]+)<\/failure>/.exec(xml);
    assert.ok(failure, xml);
    assert.equal(failure[1], 'errorRate &lt; 1% — actual 100%');
    const text = failure[2]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const lines = text.split('\n');
    assert.deepEqual(lines.slice(0, 2), ['errorRate < 1% — actual 100%', `at b/mixed.load.ts:${ERROR_RATE_LINE}`]);
    assert.match(lines[2]!, /^Reads all requests: 3 · 3 failed \(100%\) · p50 [\d.]+ m?s · p95 [\d.]+ m?s · p99 [\d.]+ m?s$/);
    assert.match(lines[3]!, /^ {2}GET \/broken {2}3 requests · 3 failed \(100%\)/);
    assert.deepEqual(lines.slice(4, 6), ['Failures', '  3× GET /broken: HTTP 500']);
    const traceIds = /^ {4}traces (.+)$/m.exec(text)?.[1]?.split(', ') ?? [];
    // The three requests' own trace ids, as the receiver got them on the ERROR spans of GET /broken.
    const brokenSpans = receiver.spans().filter(span => span.kindName === 'CLIENT' && String(span.attributes['url.full']).endsWith('/broken'));
    assert.equal(brokenSpans.length, 3);
    assert.ok(brokenSpans.every(span => span.status.codeName === 'ERROR'));
    assert.deepEqual(new Set(traceIds), new Set(brokenSpans.map(span => span.traceId)));
  });

  test('in GitHub Actions: an ::error annotation at the breached threshold\'s line, with its trace ids', () => {
    const annotations = run.stdout.split('\n').filter(line => line.startsWith('::'));
    assert.equal(annotations.length, 1, annotations.join('\n'));
    const match = /^::error file=b\/mixed\.load\.ts,line=(\d+),col=(\d+),title=loadlens%3A broken threshold breached::errorRate < 1%25 — actual 100%25 \(traces ([0-9a-f]{32}(?:, [0-9a-f]{32}){2})\)$/.exec(annotations[0]!);
    assert.ok(match, annotations[0]);
    assert.deepEqual([Number(match[1]), Number(match[2])], [ERROR_RATE_LINE, 5]);
  });
});

test('loadlens test FILE: only that file; all passed: exit 0, no annotation outside GitHub Actions', async () => {
  const { code, stdout, stderr } = await cli(dir, ['suite/a/passing.load.ts', '-H', server.url, '-i', '3', '--headless']);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^1 scenario in 1 file · 1 passed · 0 failed$/m);
  assert.ok(!stdout.includes('::error'));
});

test('loadlens test GLOB: the files it matches (quoted, expanded by loadlens); the failing scenario exits 1', async () => {
  const { code, stdout, stderr } = await cli(dir, ['suite/*/mixed.load.ts', '-H', server.url, '-i', '1']);
  assert.equal(code, 1, stderr);
  assert.deepEqual([...stdout.matchAll(/^▶ (.+)$/gm)].map(m => m[1]), ['suite/b/mixed.load.ts › healthy', 'suite/b/mixed.load.ts › broken']);
});

test('a file that does not load: exit 2, the others still run; JUnit error and annotation at its line', async () => {
  write('invalid/ok.load.ts', PASSING);
  write('invalid/typo.load.ts', `import { scenario } from 'loadlens';\n\nexport const typo = scenario({ users: 1, thresholds: { errorRate: '< 1%' }, usres: 2 }, async ({ http }) => {\n  await http.get('/ok');\n});\n`);
  const junit = path.join(dir, 'invalid-junit.xml');
  const { code, stdout, stderr } = await cli(path.join(dir, 'invalid'), ['-H', server.url, '-i', '3', '--junit', junit], { GITHUB_ACTIONS: 'true' });
  assert.equal(code, 2, stderr);
  assert.match(stderr, /typo\.load\.ts:3:\d+: unknown option 'usres': did you mean 'users'\?/);
  assert.match(stdout, /^✓  ok\.load\.ts\s+fast /m);
  assert.match(stdout, /^!  typo\.load\.ts\s+does not load: unknown option 'usres'/m);
  assert.match(stdout, /^::error file=typo\.load\.ts,line=3,col=\d+,title=loadlens%3A the file does not load::unknown option 'usres'/m);
  const xml = readFileSync(junit, 'utf8');
  assert.deepEqual(await validateJUnit(xml), []);
  assert.match(xml, /<testsuite name="typo\.load\.ts" tests="1" failures="0" errors="1"/);
  assert.match(xml, /<testcase name="loads" classname="typo" time="0\.000">\s*<error message="does not load: unknown option 'usres': did you mean 'users'\?" type="invalid">typo\.load\.ts:3:\d+: unknown option/);
});

test('a scenario without thresholds fails when an iteration throws; one without errors passes', async () => {
  write('nothresholds/plain.load.ts', `import { scenario } from 'loadlens';

export const calm = scenario({ users: 1 }, async ({ http }) => {
  await http.get('/ok');
});

export const throws = scenario({ users: 1 }, async ({ http }) => {
  await http.get('/ok');
  throw new Error('basket is empty');
});
`);
  const junit = path.join(dir, 'nothresholds-junit.xml');
  const { code, stdout, stderr } = await cli(path.join(dir, 'nothresholds'), ['-H', server.url, '-i', '2', '--junit', junit]);
  assert.equal(code, 1, stderr);
  assert.match(stdout, /^✓  plain\.load\.ts\s+calm\s.*no thresholds$/m);
  assert.match(stdout, /^✗  plain\.load\.ts\s+throws\s.*2 iteration errors \(no thresholds: passes unless the run is aborted or an iteration throws\)$/m);
  const xml = readFileSync(junit, 'utf8');
  assert.deepEqual(await validateJUnit(xml), []);
  assert.match(xml, /<testcase name="ran to the end" classname="plain\.throws" time="[\d.]+">\s*<failure message="2 iteration errors [^"]*" type="iteration-errors">2× basket is empty\n {4}at .*plain\.load\.ts:9:\d+<\/failure>/);
});

test('a run ended by force: exit 4 (as run), a JUnit error, and the next scenario still runs', async () => {
  // The stuck limit is generous: it also bounds loading the file, which takes seconds on a busy machine.
  write('stuck/a-spin.load.ts', `import { scenario } from 'loadlens';

export const spin = scenario({ users: 1, runTime: '2m', thresholds: { requests: '>= 1' } }, async ({ http, iteration }) => {
  if (iteration === 0) {
    await http.get('/ok');
    // Long enough for a stats message to carry the request, then a synchronous loop that never yields.
    await new Promise(resolve => setTimeout(resolve, 7000));
    for (;;) { /* stuck */ }
  }
});
`);
  write('stuck/b-after.load.ts', PASSING.replace("users: 1,", "users: 1, runTime: '1s',").replace("'>= 3'", "'>= 1'"));
  const junit = path.join(dir, 'stuck-junit.xml');
  const { code, stdout, stderr } = await cli(path.join(dir, 'stuck'), ['-H', server.url, '--junit', junit], { LOADLENS_STUCK_AFTER_MS: '6000' });
  assert.equal(code, 4, stderr);
  assert.match(stdout, /^!  a-spin\.load\.ts\s+spin\s.*aborted: the users stopped answering/m);
  assert.match(stdout, /^✓  b-after\.load\.ts\s+fast\s/m);
  const xml = readFileSync(junit, 'utf8');
  assert.deepEqual(await validateJUnit(xml), []);
  assert.match(xml, /<testcase name="ran to the end" classname="a-spin\.spin" time="[\d.]+">\s*<error message="aborted: the users stopped answering[^"]*" type="aborted">/);
});

describe('invalid arguments: exit 2 with what and where', { concurrency: true }, () => {
  const cases: { args: string[]; cwd?: string; message: RegExp }[] = [
    { args: ['suite/missing.load.ts'], message: /^loadlens test: 'suite\/missing\.load\.ts': no such file or folder$/m },
    { args: ['suite/b/helper-folder-*'], message: /^loadlens test: 'suite\/b\/helper-folder-\*': no file matches this pattern$/m },
    { args: ['out'], message: /^loadlens test: 'out': no \*\.load\.ts, \*\.load\.js or \*\.load\.mjs file under this folder$/m },
    { args: ['suite', '--workers', 'many'], message: /^loadlens test: --workers .*got 'many'$/m },
    { args: ['suite', '--users'], message: /^loadlens test: Option '-u, --users <value>' argument missing/m },
  ];
  for (const c of cases) {
    test(`loadlens test ${c.args.join(' ')}`, async () => {
      mkdirSync(path.join(dir, 'out'), { recursive: true });
      const { code, stderr } = await cli(dir, c.args);
      assert.equal(code, 2, stderr);
      assert.match(stderr, c.message);
    });
  }
});
