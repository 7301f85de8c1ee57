// OpenTelemetry names come from @opentelemetry/semantic-conventions, never typed by hand (a typo or a
// renamed convention would then be a silently different attribute); every runtime dependency the
// package declares is one the product's code imports; benchmarks are not product code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as conventions from '@opentelemetry/semantic-conventions/incubating';

const root = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter(entry => entry.isFile() && /\.(ts|mts|css)$/.test(entry.name))
    .map(entry => path.relative(root, path.join(entry.parentPath, entry.name)));
}

/** Every attribute and metric name the conventions define (the incubating entry includes the stable ones). */
const conventionNames = new Set(Object.entries(conventions)
  .filter(([constant, value]) => /^(ATTR|METRIC)_/.test(constant) && typeof value === 'string')
  .map(([, value]) => value as string));

test('conventions: no attribute or metric name of the semantic conventions is spelled out in src/', () => {
  assert.ok(conventionNames.has('http.request.method') && conventionNames.has('http.client.request.duration'));
  const handTyped: string[] = [];
  for (const file of sourceFiles('src')) {
    const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const [, name] of line.matchAll(/'([a-z0-9_.]+)'|"([a-z0-9_.]+)"/g)) {
        if (name && conventionNames.has(name)) handTyped.push(`${file}:${i + 1}: '${name}'`);
      }
    });
  }
  assert.deepEqual(handTyped, []);
});

test('conventions: every runtime dependency in package.json is imported by the product (src/, bin/, webview/)', () => {
  const { dependencies } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const code = [...sourceFiles('src'), ...sourceFiles('webview'), 'bin/loadlens.js'].map(file => readFileSync(path.join(root, file), 'utf8')).join('\n');
  const unused = Object.keys(dependencies).filter(name => !new RegExp(`(from |import\\(|require\\()'${name.replace('/', '\\/')}(/[^']*)?'`).test(code));
  assert.deepEqual(unused, []);
});

test('conventions: src/ holds the product only: the telemetry benchmark lives in bench/', () => {
  assert.deepEqual(sourceFiles('src').filter(file => /bench/i.test(path.basename(file))), []);
  assert.ok(sourceFiles('bench').includes(path.join('bench', 'telemetry-cpu.ts')));
});
