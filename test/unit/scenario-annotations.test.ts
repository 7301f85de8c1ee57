// The words the scenario file shows after a run: line summaries, Problems, and the hover's trace links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FailureRow, RequestRow, ThresholdResult } from '../../src/shared/report.ts';
import { formatLatency, hoverMarkdown, lineAnnotations, openTraceCommandUri, rowSummary, scenarioProblems } from '../../src/shared/scenario-annotations.ts';

const FILE = '/work/examples/shop.load.ts';

function row(method: string, name: string, count: number, failures: number, p95: number, line?: number): RequestRow {
  return {
    method, name, count, failures, p50: p95 / 2, p90: p95 * 0.9, p95, p99: p95 * 1.5, avg: p95 / 2, min: 1, max: p95 * 2,
    avgSize: 100, ttfbAvg: 1, connectAvg: 0, connects: 0, currentRps: 0, currentFailuresPerSec: 0, statusClasses: {},
    ...(line === undefined ? {} : { location: { file: FILE, line, column: 9 } }),
  };
}

function failure(method: string, name: string, error: string, count: number, traceIds: string[], line?: number): FailureRow {
  return { method, name, error, count, traceIds, lastAt: 0, ...(line === undefined ? {} : { location: { file: FILE, line, column: 9 } }) };
}

const T1 = '11111111111111111111111111111111';
const T2 = '22222222222222222222222222222222';
const T3 = '33333333333333333333333333333333';
const T4 = '44444444444444444444444444444444';

const rows = [
  row('POST', '/authenticate', 163, 0, 12.4, 15),
  row('GET', '/product/{product_id}', 652, 11, 48.2, 17),
  row('POST', '/cart/add', 652, 0, 9.06, 18),
  row('GET', '/no-location', 5, 5, 3),
  row('', 'Aggregated', 1472, 16, 40),
];
const failures = [
  failure('GET', '/product/{product_id}', 'HTTP 500', 9, [T1, T2, T3, T4], 17),
  failure('GET', '/product/{product_id}', 'timeout', 2, [T1]),
  failure('GET', '/no-location', 'HTTP 404', 5, [T2]),
];

test('rowSummary and formatLatency: the numbers at the end of a line', () => {
  const cases: Array<[Parameters<typeof rowSummary>[0], string]> = [
    [{ p95: 48.2, failures: 11, count: 652 }, 'p95 48 ms · 11 / 652 failed'],
    [{ p95: 4.25, failures: 0, count: 10 }, 'p95 4.3 ms · 10 ok'],
    [{ p95: 1250, failures: 652, count: 652 }, 'p95 1.25 s · 652 / 652 failed'],
  ];
  for (const [input, expected] of cases) assert.equal(rowSummary(input), expected);
  assert.deepEqual([0.04, 9.96, 10, 999.4, 1000].map(formatLatency), ['0.0 ms', '10.0 ms', '10 ms', '999 ms', '1.00 s']);
});

test('lineAnnotations: one per line with a location, with that line\'s failures; several rows on one line share it', () => {
  const annotations = lineAnnotations(rows, failures);
  assert.deepEqual(annotations.map(a => [a.line, a.text, a.failures.map(f => f.error)]), [
    [15, 'p95 12 ms · 163 ok', []],
    [17, 'p95 48 ms · 11 / 652 failed', ['HTTP 500', 'timeout']],
    [18, 'p95 9.1 ms · 652 ok', []],
  ]);
  const shared = lineAnnotations([row('GET', '/a', 10, 1, 20, 7), row('POST', '/a', 5, 0, 30, 7)], []);
  assert.deepEqual(shared.map(a => [a.line, a.text]), [[7, 'GET /a: p95 20 ms · 1 / 10 failed  |  POST /a: p95 30 ms · 5 ok']]);
});

test('scenarioProblems: failed rows at their call, breached thresholds at their key, nothing without a line', () => {
  const thresholds: ThresholdResult[] = [
    { expression: 'p95 < 300ms', ok: false, actual: 512, location: { file: FILE, line: 11, column: 17 } },
    { expression: 'errorRate < 1%', ok: false, actual: 1.0869, location: { file: FILE, line: 11, column: 35 } },
    { expression: 'p99 < 1s', ok: true, actual: 70, location: { file: FILE, line: 11, column: 50 } },
    { expression: 'max < 2s', ok: false, actual: 2500 },
  ];
  assert.deepEqual(scenarioProblems(rows, failures, thresholds), [
    { file: FILE, line: 17, column: 9, message: 'GET /product/{product_id}: 11 of 652 failed (HTTP 500: 9, timeout: 2)' },
    { file: FILE, line: 11, column: 17, message: 'threshold p95 < 300ms breached (actual 512 ms)' },
    { file: FILE, line: 11, column: 35, message: 'threshold errorRate < 1% breached (actual 1.1%)' },
  ]);
  assert.deepEqual(scenarioProblems([row('GET', '/product/{product_id}', 652, 11, 48, 17)], [failures[0]!]).map(p => p.message),
    ['GET /product/{product_id}: 11 of 652 failed (HTTP 500)']);
});

test('hoverMarkdown: each failure kind with its newest trace ids as open-trace command links carrying the run', () => {
  const [, product] = lineAnnotations(rows, failures);
  const context = { runId: 'run-1', startMs: 1000, endMs: 2000 };
  const markdown = hoverMarkdown(product!, context);
  const link = (traceId: string) => `[${traceId.slice(0, 12)}…](${openTraceCommandUri({ ...context, traceId })} "Open trace ${traceId}")`;
  assert.equal(markdown, [
    '**GET /product/\\{product\\_id\\}**: 652 requests, 11 failed · p50 24 ms · p95 48 ms · p99 72 ms',
    '',
    `- HTTP 500 × 9: ${link(T4)} ${link(T3)} ${link(T2)}`,
    `- timeout × 2: ${link(T1)}`,
  ].join('\n'));
  // The argument round-trips: VS Code decodes the query and JSON-parses it into the command's arguments.
  const uri = openTraceCommandUri({ ...context, traceId: T4 });
  assert.ok(uri.startsWith('command:loadlens.open-trace?'));
  assert.deepEqual(JSON.parse(decodeURIComponent(uri.slice(uri.indexOf('?') + 1))), [{ runId: 'run-1', startMs: 1000, endMs: 2000, traceId: T4 }]);
});
