// An OTLP/HTTP exporter at full speed, for `npm run bench`: `node bench/otlp-poster.ts URL SPANS [FAIL_EVERY]`.
// Posts the engine's own request spans (its tracer and encoder, as a run with "Run with OTel" exports
// them) in batches of 512, OTLP/protobuf over loopback, with up to 4 exports in flight (the SDK's
// BatchSpanProcessor allows a few concurrent exports too). Prints one JSON line when done: spans
// and batches sent, seconds, non-200 answers, and the trace ids of the failed requests.
//
// Encoding a million spans here would make this process the bottleneck, so it encodes 32 batches
// once and then sends copies with fresh trace ids written over the old ones: every trace is new to
// the receiver, and the bytes are otherwise what the engine sends.
import { Agent, request } from 'node:http';
import { EngineBatches } from '../test/support/engine-batches.ts';

const [url, spansArg, failEveryArg] = process.argv.slice(2);
if (url === undefined || spansArg === undefined) throw new Error('usage: otlp-poster.ts URL SPANS [FAIL_EVERY]');
const target = Number(spansArg);
const batches = new EngineBatches({ failEvery: Number(failEveryArg ?? 200) });
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const IN_FLIGHT = 4;

const failedTraceIds: string[] = [];
const TEMPLATES = 32;
const templates = Array.from({ length: TEMPLATES }, () => {
  const batch = batches.next(512);
  // Where each request's trace id sits (its CLIENT span, and its connect child's).
  const requests = batch.requests.map(r => {
    const id = Buffer.from(r.traceId, 'hex');
    const offsets: number[] = [];
    for (let at = batch.body.indexOf(id); at >= 0; at = batch.body.indexOf(id, at + 1)) offsets.push(at);
    return { offsets, failed: r.failed };
  });
  return { body: batch.body, spans: batch.spans, requests };
});
/** Trace ids: 8 random bytes for this run, then a counter. */
const idPrefix = Buffer.from(Array.from({ length: 8 }, () => Math.floor(Math.random() * 256)));
let nextTraceNumber = 1;

function nextBatch(): { body: Buffer; spans: number } {
  const template = templates[batchCount % TEMPLATES]!;
  const body = Buffer.from(template.body);
  for (const request of template.requests) {
    const id = Buffer.allocUnsafe(16);
    idPrefix.copy(id, 0);
    id.writeUInt32BE(Math.floor(nextTraceNumber / 2 ** 32), 8);
    id.writeUInt32BE(nextTraceNumber % 2 ** 32, 12);
    nextTraceNumber++;
    for (const at of request.offsets) id.copy(body, at);
    if (request.failed) failedTraceIds.push(id.toString('hex'));
  }
  return { body, spans: template.spans };
}

let sent = 0;
let batchCount = 0;
let rejected = 0;

function post(body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/traces`, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, response => {
      if (response.statusCode !== 200) rejected++;
      response.resume();
      response.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function lane(): Promise<void> {
  while (sent < target) {
    const batch = nextBatch();
    sent += batch.spans;
    batchCount++;
    await post(batch.body);
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
agent.destroy();
console.log(JSON.stringify({ spans: sent, batches: batchCount, seconds: (performance.now() - started) / 1000, rejected, failedTraceIds }));
