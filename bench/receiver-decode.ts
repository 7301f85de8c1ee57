// The receiver's protobuf decoding alone, for `npm run bench` (part "receiver-decode"): spans per second
// of decodeTraces on the engine's own request spans (batches of 512, 1 request in 200 failed), the
// decoder of src/receiver against another checkout's, interleaved round by round in one process so
// both see the same machine. `node bench/receiver-decode.ts [OTHER_CHECKOUT] [ROUNDS]`; without
// OTHER_CHECKOUT it measures this checkout's decoder alone.
//
// Measured when the receiver moved from a hand-copied .proto string (protobufjs reflection: decoders
// generated at run time from the parsed schema) to the official schema's generated static code
// (@opentelemetry/otlp-transformer 0.214.0's root.js), 11 rounds of 200 batches (102,400 spans) each,
// on a 2-core VM shared with other jobs, medians:
//   hand-copied schema (reflection)  : 25,397 spans/s
//   official schema (generated code) : 25,330 spans/s
// The same within noise (rounds ranged 14k to 36k for both): the time goes to normalising the spans
// (ids to hex, attributes, 64-bit times), not to the protobuf decoding, so the official schema stays.
import path from 'node:path';
import { EngineBatches } from '../test/support/engine-batches.ts';

const [other, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 7);
const BATCHES = 200;
const here = path.resolve(import.meta.dirname, '..');
type Decode = (body: Uint8Array, encoding: 'protobuf') => unknown[];
const contenders: [string, Decode][] = [['this checkout', (await import(path.join(here, 'src/receiver/decode.ts'))).decodeTraces as Decode]];
if (other) contenders.push([path.basename(path.resolve(other)), (await import(path.join(path.resolve(other), 'src/receiver/decode.ts'))).decodeTraces as Decode]);

const source = new EngineBatches({ failEvery: 200 });
const batches = Array.from({ length: 32 }, () => source.next(512));
const spansPerRound = Array.from({ length: BATCHES }, (_, i) => batches[i % batches.length]!.spans).reduce((a, b) => a + b, 0);

const rates = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
for (const [, decode] of contenders) for (const batch of batches) decode(batch.body, 'protobuf'); // warm up both
for (let round = 0; round < rounds; round++) {
  for (const [name, decode] of round % 2 === 0 ? contenders : [...contenders].reverse()) {
    let decoded = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < BATCHES; i++) decoded += decode(batches[i % batches.length]!.body, 'protobuf').length;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (decoded !== spansPerRound) throw new Error(`${name} decoded ${decoded} spans, expected ${spansPerRound}`);
    rates.get(name)!.push(decoded / seconds);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [name, values] of rates) {
  console.log(`${name.padEnd(16)}: median ${Math.round(median(values)).toLocaleString('en-US')} spans/s decoded (rounds: ${values.map(v => Math.round(v / 1000)).join(', ')} k)`);
}
