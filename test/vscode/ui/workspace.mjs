// The UI suite's workspace: one small scenario per feature, all aimed at the loopback target `url`
// (see driver.mjs for what each path answers). A plain folder: no package.json, no node_modules, so the
// types and `loadlens check` must work with nothing installed.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** Four users, two per worker process; the run time is set per run (a short clean run, a longer one with a kill). */
export const workersScenario = (url, runTime) => `import { scenario, constant } from 'loadlens';

export const workers = scenario({ host: '${url}', users: 4, spawnRate: 100, runTime: '${runTime}', wait: constant(0.02) }, async ({ http }) => {
  await http.get('/api/workers', { name: '/api/workers' });
});
`;

export function writeScenarios(workspace, url) {
  const write = (name, text) => writeFileSync(path.join(workspace, name), text);
  write('broken.load.ts', `import { scenario, constant } from 'loadlens';

export const broken = scenario({ host: '${url}', users: 1, spawnRate: 1, runTime: '2s', wait: constant(0.2) }, async ({ http }) => {
  await http.get('/api/broken');
});
`);
  write('items.load.ts', `import { scenario, constant } from 'loadlens';

export const items = scenario({ host: '${url}', users: 2, spawnRate: 2, runTime: '4s', wait: constant(0.05) }, async ({ http, check }) => {
  const res = await http.get('/api/items?page=1', { name: '/api/items' });
  check(res, { 'three items': r => r.json().items.length === 3 });
});
`);
  // Long enough for 5 s of snapshots, a close and reopen of the panel, then Stop.
  write('slow.load.ts', `import { scenario, constant } from 'loadlens';

export const slow = scenario({ host: '${url}', users: 2, spawnRate: 2, runTime: '90s', wait: constant(0.1) }, async ({ http }) => {
  await http.get('/api/items?page=2', { name: '/api/slow' });
});
`);
  // Line 5 is where the breakpoint goes.
  write('stepper.load.ts', `import { scenario } from 'loadlens';

export const stepper = scenario({ host: '${url}', users: 5, runTime: '1m' }, async ({ http, check }) => {
  const res = await http.get('/product/42', { name: '/product/{id}' });
  const status = res.status;
  check(res, { 'status 200': r => r.status === 200 && status === 200 });
});
`);
  write('orders.load.ts', `import { scenario, constant } from 'loadlens';

export const orders = scenario({ host: '${url}', users: 1, spawnRate: 1, runTime: '2s', wait: constant(0.2) }, async ({ http }) => {
  await http.get('/api/orders/7', { name: '/api/orders/{id}' });
});
`);
  write('latency.load.ts', `import { scenario } from 'loadlens';

export const latency = scenario({ host: '${url}', users: 2, spawnRate: 10, runTime: '2s' }, async ({ http }) => {
  await http.get('/api/slow', { name: '/api/slow' });
});
`);
  write('workers.load.ts', workersScenario(url, '4s'));
  // A misspelt option, for the Problems as you type (loadlens check) and the types (the plugin).
  write('typo.load.ts', `import { scenario, between } from 'loadlens';

export const browse = scenario({
  host: '${url}',
  users: 2,
  spawnrate: 2,
  wait: between(0.1, 0.2),
}, async ({ http }) => {
  await http.get('/api/items');
});
`);
}
