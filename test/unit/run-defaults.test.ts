// One set of run defaults: a scenario that sets no load runs the same from the CLI and from the editor,
// and the settings the editor shows (package.json) are the defaults the code falls back to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { withDefaults } from '../../src/engine/run/session.ts';
import { resolveRunOptions } from '../../src/engine/scenario/run-options.ts';
import { RUN_DEFAULTS } from '../../src/shared/run-defaults.ts';
import { DEFAULT_SETTINGS } from '../../src/shared/settings.ts';

const root = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};
const declared = manifest.contributes.configuration.properties;

test('run defaults: package.json declares every loadlens.* setting with the default the settings reader uses', () => {
  // Nested groups (e.g. otel.traceLink) are separate settings in the manifest: flatten them the same
  // way. An object-valued setting (otel.resourceAttributes) is one setting; `userSet` is not a setting.
  const objectSettings = new Set(['loadlens.otel.resourceAttributes']);
  const inCode: Record<string, unknown> = {};
  const flatten = (prefix: string, values: object): void => {
    for (const [key, value] of Object.entries(values)) {
      const name = `${prefix}.${key}`;
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && !objectSettings.has(name)) flatten(name, value as object);
      else inCode[name] = value;
    }
  };
  for (const group of ['run', 'history', 'otel'] as const) flatten(`loadlens.${group}`, DEFAULT_SETTINGS[group]);
  const inManifest = Object.fromEntries(Object.entries(declared).map(([key, schema]) => [key, schema.default]));
  assert.deepEqual(inManifest, inCode);
});

test('run defaults: the editor settings default to the shared run defaults (1 user at 1/s for 30 s, one worker process)', () => {
  assert.deepEqual(
    { users: declared['loadlens.run.users']?.default, spawnRate: declared['loadlens.run.spawnRate']?.default, runTime: declared['loadlens.run.runTime']?.default, workers: declared['loadlens.run.workers']?.default },
    { users: RUN_DEFAULTS.users, spawnRate: RUN_DEFAULTS.spawnRate, runTime: RUN_DEFAULTS.runTime, workers: RUN_DEFAULTS.workers },
  );
  assert.deepEqual(RUN_DEFAULTS, { users: 1, spawnRate: 1, runTime: '30s', gracefulStop: '5s', timeout: '30s', workers: 1 });
});

test('run defaults: a scenario with no load options runs the same from the CLI and from the editor', () => {
  const options = { host: 'http://127.0.0.1:8080' };
  const cli = resolveRunOptions(options, {});
  const editor = resolveRunOptions(withDefaults(options, DEFAULT_SETTINGS.run), {});
  assert.deepEqual(editor, cli);
  assert.deepEqual({ load: cli.load, runTimeMs: cli.runTimeMs, gracefulStopMs: cli.gracefulStopMs, timeoutMs: cli.timeoutMs }, {
    load: { kind: 'closed', users: 1, spawnRate: 1 }, runTimeMs: 30_000, gracefulStopMs: 5_000, timeoutMs: 30_000,
  });
});
