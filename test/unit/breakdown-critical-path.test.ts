// Where a request's time went: the critical path of hand-built span trees with known answers
// (sequential and concurrent children, nesting, clock offsets, orphans, errors at depth).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReceivedSpan } from '../../src/receiver/types.ts';
import { criticalPath, rootCauseOf, slimSpan, splitTrace } from '../../src/shared/breakdown/index.ts';
import { request, span } from '../support/breakdown-spans.ts';

/** Self time (ms) per part `service span` of every request of `spans` (one trace), and their sum per request. */
function partsOf(spans: readonly ReceivedSpan[]): { parts: Record<string, number>[]; totals: number[]; unparented: number[] } {
  const trees = splitTrace(new Map(spans.map(s => [s.spanId, slimSpan(s)])));
  trees.sort((a, b) => a.root.startUs - b.root.startUs);
  const parts = trees.map(tree => {
    const out: Record<string, number> = {};
    for (const segment of criticalPath(tree)) {
      const key = segment.network ? `${segment.span.service} network` : `${segment.span.service} ${segment.span.name}`;
      out[key] = (out[key] ?? 0) + segment.selfUs / 1000;
    }
    return out;
  });
  return { parts, totals: parts.map(p => Object.values(p).reduce((a, b) => a + b, 0)), unparented: trees.map(t => t.unparented) };
}

const criticalCases: Array<{ name: string; spans: ReceivedSpan[]; expected: Record<string, number>[]; unparented?: number[] }> = [
  {
    name: 'sequential children: each on the path, the gaps are the parent\'s',
    spans: [
      request('c', '/a', 0, 100),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /a', start: 5, end: 95 }),
      span({ id: 'q1', parent: 's', kind: 'CLIENT', name: 'db.query A', start: 10, end: 40 }),
      span({ id: 'q2', parent: 's', kind: 'CLIENT', name: 'db.query B', start: 45, end: 85 }),
    ],
    expected: [{ 'loadlens network': 10, 'shop GET /a': 20, 'shop db.query A': 30, 'shop db.query B': 40 }],
  },
  {
    name: 'two concurrent 10 ms calls count 10 ms, not 20',
    spans: [
      request('c', '/a', 0, 30),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /a', start: 2, end: 28 }),
      span({ id: 'x1', parent: 's', kind: 'CLIENT', name: 'GET /stock', start: 5, end: 15 }),
      span({ id: 'x2', parent: 's', kind: 'CLIENT', name: 'GET /stock', start: 5, end: 15 }),
    ],
    expected: [{ 'loadlens network': 4, 'shop GET /a': 16, 'shop GET /stock': 10 }],
  },
  {
    name: 'overlapping children: the later-ending one is on the path, the earlier one only where it ended before',
    spans: [
      request('c', '/a', 0, 40),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /a', start: 0, end: 40 }),
      span({ id: 'a', parent: 's', name: 'A', start: 5, end: 15 }),
      span({ id: 'b', parent: 's', name: 'B', start: 10, end: 30 }),
      span({ id: 'p', parent: 's', name: 'P', start: 1, end: 4 }),
    ],
    // B covers 10-30; A ended after B started, so it is off the path; P (1-4) ended before B started.
    expected: [{ 'loadlens network': 0, 'shop GET /a': 17, 'shop B': 20, 'shop P': 3 }],
  },
  {
    name: 'nested across services: shop calls inventory, inventory queries its database',
    spans: [
      request('c', '/slowdb', 0, 50),
      span({ id: 'k', parent: 'c', service: 'loadlens', name: 'connect', start: 0, end: 2 }),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /slowdb', start: 3, end: 48 }),
      span({ id: 'h', parent: 's', kind: 'CLIENT', name: 'GET', start: 5, end: 45 }),
      span({ id: 'is', parent: 'h', kind: 'SERVER', service: 'inventory', name: 'GET /stock', start: 6, end: 44 }),
      span({ id: 'db', parent: 'is', kind: 'CLIENT', service: 'inventory', name: 'db.query SELECT stock', start: 8, end: 40 }),
    ],
    // connect (0-2) is the load generator's own time: network with the client's 2-3 and 48-50.
    expected: [{ 'loadlens network': 5, 'shop GET /slowdb': 5, 'shop GET': 2, 'inventory GET /stock': 6, 'inventory db.query SELECT stock': 32 }],
  },
  {
    name: 'clock offsets: a server span starting 2 ms before its client and ending after it counts within the client',
    spans: [
      request('c', '/a', 10, 50),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /a', start: 8, end: 52 }),
      span({ id: 'q', parent: 's', name: 'db', start: 7, end: 20 }),
    ],
    expected: [{ 'loadlens network': 0, 'shop GET /a': 30, 'shop db': 10 }],
  },
  {
    name: 'a child entirely outside its parent\'s window counts nothing',
    spans: [
      request('c', '/a', 10, 50),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /a', start: 12, end: 48 }),
      span({ id: 'q', parent: 's', name: 'late', start: 60, end: 70 }),
    ],
    expected: [{ 'loadlens network': 4, 'shop GET /a': 36 }],
  },
  {
    name: 'orphans: a span whose parent never arrived hangs on the request it overlaps, counted unparented',
    spans: [
      span({ id: 'g', service: 'loadlens', name: 'group checkout', start: 0, end: 100 }),
      request('c1', '/a', 0, 40, { parent: 'g' }),
      request('c2', '/b', 50, 100, { parent: 'g' }),
      span({ id: 's1', parent: 'c1', kind: 'SERVER', name: 'GET /a', start: 2, end: 38 }),
      span({ id: 'o', parent: 'ffffffffffffffff', service: 'inventory', name: 'db.query', start: 60, end: 90 }),
      span({ id: 'oc', parent: 'o', service: 'inventory', name: 'parse', start: 70, end: 80 }),
    ],
    // The group's own span is in no request; the orphan and its child land under /b.
    expected: [{ 'loadlens network': 4, 'shop GET /a': 36 }, { 'loadlens network': 20, 'inventory db.query': 20, 'inventory parse': 10 }],
    unparented: [0, 1],
  },
  {
    name: 'a cycle of parent ids does not loop: the spans are counted once',
    spans: [
      request('c', '/a', 0, 10),
      span({ id: 'x', parent: 'y', name: 'X', start: 2, end: 8 }),
      span({ id: 'y', parent: 'x', name: 'Y', start: 3, end: 5 }),
    ],
    // The cycle closes at Y (the walk from X meets X again above Y): Y hangs on the request, X below it, clamped to Y's 3-5.
    expected: [{ 'loadlens network': 8, 'shop X': 2, 'shop Y': 0 }],
    unparented: [1],
  },
];

