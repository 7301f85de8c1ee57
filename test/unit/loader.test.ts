import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { between, constantPacing, scenario } from '../../src/engine/api/index.ts';
import { loadScenarioFile, userLocation, type LoadResult } from '../../src/engine/scenario/loader.ts';
import type { UserContext } from '../../src/engine/api/types.ts';
import { formatDiagnostic } from '../../src/shared/report.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/scenarios');
const fixture = (name: string) => path.join(FIXTURES, name);

/** What a failed load prints: `file:line:column: message` lines. */
function printed(result: LoadResult): string[] {
  assert.equal(result.ok, false, 'the load should have failed');
  return result.ok ? [] : result.diagnostics.map(formatDiagnostic);
}

async function loaded(name: string) {
  const result = await loadScenarioFile(fixture(name));
  if (!result.ok) assert.fail(result.diagnostics.map(formatDiagnostic).join('\n'));
  return result;
}

// Only what the fixtures' scenario functions touch: `http.get` resolves, nothing is sent.
const fakeContext = { http: { get: async () => ({}) } } as unknown as UserContext;

describe('loadScenarioFile', () => {
  test('every exported scenario, named by its export, in source order', async () => {
    const file = fixture('two-scenarios.load.ts');
    const { scenarios, warnings, sources } = await loaded('two-scenarios.load.ts');
    assert.deepEqual(scenarios.map(s => [s.exportName, s.location]), [
      ['shopper', { file, line: 4, column: 24 }],
      ['browser', { file, line: 18, column: 24 }],
    ]);
    assert.deepEqual(scenarios.map(s => s.definition.options), [
      {
        host: 'http://127.0.0.1:8080', users: 20, spawnRate: 5, runTime: '1m', wait: between(1, 3),
        thresholds: { 'p95': '< 300ms', 'p99{name:/checkout}': '< 1s' },
      },
      { users: 5, wait: constantPacing(2) },
    ]);
    assert.deepEqual(warnings, []);
    // 'loadlens' stayed external (the repo's tsconfig maps it to api.ts for the editor): nothing but the file was bundled.
    assert.deepEqual(sources, [file]);
  });

  test("'loadlens' is this engine's API module: definitions carry its shape and call site", async () => {
    const { scenarios } = await loaded('two-scenarios.load.ts');
    const [shopper] = scenarios;
    const own = scenario({ users: 1 }, () => {});
    assert.ok(shopper && Object.isFrozen(shopper.definition) && Object.isFrozen(own));
    assert.deepEqual(Object.keys(shopper.definition), Object.keys(own));
    assert.equal(shopper.definition.location, shopper.location);
    // The call above, found in this file's text: line and column (1-based) of `scenario(`.
    const lines = readFileSync(import.meta.filename, 'utf8').split('\n');
    const line = lines.findIndex(text => text.includes('const own = scenario(')) + 1;
    assert.deepEqual(own.location, { file: import.meta.filename, line, column: lines[line - 1]!.indexOf('scenario(') + 1 });
  });

  test('a relative .ts import is compiled with the file', async () => {
    const { scenarios, sources } = await loaded('with-helper.load.ts');
    assert.deepEqual(scenarios.map(s => s.exportName), ['checkout', 'direct']);
    assert.deepEqual(sources.sort(), [fixture('lib/catalog.ts'), fixture('with-helper.load.ts')]);
  });

  test('a package import resolves from the scenario folder', async () => {
    const { scenarios } = await loaded('package-import.load.ts');
    assert.deepEqual(scenarios.map(s => s.exportName), ['traced']);
  });

  const failures: [title: string, name: string, expected: string[]][] = [
    ['a syntax error', 'syntax-error.load.mjs', [`${fixture('syntax-error.load.mjs')}:5:17: Unexpected ";"`]],
    ['every compile error, in every file', 'broken-imports.load.mjs', [
      `${fixture('broken-imports.load.mjs')}:2:23: Could not resolve "./lib/missing-helper.mjs"`,
      `${fixture('lib/broken-helper.mjs')}:2:56: Expected ")" but found ";"`,
    ]],
    ['three bad options', 'bad-options.load.ts', [
      `${fixture('bad-options.load.ts')}:4:3: users: must be a positive integer, got 0`,
      `${fixture('bad-options.load.ts')}:6:3: unknown option 'spawnrate': did you mean 'spawnRate'?`,
      `${fixture('bad-options.load.ts')}:7:3: runTime: '10x' is not a duration: use a number of seconds or e.g. '30s', '10m', '1h'`,
    ]],
    ['an exception at the top level, at the line that threw', 'throws-at-top.load.ts', [
      `${fixture('throws-at-top.load.ts')}:11:34: Error: set LOADLENS_FIXTURE_UNSET_VARIABLE to the shop's URL (thrown while loading the file)`,
    ]],
    ['a package that is not installed, at its import', 'missing-package.load.mjs', [
      `${fixture('missing-package.load.mjs')}:2:21: Error: Cannot find module 'loadlens-fixture-package-not-installed': install it in the scenario's folder (npm install) (thrown while loading the file)`,
    ]],
    ['no exported scenario', 'no-scenario.load.ts', [
      `${fixture('no-scenario.load.ts')}:1:1: no scenario is exported: export each one from the file, e.g. export const browse = scenario({ users: 10, runTime: '1m' }, async ({ http }) => { await http.get('/'); });`,
    ]],
    ['a file that does not exist', 'nowhere.load.ts', [`${fixture('nowhere.load.ts')}:1:1: cannot read the scenario file: no such file`]],
  ];
  for (const [title, name, expected] of failures) {
    test(`reports ${title}`, async () => {
      delete process.env.LOADLENS_FIXTURE_UNSET_VARIABLE;
      assert.deepEqual(printed(await loadScenarioFile(fixture(name))), expected);
    });
  }

  test('asks the threshold hook about every threshold and reports its errors at their key', async () => {
    const seen: string[] = [];
    const result = await loadScenarioFile(fixture('two-scenarios.load.ts'), {
      checkThreshold: (expression, condition) => {
        seen.push(`${expression} ${condition}`);
        return expression.includes('{') ? 'filters are not supported here' : undefined;
      },
    });
    assert.deepEqual(seen, ['p95 < 300ms', 'p99{name:/checkout} < 1s']);
    assert.deepEqual(printed(result), [
      `${fixture('two-scenarios.load.ts')}:12:5: thresholds['p99{name:/checkout}']: filters are not supported here`,
    ]);
  });
});

