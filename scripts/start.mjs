// `npm start`: the main job, end to end on this machine. Starts the example shop (instrumented with the
// official OpenTelemetry SDK) on a free loopback port, runs the shopper scenario against it headless for
// about 20 seconds, prints the summary and writes the reports, then stops the shop.
//   Extra arguments go to `loadlens run`, e.g. `npm start -- --users 50 --run-time 1m`.
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const shop = spawn(process.execPath, [path.join(root, 'examples/shop/main.ts'), '--port', '0', '--latency-ms', '20', '--jitter-ms', '30', '--error-rate', '0.01'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let seen = '';
  shop.stdout.on('data', chunk => {
    seen += chunk;
    const match = /listening on (http:\/\/\S+)/.exec(seen);
    if (match) resolve(match[1]);
  });
  shop.once('exit', code => reject(new Error(`the example shop exited with ${code} before listening`)));
});
console.log(`example shop on ${url}`);

const args = [path.join(root, 'dist/engine.js'), 'run', path.join(root, 'examples/shop.load.ts'), '--scenario', 'shopper',
  '--host', url, '--users', '20', '--spawn-rate', '5', '--run-time', '20s',
  '--report', path.join(root, 'reports/shopper.html'), '--report', path.join(root, 'reports/shopper.json'), ...process.argv.slice(2)];
const engine = spawn(process.execPath, args, { stdio: 'inherit' });
// Ctrl+C reaches both children through the terminal; the engine stops gracefully and still reports.
process.on('SIGINT', () => {});
const code = await new Promise(resolve => engine.on('exit', resolve));
shop.kill('SIGTERM');
process.exitCode = code ?? 1;
