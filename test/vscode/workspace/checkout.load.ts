import { scenario, between } from 'loadlens';

export const browse = scenario({ host: 'http://127.0.0.1:9', users: 2, runTime: '2s', wait: between(0.1, 0.2) }, async ({ http }) => {
  await http.get('/product/1', { name: '/product/{id}' });
});

export const checkout = scenario({ host: 'http://127.0.0.1:9', users: 1, runTime: '2s' }, async ({ http, check }) => {
  const res = await http.post('/checkout/confirm');
  check(res, { 'order id returned': r => typeof r.json<{ orderId?: unknown }>().orderId === 'string' });
});
