// Each stats row knows the scenario line that made it (the user's file:line:column, through the source
// map), learned once per row; each threshold knows the line of its key. Checked on the example shop's
// own scenario file with exact line numbers, against a loopback target that fails one product.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runSession } from '../../src/engine/run/session.ts';
import { Stats } from '../../src/engine/stats/index.ts';
import type { RunReport, StatsSnapshot } from '../../src/shared/report.ts';

const root = path.resolve(import.meta.dirname, '../..');
const SHOP_SCENARIOS = path.join(root, 'examples/shop.load.ts');

/** Answers like the shop: JSON with an order id; `/product/4711` fails with a 500. */
async function target() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = req.url === '/product/4711' ? 500 : 200;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ orderId: 'o-1', priceCents: 100 }));
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

async function run(file: string, scenario: string, host: string, snapshots: StatsSnapshot[] = []): Promise<RunReport> {
  const result = await runSession({
    file, scenario, overrides: { users: '3', spawnRate: '100', runTime: '1200ms', host },
    outputs: () => [{ start() {}, add(snapshot: StatsSnapshot) { snapshots.push(structuredClone(snapshot)); }, async stop() {} }],
  });
  if (!result.ok) assert.fail(result.diagnostics.map(d => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n'));
  return result.report;
}

const at = (line: number, column: number) => ({ file: SHOP_SCENARIOS, line, column });

test('source locations: every row of examples/shop.load.ts › shopper is on its http.* line, in the report and the snapshots', async () => {
  const shop = await target();
  try {
    const snapshots: StatsSnapshot[] = [];
    const report = await run(SHOP_SCENARIOS, 'shopper', shop.url, snapshots);
    const located = Object.fromEntries(report.requests.map(r => [`${r.method} ${r.name}`, r.location]));
    assert.deepEqual(located, {
      'POST /authenticate': at(15, 14),
      'POST /cart/add': at(18, 16),
      'POST /checkout/confirm': at(20, 26),
      'GET /product/{product_id}': at(17, 16),
      ' Aggregated': undefined,
    });
    // The failures of /product/4711 carry their row's line, so a hover on line 17 can list them.
    assert.deepEqual(report.failures.map(f => [f.method, f.name, f.error, f.location]), [['GET', '/product/{product_id}', 'HTTP 500', at(17, 16)]]);
    // Thresholds: the line and column of each key in the options object.
    assert.deepEqual(report.thresholds.map(t => [t.expression, t.location]), [['p95 < 500ms', at(13, 17)], ['errorRate < 5%', at(13, 35)]]);
    // The live snapshots carry the same locations.
    const last = snapshots.at(-1)!;
    assert.deepEqual(last.requests.find(r => r.name === '/product/{product_id}')?.location, at(17, 16));
    assert.deepEqual(last.failures[0]?.location, at(17, 16));
  } finally {
    await shop.close();
  }
});

test('source locations: the browse scenario, a group row and an imported helper', async () => {
  const shop = await target();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-locations-'));
  try {
    const report = await run(SHOP_SCENARIOS, 'browse', shop.url);
    assert.deepEqual(report.requests.filter(r => r.method !== '').map(r => [`${r.method} ${r.name}`, r.location?.line]),
      [['GET /product/{product_id}', 33], ['GET /products', 31]]);

    writeFileSync(path.join(dir, 'helper.ts'), `import type { UserContext } from 'loadlens';\n\nexport async function cart(http: UserContext['http']) {\n  return http.post('/cart/add');\n}\n`);
    const file = path.join(dir, 'grouped.load.ts');
    writeFileSync(file, [
      "import { scenario } from 'loadlens';",
      "import { cart } from './helper.ts';",
      '',
      "export const grouped = scenario({ thresholds: {",
      "  'p95{name:/a}': '< 1s',",
      '  errorRate: "< 50%" } }, async ({ http, group }) => {',
      "  await group('checkout', async () => {",
      "    await http.get('/a');",
      '    await cart(http);',
      '  });',
      '});',
      '',
    ].join('\n'));
    const grouped = await run(file, 'grouped', shop.url);
    assert.deepEqual(Object.fromEntries(grouped.requests.filter(r => r.method !== '').map(r => [`${r.method} ${r.name}`, r.location])), {
      'GET /a': { file, line: 8, column: 16 },
      'POST /cart/add': { file: path.join(dir, 'helper.ts'), line: 4, column: 15 },
      'GROUP checkout': { file, line: 7, column: 9 },
    });
    assert.deepEqual(grouped.thresholds.map(t => t.location), [{ file, line: 5, column: 3 }, { file, line: 6, column: 3 }]);
  } finally {
    await shop.close();
  }
});

test('source locations: a row asks for its location once; the cap bounds them', () => {
  const stats = new Stats({ maxNames: 2 });
  assert.equal(stats.needsLocation('GET', '/a'), true);
  stats.setLocation('GET', '/a', { file: '/s.load.ts', line: 3, column: 9 });
  assert.equal(stats.needsLocation('GET', '/a'), false);
  stats.setLocation('GET', '/b', undefined); // no frame in the user's files: not asked again either
  assert.equal(stats.needsLocation('GET', '/b'), false);
  assert.equal(stats.needsLocation('GET', '/c'), false, 'beyond maxNames no stack is captured');
  assert.deepEqual(stats.locationOf('GET', '/a'), { file: '/s.load.ts', line: 3, column: 9 });
  const merged = new Stats();
  merged.merge(stats.encode());
  assert.deepEqual(merged.locationOf('GET', '/a'), { file: '/s.load.ts', line: 3, column: 9 });
});