describe('userLocation', () => {
  test('maps a thrown error to the .ts line of the user, through the source map', async () => {
    const file = fixture('with-helper.load.ts');
    const { scenarios } = await loaded('with-helper.load.ts');
    const errors = await Promise.all(scenarios.map(s => Promise.resolve().then(() => s.definition.fn(fakeContext)).then(() => undefined, (error: unknown) => error)));
    const [fromHelper, fromScenario] = errors as Error[];
    // Node's own stack text is mapped too: the frames name the .ts files and their original lines.
    assert.match(fromHelper!.stack!, /\n {4}at outOfStock \(.*\/lib\/catalog\.ts:8:9\)\n {4}at Object\.fn \(.*\/with-helper\.load\.ts:11:3\)/);
    assert.equal(userLocation(fromHelper, file), `${fixture('lib/catalog.ts')}:8:9`);
    assert.equal(userLocation(fromScenario, file), `${file}:15:9`);
  });

  test('is undefined without a frame of the user', () => {
    const file = fixture('with-helper.load.ts');
    assert.equal(userLocation(new Error('from the engine'), file), undefined);
    assert.equal(userLocation('a string', file), undefined);
    assert.equal(userLocation(null, file), undefined);
    assert.equal(userLocation({ stack: 42 }, file), undefined);
  });

  test('reads file URLs and anonymous frames', () => {
    const file = fixture('with-helper.load.ts');
    const stack = ['Error: x', '    at node:internal/x:1:1', `    at async file://${file}:12:7`].join('\n');
    assert.equal(userLocation({ stack }, file), `${file}:12:7`);
  });
});
