// `import { scenario, between } from 'loadlens'` in a folder with no package.json and no node_modules,
// checked by a real tsserver with the Loadlens plugin loaded as VS Code loads it (test/support/tsserver.ts).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildPluginProbe, EDITOR_INFERRED_OPTIONS, TsServer } from '../support/tsserver.ts';

const EXAMPLE = readFileSync(path.join(import.meta.dirname, '../../examples/shop.load.ts'), 'utf8');

const JS_SCENARIO = `import { scenario, between } from 'loadlens';

export const browse = scenario({ host: 'http://127.0.0.1:8080', users: 5, wait: between(1, 2) }, async ({ http, check }) => {
  const res = await http.get('/product/1', { name: '/product/{id}' });
  check(res, { 'status is 200': r => r.status === 200 });
});
`;

const CJS_SCENARIO = `const { scenario, constant } = require('loadlens');

module.exports = scenario({ users: 2, wait: constant(1) }, async ({ http }) => {
  await http.post('/cart/add', { json: { productId: 1 } });
});
`;

// The seed's own check, as a new user writes it: json() is any (as fetch's Response.json()), not unknown.
const SEED_SCENARIO = `import { scenario } from 'loadlens';

export const checkout = scenario({ host: 'http://127.0.0.1:8080' }, async ({ http, check }) => {
  const res = await http.post('/checkout/confirm', { json: {} });
  check(res, { 'order id returned': r => typeof r.json().orderId === 'string' });
  const typed: string | undefined = res.json<{ orderId?: string }>().orderId;
  void typed;
});
`;

/** 1-based line and offset of the first `needle` in `text`, plus `delta` characters. */
function at(text: string, needle: string, delta = 0): { line: number; offset: number } {
  const index = text.indexOf(needle);
  assert.notEqual(index, -1, `${needle} is not in the text`);
  const before = text.slice(0, index + delta).split('\n');
  return { line: before.length, offset: before.at(-1)!.length + 1 };
}

describe('types with no install (tsserver + the Loadlens plugin)', () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'loadlens-fresh-'));
  const files = {
    ts: path.join(folder, 'shopper.load.ts'),
    js: path.join(folder, 'browse.load.js'),
    cjs: path.join(folder, 'cart.load.cjs'),
    seed: path.join(folder, 'checkout.load.ts'),
  };
  writeFileSync(files.ts, EXAMPLE);
  writeFileSync(files.js, JS_SCENARIO);
  writeFileSync(files.cjs, CJS_SCENARIO);
  writeFileSync(files.seed, SEED_SCENARIO);
  let server: TsServer;

  before(async () => {
    const { probe } = await buildPluginProbe();
    server = new TsServer({ probe });
    for (const file of Object.values(files)) await server.open(file, EDITOR_INFERRED_OPTIONS);
  });
  after(() => server?.close());

  for (const [kind, file] of Object.entries(files)) {
    test(`${path.basename(file)} (${kind}): zero problems, strict and with checkJs`, async () => {
      const problems = await server.problems(file);
      assert.deepEqual(problems.map(p => `${p.start.line}:${p.start.offset} TS${p.code} ${p.text}`), []);
    });
  }

  test('hovering scenario shows its doc comment from the API', async () => {
    const info = await server.request<{ displayString: string; documentation: string }>('quickinfo', { file: files.ts, ...at(EXAMPLE, 'scenario({', 1) });
    assert.equal(info.displayString.split('\n')[0], '(alias) scenario(options: ScenarioOptions, fn: UserFunction): ScenarioDefinition');
    assert.match(info.documentation, /^Defines a scenario: its load options and the function each virtual user runs/);
  });

  test('completions after http. list the request methods, in .ts and .js', async () => {
    for (const [file, text] of [[files.ts, EXAMPLE], [files.js, JS_SCENARIO]] as const) {
      const completions = await server.request<{ entries: { name: string }[] }>('completionInfo', { file, ...at(text, 'http.get', 5) });
      const names = completions.entries.map(e => e.name);
      for (const method of ['get', 'post', 'put', 'patch', 'delete', 'head', 'request']) assert.ok(names.includes(method), `${path.basename(file)}: ${method} not in ${names.join(', ')}`);
    }
  });

  test('the options object completes with the option names and their docs', async () => {
    const completions = await server.request<{ entries: { name: string }[] }>('completionInfo', { file: files.js, ...at(JS_SCENARIO, 'users: 5', 0) });
    const names = completions.entries.map(e => e.name);
    for (const option of ['spawnRate', 'runTime', 'stages', 'thresholds', 'arrivalRate']) assert.ok(names.includes(option), `${option} not in ${names.join(', ')}`);
  });
});

describe('without the plugin (the control)', () => {
  test("the same file has the problems a new user saw: Cannot find module 'loadlens', implicit any", async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'loadlens-fresh-'));
    const file = path.join(folder, 'shopper.load.ts');
    writeFileSync(file, EXAMPLE);
    const server = new TsServer();
    try {
      await server.open(file, EDITOR_INFERRED_OPTIONS);
      const codes = (await server.problems(file)).map(p => p.code);
      assert.equal(codes[0], 2307, `expected TS2307 first, got ${codes.join(', ')}`);
      assert.ok(codes.filter(c => c === 7031 || c === 7006).length >= 2, `expected implicit any (TS7031/TS7006), got ${codes.join(', ')}`);
    } finally {
      server.close();
    }
  });

  test("a loadlens the user installed wins over the shipped declarations", async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'loadlens-installed-'));
    mkdirSync(path.join(folder, 'node_modules/loadlens'), { recursive: true });
    writeFileSync(path.join(folder, 'node_modules/loadlens/package.json'), JSON.stringify({ name: 'loadlens', version: '9.9.9', types: 'index.d.ts' }));
    writeFileSync(path.join(folder, 'node_modules/loadlens/index.d.ts'), '/** The installed copy. */\nexport declare function scenario(name: string): void;\n');
    const file = path.join(folder, 'x.load.ts');
    writeFileSync(file, "import { scenario } from 'loadlens';\nscenario('x');\n");
    const { probe } = await buildPluginProbe();
    const server = new TsServer({ probe });
    try {
      await server.open(file, EDITOR_INFERRED_OPTIONS);
      assert.deepEqual((await server.problems(file)).map(p => p.text), []);
      const info = await server.request<{ documentation: string }>('quickinfo', { file, line: 2, offset: 1 });
      assert.equal(info.documentation, 'The installed copy.');
    } finally {
      server.close();
    }
  });
});
