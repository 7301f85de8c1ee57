import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findScenarios } from '../../src/shared/scenario-locator.ts';

const cases: Array<{ title: string; text: string; expected: Array<[string, number, number]> }> = [
  {
    title: 'two exported scenarios, in source order',
    text: "import { scenario } from 'loadlens';\n\nexport const shopper = scenario({}, async () => {});\n  export const browse = scenario({ users: 2 }, fn);\n",
    expected: [['shopper', 2, 0], ['browse', 3, 2]],
  },
  {
    title: 'type annotation, generic call, default export',
    text: 'export let a: Scenario = scenario<Ctx>({}, f);\nexport default scenario({}, f);\n',
    expected: [['a', 0, 0], ['default', 1, 0]],
  },
  {
    title: 'not exported, commented out, or another function: no lens',
    text: "const hidden = scenario({}, f);\n// export const old = scenario({}, f);\n/* export const older = scenario({}, f); */\nexport const notOne = scenarioFactory();\n",
    expected: [],
  },
  {
    title: 'initializer on the next line',
    text: 'export const slow =\n  scenario(\n{}, f);\n',
    expected: [['slow', 0, 0]],
  },
  {
    title: 'a file being typed: an unclosed call in one scenario leaves the others their lens',
    text: "import { scenario } from 'loadlens';\nexport const a = scenario({}, async ({ http }) => {\n  await http.get(\n});\nexport const b = scenario({}, f);\n",
    expected: [['a', 1, 0], ['b', 4, 0]],
  },
  {
    title: 'a regular expression holding a quote hides nothing',
    text: "import { scenario } from 'loadlens';\nconst quote = /['\"`]/;\nexport const after = scenario({}, f);\n",
    expected: [['after', 2, 0]],
  },
  {
    title: 'module.exports = { ... } with scenarios as properties, and export default of a declared one',
    text: "const { scenario } = require('loadlens');\nconst smoke = scenario({}, f);\nmodule.exports = {\n  home: scenario({}, f),\n  smoke,\n};\n",
    expected: [['smoke', 1, 0], ['home', 3, 2]],
  },
  {
    title: 'awaited, cast and satisfies',
    text: "import * as ll from 'loadlens';\nexport const a = (await ll.scenario({}, f)) as Scenario;\nexport default ll.scenario({}, f) satisfies Scenario;\n",
    expected: [['a', 1, 0], ['default', 2, 0]],
  },
];

for (const { title, text, expected } of cases) {
  test(`findScenarios: ${title}`, () => {
    assert.deepEqual(findScenarios(text).map(s => [s.name, s.line, s.column]), expected);
  });
}
