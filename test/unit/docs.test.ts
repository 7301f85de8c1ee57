// The README and docs/ against the code they describe: every setting package.json declares is on the
// settings page and every setting the pages name exists; every flag of the CLI's usage texts is
// documented and every flag a documented `loadlens` command line uses exists; every relative link and
// picture resolves, and the pictures (rewritten by the UI suite) stay small enough for the Marketplace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { COMPARE_USAGE } from '../../src/engine/cli/compare.ts';
import { K8S_USAGE } from '../../src/engine/cli/k8s.ts';
import { MERGE_USAGE } from '../../src/engine/cli/merge.ts';
import { USAGE } from '../../src/engine/cli/run.ts';

const root = path.resolve(import.meta.dirname, '../..');
const docsDir = path.join(root, 'docs');
const pages = ['README.md', ...readdirSync(docsDir).filter(f => f.endsWith('.md')).map(f => `docs/${f}`)];
const text = (page: string) => readFileSync(path.join(root, page), 'utf8');

const manifest = JSON.parse(text('package.json')) as { contributes: { configuration: { properties: Record<string, unknown> } | { properties: Record<string, unknown> }[] } };
const declared = [manifest.contributes.configuration].flat().flatMap(c => Object.keys(c.properties));

test('docs/settings.md lists every setting package.json declares', () => {
  const settingsPage = text('docs/settings.md');
  assert.ok(declared.length > 20, `${declared.length} settings declared`);
  assert.deepEqual(declared.filter(key => !settingsPage.includes(`| \`${key}\` |`)), []);
});

test('every loadlens.* setting the README and docs name exists in package.json', () => {
  // `loadlens.run.id` is a resource attribute, not a setting; `…|…` lists and `.*` wildcards are split.
  const named = new Set<string>();
  for (const page of pages) {
    for (const [, key] of text(page).matchAll(/`(loadlens\.(?:run|otel|history)\.[A-Za-z.|]+)/g)) {
      const [first, ...others] = key!.split('|');
      const prefix = first!.slice(0, first!.lastIndexOf('.') + 1);
      for (const one of [first!, ...others.map(o => prefix + o)]) if (!one.endsWith('.') && one !== 'loadlens.run.id') named.add(`${page}: ${one}`);
    }
  }
  assert.ok(named.size > 30, `${named.size} mentions`);
  assert.deepEqual([...named].filter(mention => !declared.includes(mention.split(': ')[1]!)), []);
});

const usageFlags = new Set([USAGE, COMPARE_USAGE, MERGE_USAGE, K8S_USAGE].flatMap(usage => [...usage.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map(m => m[0])));

test('every flag of the CLI usage texts is documented in docs/', () => {
  assert.ok(usageFlags.has('--workers') && usageFlags.has('--otel') && usageFlags.has('--max-regression') && usageFlags.has('--shards'), [...usageFlags].join(' '));
  const docs = pages.filter(p => p.startsWith('docs/')).map(text).join('\n');
  assert.deepEqual([...usageFlags].filter(flag => !new RegExp(`${flag}(?![\\w-])`).test(docs)), []);
});

test('every flag on a documented loadlens command line exists', () => {
  const unknown: string[] = [];
  let flagsChecked = 0;
  for (const page of pages) {
    for (const line of text(page).split('\n')) {
      const command = /(?:^|[\s`(])(?:npx )?loadlens (run|check|compare|merge|k8s)\b(.*)/.exec(line);
      if (!command) continue;
      // The part of the line that is the command: up to the end of its code span, or a shell pipe/redirect.
      const args = command[2]!.split(/`|\s[|>]\s|&&/)[0]!;
      for (const [flag] of args.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) {
        flagsChecked++;
        if (!usageFlags.has(flag)) unknown.push(`${page}: ${flag} in ${line.trim()}`);
      }
    }
  }
  assert.ok(flagsChecked > 40, `${flagsChecked} flags on documented command lines`);
  assert.deepEqual(unknown, []);
});

test('relative links and pictures in the README and docs resolve; pictures stay under 300 KB', () => {
  const broken: string[] = [];
  const pictures = new Set<string>();
  for (const page of pages) {
    for (const [, bang, target] of text(page).matchAll(/(!?)\[[^\]]*\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!) || target!.startsWith('#')) continue;
      const file = path.resolve(path.dirname(path.join(root, page)), target!.split('#')[0]!);
      if (!existsSync(file)) broken.push(`${page}: ${target}`);
      else if (bang) pictures.add(file);
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(pictures.size >= 6, `${pictures.size} pictures`);
  assert.deepEqual([...pictures].filter(file => statSync(file).size > 300 * 1024).map(file => `${path.relative(root, file)}: ${Math.round(statSync(file).size / 1024)} KB`), []);
});
