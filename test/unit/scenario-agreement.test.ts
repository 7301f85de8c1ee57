// The CodeLens and the engine must see the same scenarios: for each case, the locator (text only,
// what the lens uses) and the loader (esbuild + evaluation, what `loadlens run` uses) are run on the
// same file and must both give the expected names. Lines are 1-based: `lens` is where the locator puts
// the lens (the export statement), `call` is where the loader says scenario() was called.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadScenarioFile } from '../../src/engine/scenario/loader.ts';
import { formatDiagnostic } from '../../src/shared/report.ts';
import { findScenarios } from '../../src/shared/scenario-locator.ts';

interface Case {
  title: string;
  file: string;
  lines: string[];
  /** [export name, lens line, call line], in source order of the exports. */
  expected: [name: string, lens: number, call: number][];
}

const FN = 'async ({ http }) => { await http.get(\'/\'); }';

const cases: Case[] = [
  {
    title: 'named import, two scenarios',
    file: 'named.load.ts',
    lines: [
      "import { scenario, between } from 'loadlens';",
      `export const shopper = scenario({ users: 2, wait: between(1, 2) }, ${FN});`,
      '',
      `export const browse = scenario({ users: 1 }, ${FN});`,
    ],
    expected: [['shopper', 2, 2], ['browse', 4, 4]],
  },
  {
    title: 'namespace import: loadlens.scenario(',
    file: 'namespace.load.ts',
    lines: [
      "import * as loadlens from 'loadlens';",
      '',
      'export const browse = loadlens.scenario({',
      '  users: 1,',
      `}, ${FN});`,
    ],
    expected: [['browse', 3, 3]],
  },
  {
    title: 'an alias of scenario',
    file: 'alias.load.ts',
    lines: [
      "import { scenario as define } from 'loadlens';",
      `export const aliased = define({ users: 1 }, ${FN});`,
    ],
    expected: [['aliased', 2, 2]],
  },
  {
    title: 'export default',
    file: 'default.load.ts',
    lines: [
      "import { scenario } from 'loadlens';",
      '',
      `export default scenario({ users: 1 }, ${FN});`,
    ],
    expected: [['default', 3, 3]],
  },
  {
    title: 'module.exports = scenario( in CommonJS',
    file: 'common.load.js',
    lines: [
      "const { scenario } = require('loadlens');",
      `module.exports = scenario({ users: 1 }, ${FN});`,
    ],
    expected: [['default', 2, 2]],
  },
  {
    title: 'exports.name and module.exports.name, with a whole require',
    file: 'named-exports.load.js',
    lines: [
      "const loadlens = require('loadlens');",
      `exports.home = loadlens.scenario({ users: 1 }, ${FN});`,
      `module.exports.cart = loadlens.scenario({ users: 2 }, ${FN});`,
    ],
    expected: [['home', 2, 2], ['cart', 3, 3]],
  },
  {
    title: 'scenarios built by helper functions (a declaration, an arrow, a helper calling a helper)',
    file: 'helpers.load.ts',
    lines: [
      "import { scenario } from 'loadlens';",
      '',
      'function journey(pathname: string) {',
      '  return scenario({ users: 1 }, async ({ http }) => {',
      '    await http.get(pathname);',
      '  });',
      '}',
      'const quick = (pathname: string) =>',
      `  scenario({ users: 3 }, ${FN});`,
      "const checkoutJourney = () => journey('/checkout');",
      '',
      "export const home = journey('/');",
      "export const search = quick('/search');",
      'export const checkout = checkoutJourney();',
    ],
    expected: [['home', 12, 4], ['search', 13, 9], ['checkout', 14, 4]],
  },
  {
    title: 'comments and strings that mention scenario( find nothing',
    file: 'mentions.load.ts',
    lines: [
      "import { scenario } from 'loadlens';",
      '// export const old = scenario({ users: 1 }, fn);',
      '/*',
      'export const older = scenario({ users: 1 }, fn);',
      '*/',
      "export const doc = 'export const fake = scenario({}, fn)';",
      'export const tpl = `',
      'export const fake2 = scenario({}, fn)',
      '`;',
      `export const real = scenario({ users: 1 }, ${FN}); // not: export const x = scenario(`,
    ],
    expected: [['real', 10, 10]],
  },
  {
    title: 'declared, then exported by a list (also under another name); a scenario left unexported',
    file: 'list.load.ts',
    lines: [
      "import { scenario } from 'loadlens';",
      `const smoke = scenario({ users: 1 }, ${FN});`,
      `const draft = scenario({ users: 1 }, ${FN});`,
      'export { smoke, smoke as sanity };',
    ],
    expected: [['smoke', 2, 2], ['sanity', 2, 2]],
  },
  {
    title: 'module.exports = { ... }: each property is a scenario, by its key',
    file: 'object.load.js',
    lines: [
      "const { scenario } = require('loadlens');",
      `const smoke = scenario({ users: 1 }, ${FN});`,
      'module.exports = {',
      `  home: scenario({ users: 1 }, ${FN}),`,
      '  smoke,',
      '};',
    ],
    expected: [['smoke', 2, 2], ['home', 4, 4]],
  },
];

describe('the locator and the loader agree on where scenarios are', () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'loadlens-agreement-'));
  for (const { title, file, lines, expected } of cases) {
    test(title, async () => {
      const text = `${lines.join('\n')}\n`;
      const full = path.join(folder, file);
      writeFileSync(full, text);

      const lenses = findScenarios(text).map(s => [s.name, s.line + 1]);
      assert.deepEqual(lenses, expected.map(([name, lens]) => [name, lens]), 'the locator (CodeLens)');

      const loaded = await loadScenarioFile(full);
      if (!loaded.ok) assert.fail(`the loader failed: ${loaded.diagnostics.map(formatDiagnostic).join('\n')}`);
      const byName = (a: [string, number], b: [string, number]) => a[0].localeCompare(b[0]);
      assert.deepEqual(
        loaded.scenarios.map(s => [s.exportName, s.location.line] as [string, number]).sort(byName),
        expected.map(([name, , call]) => [name, call] as [string, number]).sort(byName),
        'the loader (the engine)',
      );
    });
  }
});
