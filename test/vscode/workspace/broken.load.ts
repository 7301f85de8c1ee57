import { scenario } from 'loadlens';

export const broken = scenario({ host: 'http://127.0.0.1:9', users: -1, runtime: '10s' }, async ({ http }) => {
  await http.get('/');
});
