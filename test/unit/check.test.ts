// `loadlens check FILE [--json]`: the real CLI in a child process, on files written here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { CheckReport } from '../../src/shared/protocol.ts';

const MAIN = path.join(import.meta.dirname, '../../src/engine/main.ts');
const folder = mkdtempSync(path.join(os.tmpdir(), 'loadlens-check-'));

function check(file: string, ...flags: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [MAIN, 'check', ...flags, file], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

function write(name: string, lines: string[]): string {
  const file = path.join(folder, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const typo = write('typo.load.ts', [
  "import { scenario } from 'loadlens';",
  '',
  'export const browse = scenario({',
  "  host: 'http://127.0.0.1:8080',",
  '  users: 5,',
  '  spawnrate: 2,',
  "  thresholds: { p95: 'fast' },",
  '}, async ({ http }) => {',
  "  await http.get('/');",
  '});',
]);

const valid = write('valid.load.ts', [
  "import { scenario, between } from 'loadlens';",
  `export const a = scenario({ users: 1, wait: between(1, 2) }, async ({ http }) => { await http.get('/'); });`,
  `export const b = scenario({ users: 2 }, async ({ http }) => { await http.get('/'); });`,
]);

const syntax = write('syntax.load.ts', [
  "import { scenario } from 'loadlens';",
  'export const a = scenario({ users: 1 }, async ({ http }) => {',
  "  await http.get('/'));",
  '});',
]);

describe('loadlens check', () => {
  test('a misspelt option and a bad threshold: exit 2, each at its line and column, with "did you mean"', async () => {
    const { code, stdout } = await check(typo, '--json');
    assert.equal(code, 2);
    const report = JSON.parse(stdout) as CheckReport;
    assert.equal(report.ok, false);
    assert.deepEqual(report.diagnostics.map(d => [d.line, d.column, d.severity, d.message]), [
      [6, 3, 'error', "unknown option 'spawnrate': did you mean 'spawnRate'?"],
      [7, 17, 'error', report.diagnostics[1]?.message],
    ]);
    assert.match(report.diagnostics[1]!.message, /^thresholds\['p95'\]: /);
    assert.equal(report.diagnostics[0]!.file, typo);
  });

  test('a valid file: exit 0 and the scenarios found, at their scenario( calls', async () => {
    const { code, stdout } = await check(valid, '--json');
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as CheckReport;
    assert.deepEqual({ ...report, scenarios: report.scenarios.map(s => [s.name, s.line]) }, {
      kind: 'check', file: valid, ok: true, scenarios: [['a', 2], ['b', 3]], diagnostics: [],
    });
  });

  test('a syntax error is reported at its place, not as a stack trace', async () => {
    const { code, stdout } = await check(syntax, '--json');
    assert.equal(code, 2);
    const report = JSON.parse(stdout) as CheckReport;
    assert.deepEqual(report.diagnostics.map(d => [d.line, d.column, d.severity]), [[3, 22, 'error']]);
  });

  test('without --json: file:line:column: message lines on stderr, a summary on stdout', async () => {
    const bad = await check(typo);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.split('\n')[0], `${typo}:6:3: unknown option 'spawnrate': did you mean 'spawnRate'?`);
    const good = await check(valid);
    assert.equal(good.code, 0);
    assert.match(good.stdout, /2 scenario\(s\) valid: a, b\n$/);
  });
});
