/**
 * Load scenarios for the example shop (examples/shop). Start it with
 * `node examples/shop/main.ts --port 8080`, then run a scenario with the CodeLens above it or
 * `loadlens run examples/shop.load.ts --scenario browse --host http://127.0.0.1:8080`.
 */
import { scenario, between } from 'loadlens';

/** The e-commerce shopper: logs in, puts four products in the cart, checks out. */
export const shopper = scenario({
  host: 'http://127.0.0.1:8080',
  users: 500, spawnRate: 0.5, runTime: '1h',
  wait: between(1, 3),
  thresholds: { 'p95': '< 500ms', 'errorRate': '< 5%' }, // wide margins: `npm start`'s shop fails 1 % of requests on purpose
}, async ({ http, check }) => {
  await http.post('/authenticate', { json: { user: 'foo', password: 'bar' } });
  for (const productId of [1, 2, 42, 4711]) {
    await http.get(`/product/${productId}`, { name: '/product/{product_id}' });
    await http.post('/cart/add', { json: { productId } });
  }
  const res = await http.post('/checkout/confirm');
  check(res, { 'order id returned': r => typeof r.json<{ orderId?: unknown }>().orderId === 'string' });
});

/** A window shopper: lists the catalogue and looks at a product, including one that does not exist. */
export const browse = scenario({
  host: 'http://127.0.0.1:8080',
  users: 20, spawnRate: 5, runTime: '1m',
  wait: between(0.5, 2),
  thresholds: { 'p95': '< 200ms' },
}, async ({ http, check }) => {
  const list = await http.get('/products');
  check(list, { 'catalogue is not empty': r => r.json<unknown[]>().length > 0 });
  const product = await http.get('/product/42', { name: '/product/{product_id}' });
  check(product, { 'product has a price': r => typeof r.json<{ priceCents?: unknown }>().priceCents === 'number' });
  // An unknown id answers 404; the request says so, so it counts as a success.
  await http.get('/product/999', { name: '/product/{product_id}', expect: 404 });
});