for (const c of criticalCases) {
  test(`critical path: ${c.name}`, () => {
    const { parts, totals, unparented } = partsOf(c.spans);
    assert.equal(parts.length, c.expected.length);
    parts.forEach((got, i) => {
      const rounded = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
      assert.deepEqual(rounded, c.expected[i]);
    });
    // The parts of each request add up to its duration.
    const durations = splitTrace(new Map(c.spans.map(s => [s.spanId, slimSpan(s)]))).sort((a, b) => a.root.startUs - b.root.startUs).map(t => (t.root.endUs - t.root.startUs) / 1000);
    assert.deepEqual(totals.map(t => Math.round(t * 1000) / 1000), durations);
    if (c.unparented) assert.deepEqual(unparented, c.unparented);
  });
}

const rootCauseCases: Array<{ name: string; spans: ReceivedSpan[]; expected: { id: string; message: string } | undefined }> = [
  {
    name: 'the deepest ERROR span on the failing path',
    spans: [
      request('c', '/a', 0, 50, { error: 'HTTP 500' }),
      span({ id: 's', parent: 'c', kind: 'SERVER', start: 1, end: 49, error: 'HTTP 500' }),
      span({ id: 'h', parent: 's', kind: 'CLIENT', start: 2, end: 40, error: 'HTTP 503' }),
      span({ id: 'is', parent: 'h', kind: 'SERVER', service: 'inventory', start: 3, end: 39, error: '' }),
      span({ id: 'db', parent: 'is', kind: 'CLIENT', service: 'inventory', name: 'db.query SELECT stock', start: 4, end: 30, error: 'stock table locked' }),
      span({ id: 'ok', parent: 'is', service: 'inventory', start: 31, end: 38 }),
      span({ id: 'shallow', parent: 's', start: 41, end: 45, error: 'cache timeout' }),
    ],
    expected: { id: 'db', message: 'stock table locked' },
  },
  {
    name: 'equally deep errors: the one that ended last',
    spans: [
      request('c', '/a', 0, 50, { error: 'HTTP 500' }),
      span({ id: 's', parent: 'c', kind: 'SERVER', start: 1, end: 49 }),
      span({ id: 'e1', parent: 's', start: 2, end: 10, error: 'first' }),
      span({ id: 'e2', parent: 's', start: 11, end: 20, error: 'second' }),
    ],
    expected: { id: 'e2', message: 'second' },
  },
  {
    name: 'a failed request with nothing failed below it is its own root cause (a timeout, a failed check)',
    spans: [request('c', '/a', 0, 50, { error: 'timeout' }), span({ id: 's', parent: 'c', kind: 'SERVER', start: 1, end: 49 })],
    expected: { id: 'c', message: 'timeout' },
  },
  {
    name: 'a request that did not fail has none, even with an error handled below it',
    spans: [request('c', '/a', 0, 50), span({ id: 's', parent: 'c', kind: 'SERVER', start: 1, end: 49, error: 'retried' })],
    expected: undefined,
  },
];

for (const c of rootCauseCases) {
  test(`root cause: ${c.name}`, () => {
    const [tree] = splitTrace(new Map(c.spans.map(s => [s.spanId, slimSpan(s)])));
    const cause = rootCauseOf(tree!);
    assert.deepEqual(cause === undefined ? undefined : { id: cause.spanId, message: cause.message }, c.expected);
  });
}

test('slimSpan: the message of a failed span falls back to its exception event, then error.type', () => {
  const withEvent = span({ id: 'a', start: 0, end: 1, error: '' });
  withEvent.events = [{ name: 'exception', timeUnixNano: '1', attributes: { 'exception.message': 'ECONNRESET on socket' } }];
  withEvent.attributes = { 'error.type': 'Error' };
  assert.equal(slimSpan(withEvent).message, 'ECONNRESET on socket');
  const withType = span({ id: 'b', start: 0, end: 1, error: '' });
  withType.attributes = { 'error.type': '500' };
  assert.equal(slimSpan(withType).message, '500');
  assert.equal(slimSpan(span({ id: 'c', start: 0, end: 1 })).message, '');
});

