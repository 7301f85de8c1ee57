// Fault suite, issue 20 item 12: loadlens k8s never generates a default name that it then refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, scenarioFile } from './support.ts';

test('faults: k8s with 1000 shards, a long scenario name and a 20-character run id: the default name leaves room for the last pod\'s hostname', async () => {
  const file = scenarioFile('k8s-long-name', `
import { scenario } from 'loadlens';
export const aVeryLongScenarioNameForTheShopCheckout = scenario({ host: 'http://shop.default.svc:8080', users: 1000, runTime: '1m' }, async ({ http }) => {
  await http.get('/');
});
`);
  const { code, stdout, stderr } = await cli([file, '--shards', '1000', '--run-id', 'run-2026-12-07-12345', '--image', 'registry.example/loadlens:0.1.0'], { command: 'k8s', limitMs: 30_000 }).ended;
  // Before the fix: exit 2, "--name: 'loadlens-…' must … leave room for the pod hostname" (no --name was given).
  assert.doesNotMatch(stderr, /--name/);
  assert.equal(code, 0, stderr);
  const name = /^\s+name: (loadlens-\S+)$/m.exec(stdout)?.[1];
  assert.ok(name, stdout.slice(0, 400));
  assert.ok(`${name}-999`.length <= 63, name);
  assert.match(name, /^loadlens-averylongscenarionamefor[a-z-]*-run-2026-12-07-12345$/);
});
