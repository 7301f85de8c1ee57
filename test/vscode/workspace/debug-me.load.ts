import { scenario } from 'loadlens';

export const once = scenario({ host: 'http://127.0.0.1:9', users: 5, runTime: '10s' }, async ({ http, check }) => {
  const res = await http.get('/product/42', { name: '/product/{id}' });
  const status = res.status;
  check(res, { 'status 200': r => r.status === 200 && status === 200 });
});
