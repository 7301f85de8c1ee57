// Whose fault an exception is. Scenario code that forgets an await throws or rejects outside any
// iteration: that is the user's iteration error, at their line. An exception from Loadlens's own code
// (here an output whose `add` throws) is an internal error: reported as one, the run stopped, the report
// still written. Each run is its own process: the exceptions really reach the process's handlers,
// which the test runner would otherwise claim for itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-session-faults-'));

const scenario = path.join(dir, 'stray.load.ts');
writeFileSync(scenario, `import { scenario } from 'loadlens';
// No request is made: the host is only required by the options.
export const stray = scenario({ host: 'http://127.0.0.1:9', users: 1, runTime: '4s', wait: { kind: 'constant', seconds: 0.05 } }, async ({ iteration }) => {
  if (iteration !== 0) return;
  setTimeout(() => { throw new Error('thrown from a timer the scenario set'); }, 0);
  void Promise.reject(new Error('a promise the scenario did not await'));
  void Promise.reject('a bare string: no stack, and Loadlens only throws Errors');
});
`);

/** Runs the session in a child Node with an output that throws from its first `add` (about 1 s in) when `faultyOutput`. */
const child = path.join(dir, 'run-session.ts');
writeFileSync(child, `import { runSession } from ${JSON.stringify(pathToFileURL(path.join(root, 'src/engine/run/session.ts')).href)};
const faultyOutput = process.argv[3] === 'faulty-output';
const seen = { added: 0, reportWritten: false, live: [] as string[] };
const result = await runSession({
  file: process.argv[2]!, overrides: {},
  onInternalError: fault => seen.live.push(fault.message),
  outputs: () => [{
    start() {},
    add() {
      seen.added++;
      if (faultyOutput && seen.added === 1) throw new TypeError("Cannot read properties of undefined (reading 'p95')");
    },
    stop() { seen.reportWritten = true; return Promise.resolve(); },
  }],
});
if (!result.ok) throw new Error(JSON.stringify(result));
const { report, internalErrors } = result;
process.stdout.write(JSON.stringify({ ...seen, internalErrors, iterationErrors: report.iterationErrors, stopReason: report.stopReason, durationMs: report.durationMs }));
`);

async function runChild(mode: 'faulty-output' | 'plain') {
  const { stdout } = await promisify(execFile)(process.execPath, [child, scenario, mode], { cwd: root, timeout: 20_000 });
  return JSON.parse(stdout) as {
    added: number; reportWritten: boolean; live: string[]; stopReason: string; durationMs: number;
    internalErrors?: { message: string; stack: string }[];
    iterationErrors: { message: string; where?: string; count: number }[];
  };
}

const userErrors = [
  { message: 'a bare string: no stack, and Loadlens only throws Errors', count: 1 },
  { message: 'a promise the scenario did not await', where: `${scenario}:6:23`, count: 1 },
  { message: 'thrown from a timer the scenario set', where: `${scenario}:5:28`, count: 1 },
];

test("session: exceptions from the scenario's own code outside an iteration are its iteration errors, at its lines", async () => {
  const result = await runChild('plain');
  assert.deepEqual([...result.iterationErrors].sort((a, b) => a.message.localeCompare(b.message)), userErrors);
  assert.deepEqual(result.internalErrors, []);
  assert.equal(result.stopReason, 'run-time');
});

test("session: an exception from an output is an internal error, not the user's: the run stops and the report is still written", async () => {
  const result = await runChild('faulty-output');
  assert.deepEqual([...result.iterationErrors].sort((a, b) => a.message.localeCompare(b.message)), userErrors,
    "only the scenario's exceptions are iteration errors");
  const fault = "TypeError: Cannot read properties of undefined (reading 'p95')";
  assert.deepEqual(result.internalErrors?.map(e => e.message), [fault]);
  assert.match(result.internalErrors![0]!.stack, /\n\s+at Object\.add \(.*run-session\.ts:\d+:\d+\)/, 'the stack says which code failed');
  assert.deepEqual(result.live, [fault], 'reported as it happens');
  assert.equal(result.stopReason, 'error');
  assert.ok(result.durationMs < 3000, `stopped at the fault (about 1 s), not at the 4 s run time: ran ${result.durationMs} ms`);
  assert.equal(result.reportWritten, true);
});
