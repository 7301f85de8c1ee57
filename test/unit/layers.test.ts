// The layers the lint enforces (eslint.config.mjs): src/shared imports nothing of ours; src/receiver
// imports shared; src/engine imports shared and the receiver; src/extension imports all of them; the
// webview imports shared only; vscode only in src/extension; no import cycle. Each case writes a real
// file into the layer it tests, runs ESLint's Node API with the project's own config on it, and checks
// the rule and the message it reports (or that it reports nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');
const RESTRICTED = 'import-x/no-restricted-paths';

interface Case {
  /** The probe's folder, relative to the repository root. */
  layer: string;
  /** What the probe imports, relative to its folder. */
  imports: string;
  /** The rule that must fail and a part of its message; absent: the import is allowed. */
  fails?: { rule: string; message: RegExp };
}

const cases: Case[] = [
  // src/shared: the bottom layer.
  { layer: 'src/shared', imports: './report.ts' },
  { layer: 'src/shared', imports: '../engine/stats/index.ts', fails: { rule: RESTRICTED, message: /src\/shared is the bottom layer/ } },
  { layer: 'src/shared', imports: '../receiver/receiver.ts', fails: { rule: RESTRICTED, message: /imports nothing of ours outside src\/shared/ } },
  { layer: 'src/shared', imports: '../extension/output.ts', fails: { rule: RESTRICTED, message: /src\/shared is the bottom layer/ } },
  // src/receiver: shared only.
  { layer: 'src/receiver', imports: '../shared/spans.ts' },
  { layer: 'src/receiver', imports: '../engine/stats/index.ts', fails: { rule: RESTRICTED, message: /src\/receiver imports src\/shared only/ } },
  // src/engine: shared and the receiver (the CLI's embedded receiver), never the editor.
  { layer: 'src/engine', imports: '../shared/report.ts' },
  { layer: 'src/engine', imports: '../receiver/index.ts' },
  { layer: 'src/engine', imports: '../extension/output.ts', fails: { rule: RESTRICTED, message: /the CLI runs it without an editor/ } },
  { layer: 'src/engine', imports: 'vscode', fails: { rule: 'no-restricted-imports', message: /keep vscode out/ } },
  { layer: 'src/engine/scenario', imports: '../run/session.ts', fails: { rule: RESTRICTED, message: /src\/engine\/scenario loads and validates/ } },
  { layer: 'src/engine/run', imports: '../scenario/run-options.ts' },
  { layer: 'src/engine/run', imports: '../stats/row.ts', fails: { rule: 'no-restricted-imports', message: /src\/engine\/stats\/index\.ts, their one entry point/ } },
  // src/extension: everything.
  { layer: 'src/extension', imports: '../engine/outputs/report-html.ts' },
  { layer: 'src/extension', imports: '../receiver/worker-client.ts' },
  { layer: 'src/extension', imports: 'vscode' },
  // The webview: shared only.
  { layer: 'webview', imports: '../src/shared/compare-format.ts' },
  { layer: 'webview', imports: '../src/engine/outputs/compare-table.ts', fails: { rule: RESTRICTED, message: /The webview is a browser page: it imports src\/shared only/ } },
  { layer: 'webview', imports: '../src/receiver/types.ts', fails: { rule: RESTRICTED, message: /imports src\/shared only/ } },
];

/** Writes the probes, lints them with the project's config, removes them; the messages per probe. */
async function lintProbes(probes: Array<{ file: string; text: string }>): Promise<ESLint.LintResult[]> {
  try {
    for (const probe of probes) writeFileSync(probe.file, probe.text);
    return await new ESLint({ cwd: root }).lintFiles(probes.map(p => p.file));
  } finally {
    for (const probe of probes) rmSync(probe.file, { force: true });
  }
}

test('layers: the lint fails on each wrong-way import with its rule and message, and passes the right-way ones', async () => {
  const probes = cases.map((c, i) => ({
    file: path.join(root, c.layer, `layers-probe-${process.pid}-${i}.ts`),
    // A value import, so no rule may skip it for being type-only.
    text: `import * as imported from '${c.imports}';\n\nexport const probe = imported;\n`,
  }));
  const results = await lintProbes(probes);
  const got = cases.map((c, i) => {
    const result = results.find(r => r.filePath === probes[i]!.file);
    assert.ok(result, `no lint result for ${probes[i]!.file}`);
    return { case: `${c.layer} → ${c.imports}`, messages: result.messages.map(m => ({ rule: m.ruleId, message: m.message, line: m.line })) };
  });
  for (const [i, c] of cases.entries()) {
    const { messages } = got[i]!;
    if (!c.fails) {
      assert.deepEqual(messages, [], `${got[i]!.case} is allowed, yet the lint reported: ${JSON.stringify(messages)}`);
      continue;
    }
    assert.equal(messages.length, 1, `${got[i]!.case}: one error expected, got ${JSON.stringify(messages)}`);
    assert.equal(messages[0]!.rule, c.fails.rule, got[i]!.case);
    assert.match(messages[0]!.message, c.fails.message, got[i]!.case);
    assert.equal(messages[0]!.line, 1, `${got[i]!.case}: reported at the import`);
  }
});

test('layers: two modules importing each other fail import-x/no-cycle', async () => {
  const a = path.join(root, 'src/shared', `layers-cycle-${process.pid}-a.ts`);
  const b = path.join(root, 'src/shared', `layers-cycle-${process.pid}-b.ts`);
  const results = await lintProbes([
    { file: a, text: `import { b } from './${path.basename(b)}';\n\nexport const a = () => b;\n` },
    { file: b, text: `import { a } from './${path.basename(a)}';\n\nexport const b = () => a;\n` },
  ]);
  for (const file of [a, b]) {
    const messages = results.find(r => r.filePath === file)?.messages.map(m => `${m.ruleId}: ${m.message}`);
    assert.deepEqual(messages, ['import-x/no-cycle: Dependency cycle detected'], path.basename(file));
  }
});
