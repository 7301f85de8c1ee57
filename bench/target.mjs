// A deliberately cheap HTTP/1.1 keep-alive target for benchmarks: it does not parse requests, it counts
// their header terminators and answers each with a canned 200. So on its own core it is never the
// bottleneck of the load generator measured on the other. `--delay-ms N` answers after N ms.
//   node bench/target.mjs [--delay-ms 10]      prints "listening <port>" and serves until killed
import net from 'node:net';

const delayIndex = process.argv.indexOf('--delay-ms');
const delayMs = delayIndex > 0 ? Number(process.argv[delayIndex + 1]) : 0;
const body = '{"ok":true}';
const response = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nkeep-alive: timeout=60\r\n\r\n${body}`);
const terminator = Buffer.from('\r\n\r\n');
let served = 0;

const server = net.createServer({ noDelay: true }, socket => {
  let tail = Buffer.alloc(0);
  socket.on('data', chunk => {
    const data = tail.length ? Buffer.concat([tail, chunk]) : chunk;
    let requests = 0;
    for (let i = data.indexOf(terminator); i !== -1; i = data.indexOf(terminator, i + 4)) requests++;
    tail = data.subarray(Math.max(0, data.length - 3));
    if (requests === 0) return;
    served += requests;
    const answer = requests === 1 ? response : Buffer.concat(Array(requests).fill(response));
    if (delayMs > 0) setTimeout(() => socket.writable && socket.write(answer), delayMs);
    else socket.write(answer);
  });
  socket.on('error', () => {});
});
server.maxConnections = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => { console.log(`served ${served}`); process.exit(0); });
