// A minimal OTLP/HTTP collector for benchmarks: reads each export and answers 200 with an empty body
// (a valid empty Export*ServiceResponse), without decoding, so it costs the load generator nothing.
import http from 'node:http';

let exports = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    exports++;
    res.setHeader('content-type', 'application/x-protobuf');
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => { console.log(`exports ${exports}`); process.exit(0); });
