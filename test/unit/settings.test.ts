import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/shared/settings.ts';

const from = (values: Record<string, unknown>) => (key: string) => values[key];

test('settings: nothing set gives the defaults and no problems', () => {
  const { settings, problems } = parseSettings(from({}));
  assert.deepEqual(settings, DEFAULT_SETTINGS);
  assert.deepEqual(problems, []);
  assert.ok(Object.isFrozen(settings) && Object.isFrozen(settings.run) && Object.isFrozen(settings.otel));
});

const cases: Array<{ values: Record<string, unknown>; run?: object; otel?: object; problems: string[] }> = [
  { values: { 'run.users': 50, 'run.runTime': '10m', 'run.host': 'http://127.0.0.1:8080' }, run: { users: 50, runTime: '10m', host: 'http://127.0.0.1:8080' }, problems: [] },
  { values: { 'run.users': 0 }, run: { users: 1 }, problems: ['loadlens.run.users: must be a whole number ≥ 1 (got 0); using 1'] },
  { values: { 'run.users': 2.5, 'run.spawnRate': -1 }, problems: ['loadlens.run.users: must be a whole number ≥ 1 (got 2.5); using 1', 'loadlens.run.spawnRate: must be a number > 0 (got -1); using 1'] },
  { values: { 'run.runTime': '10 minutes' }, problems: ['loadlens.run.runTime: must be a duration like \'30s\', \'10m\' or \'1h30m\' (got "10 minutes"); using "30s"'] },
  { values: { 'run.runTime': '1h30m' }, run: { runTime: '1h30m' }, problems: [] },
  { values: { 'run.runTime': '0s' }, problems: ['loadlens.run.runTime: must be a duration like \'30s\', \'10m\' or \'1h30m\' (got "0s"); using "30s"'] },
  { values: { 'otel.endpoint': 'localhost:4318' }, otel: { endpoint: '' }, problems: ['loadlens.otel.endpoint: must be an http:// or https:// URL (got "localhost:4318"); using ""'] },
  { values: { 'otel.receiverPort': 70000 }, otel: { receiverPort: 4318 }, problems: ['loadlens.otel.receiverPort: must be a port number from 0 to 65535 (got 70000); using 4318'] },
  { values: { 'otel.enabled': 'yes' }, otel: { enabled: true }, problems: ['loadlens.otel.enabled: must be true or false (got "yes"); using true'] },
];

for (const { values, run, otel, problems } of cases) {
  test(`settings: ${JSON.stringify(values)}`, () => {
    const result = parseSettings(from(values));
    assert.deepEqual(result.problems.map(p => p.message), problems);
    if (run) assert.deepEqual({ ...result.settings.run, ...run }, { ...result.settings.run });
    if (otel) assert.deepEqual({ ...result.settings.otel, ...otel }, { ...result.settings.otel });
  });
}
