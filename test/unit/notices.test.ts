// The .vsix ships the licenses of what it bundles: a real production build, then vsce's own list of the
// files it would package (the .vscodeignore rules applied), and the notices file's content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const { dependencies } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

test('notices: the packaged extension carries THIRD-PARTY-NOTICES.txt with the bundled packages\' license texts', async () => {
  // A copy of what vsce reads (manifest, ignore rules, the files they keep), so the test never touches dist/.
  const project = mkdtempSync(path.join(os.tmpdir(), 'loadlens-notices-'));
  for (const entry of ['package.json', '.vscodeignore', 'README.md', 'LICENSE', 'snippets', 'media']) {
    cpSync(path.join(root, entry), path.join(project, entry), { recursive: true });
  }
  await run(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production', `--outdir=${path.join(project, 'dist')}`], { cwd: root, timeout: 120_000 });
  const { stdout } = await run(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'ls', '--no-dependencies'], { cwd: project, timeout: 60_000 });
  const packaged = stdout.split('\n').filter(Boolean).sort();
  assert.deepEqual(packaged.filter(f => f.startsWith('dist/')), [
    'dist/THIRD-PARTY-NOTICES.txt',
    'dist/engine.js', 'dist/engine.js.LEGAL.txt',
    'dist/extension.js',
    // The scenario API's types and the TypeScript server plugin that serves them (no third-party code).
    'dist/loadlens.d.ts',
    'dist/receiver-worker.js', 'dist/receiver-worker.js.LEGAL.txt',
    // The scenario-file reader on TypeScript's parser, loaded on first use by the extension and the engine.
    'dist/scenario-locator.js', 'dist/scenario-locator.js.LEGAL.txt',
    'dist/typescript-plugin.js',
    'dist/webview.css',
    'dist/webview.js', 'dist/webview.js.LEGAL.txt',
  ]);

  const notices = readFileSync(path.join(project, 'dist/THIRD-PARTY-NOTICES.txt'), 'utf8');
  const section = (name: string) => {
    const start = notices.indexOf(`\n${name} ${dependencies[name]} (`);
    assert.ok(start > 0, `${name} ${dependencies[name]} is listed`);
    const end = notices.indexOf('\n====', start);
    return notices.slice(start + 1, end === -1 ? undefined : end);
  };
  const undici = section('undici');
  assert.match(undici, /^undici \S+ \(MIT\)\nin dist\/engine\.js\n/);
  assert.match(undici, /MIT License\s+Copyright \(c\) Matteo Collina and Undici contributors/);
  const api = section('@opentelemetry/api');
  assert.match(api, /^@opentelemetry\/api \S+ \(Apache-2\.0\)\nin dist\/engine\.js/);
  assert.match(api, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(section('@opentelemetry/sdk-trace'), /--- LICENSE: the same text as @opentelemetry\/api \S+'s above/);
  // The receiver's decoder: in the editor's receiver worker, and in the CLI (`loadlens run --receiver`).
  assert.match(section('protobufjs'), /\(BSD-3-Clause\)\nin dist\/engine\.js, dist\/receiver-worker\.js\n/);
  assert.match(section('string-width'), /\(MIT\)/);
  assert.match(notices, /\ntypescript \S+ \(Apache-2\.0\)\nin dist\/scenario-locator\.js\n/);
});
