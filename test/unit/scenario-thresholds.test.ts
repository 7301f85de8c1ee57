// The thresholds the Testing view lists under a scenario, found in the text by the locator: keys as written, at their
// lines, in the order written; and how run results are matched back to them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findScenarios, findThresholds } from '../../src/shared/scenario-locator.ts';
import { matchThresholdResults } from '../../src/shared/test-verdict.ts';
import type { ThresholdResult } from '../../src/shared/report.ts';

/** Every scenario of `text` → its thresholds as `key condition @line` (1-based, as a reader counts). */
function thresholdsOf(text: string): Record<string, string[]> {
  return Object.fromEntries(findScenarios(text).map(s => [s.name, findThresholds(text, s).map(t => `${t.key} ${t.condition ?? '?'} @${t.line + 1}:${t.column + 1}`)]));
}

describe('findThresholds', () => {
  const cases: { name: string; text: string; expected: Record<string, string[]> }[] = [
    {
      name: 'identifier and quoted keys, one per line, with filters holding braces, colons and commas',
      text: `import { scenario } from 'loadlens';
export const shopper = scenario({
  host: 'http://127.0.0.1:8080',
  thresholds: {
    p95: '< 300ms',
    'p99{name:/product/{id}}': '< 1s',
    "errorRate{method:POST,name:/a,b}": '<1%',
  },
}, async ({ http }) => { await http.get('/'); });
`,
      expected: { shopper: ['p95 < 300ms @5:5', 'p99{name:/product/{id}} < 1s @6:5', 'errorRate{method:POST,name:/a,b} <1% @7:5'] },
    },
    {
      name: 'two scenarios: each gets its own; one without thresholds gets none',
      text: `import { scenario } from 'loadlens';
export const a = scenario({ users: 2, thresholds: { requests: '>= 1' } }, async () => {});
export const b = scenario({ users: 2 }, async ({ http }) => {
  // thresholds: { p95: '< 1ms' } in a comment is nothing
  const thresholds = { p50: '< 1ms' };
  await http.get('/', { name: JSON.stringify(thresholds) });
});
`,
      expected: { a: ['requests >= 1 @2:53'], b: [] },
    },
    {
      name: 'nested objects and arrays before the thresholds, a key repeated (the last one counts), a trailing comment',
      text: `import { scenario, between } from 'loadlens';
export const shopper = scenario({
  stages: [{ duration: '10s', target: 5 }, { duration: '20s', target: 0 }],
  wait: between(1, 3),
  thresholds: {
    p95: '< 300ms', // the old limit
    rps: '>= 10',
    p95: '< 200ms',
  },
}, async () => {});
`,
      expected: { shopper: ['rps >= 10 @7:5', 'p95 < 200ms @8:5'] },
    },
    {
      name: 'a default export and a typed declaration exported by name',
      text: `import * as loadlens from 'loadlens';
const checkout: loadlens.Scenario = loadlens.scenario({ thresholds: { failures: '== 0' } }, async () => {});
export { checkout };
export default loadlens.scenario({
  thresholds: { 'p90{method:GET}': '< 50ms' },
}, async () => {});
`,
      expected: { checkout: ['failures == 0 @2:71'], default: ['p90{method:GET} < 50ms @5:17'] },
    },
    {
      name: 'thresholds the text cannot show: a variable, computed keys, options passed as a variable',
      text: `import { scenario } from 'loadlens';
const shared = { p95: '< 300ms' };
const key = 'p99';
const options = { thresholds: { p50: '< 1ms' } };
export const a = scenario({ thresholds: shared }, async () => {});
export const b = scenario({ thresholds: { [key]: '< 1s', errorRate: LIMIT } }, async () => {});
export const c = scenario(options, async () => {});
`,
      expected: { a: [], b: ['errorRate ? @6:58'], c: [] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(thresholdsOf(c.text), c.expected));
  }
});

describe('matchThresholdResults', () => {
  const result = (expression: string, extra: Partial<ThresholdResult>): ThresholdResult => ({ expression, ok: true, metric: 'p95', unit: 'ms', actual: 1, ...extra });
  it('matches by the key as written, else by line; what no written threshold claims is unmatched', () => {
    const written = [{ key: 'p95', line: 4 }, { key: 'errorRate', line: 5 }, { key: 'rps', line: 6 }];
    const byKey = result('p95 < 300ms', { key: 'p95', location: { file: 'f', line: 99, column: 1 } });
    const byLine = result('errorRate < 1%', { location: { file: 'f', line: 6, column: 5 } });
    const computed = result('p99 < 1s', { key: 'p99' });
    const { matched, unmatched } = matchThresholdResults(written, [byKey, byLine, computed]);
    assert.equal(matched.get(written[0]!), byKey);
    assert.equal(matched.get(written[1]!), byLine);
    assert.equal(matched.get(written[2]!), undefined, 'not run: no result');
    assert.deepEqual(unmatched, [computed]);
  });
});
