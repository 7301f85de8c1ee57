// The baseline: the tightest loop undici allows, N concurrent loops each with its own Client (one
// keep-alive connection, like the engine's virtual users), request() and reading the body.
//   node bench/bare-undici.mjs URL CONNECTIONS SECONDS [undici|undici8]   → prints {"requests":…,"rps":…,"cpuMs":…}
const [url, connections, seconds, flavour = 'undici'] = process.argv.slice(2);
const { Client } = await import(flavour);
const deadline = performance.now() + Number(seconds) * 1000;
let requests = 0;
let errors = 0;
async function loop() {
  const client = new Client(url, { pipelining: 1 });
  while (performance.now() < deadline) {
    try {
      const { body } = await client.request({ path: '/', method: 'GET' });
      await body.text();
      requests++;
    } catch {
      errors++;
    }
  }
  await client.close();
}
const started = performance.now();
const cpuAtStart = process.cpuUsage();
// Steady rate: from a third of the run on, once thousands of connections are up.
let mark;
setTimeout(() => (mark = { at: performance.now(), requests }), (Number(seconds) * 1000) / 3);
await Promise.all(Array.from({ length: Number(connections) }, loop));
const ended = performance.now();
const cpu = process.cpuUsage(cpuAtStart);
const elapsed = (ended - started) / 1000;
console.log(JSON.stringify({ requests, errors, rps: requests / elapsed, cpuMs: (cpu.user + cpu.system) / 1000, steadyRps: mark ? (requests - mark.requests) / ((ended - mark.at) / 1000) : undefined }));
