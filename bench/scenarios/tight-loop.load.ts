// Benchmark scenario: every user requests '/' back to back (no wait), so the engine's own cost per
// request is what limits throughput. Host, users and run time come from the command line.
import { scenario } from 'loadlens';

export const tightLoop = scenario({ host: 'http://127.0.0.1:8080' }, async ({ http }) => {
  await http.get('/');
});
