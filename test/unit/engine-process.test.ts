import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { earlyExitMessage, engineEnded, nodeRuntimeProblem, OutputTail, startFailureMessage } from '../../src/extension/run/engine-process.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'loadlens-engine-process-'));
const script = path.join(dir, 'exit-3.cjs');
writeFileSync(script, 'process.exit(3);\n');

/** Forks `script` as the run controller does (stdio pipes plus IPC), with `execPath` as the Node.js to use. */
const forkWith = (execPath: string) =>
  fork(script, ['ipc'], { execPath, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });

const unstartable: Array<{ label: string; execPath: string; errno: string; reason: string }> = [
  { label: 'a path that does not exist', execPath: path.join(dir, 'no-such-node'), errno: 'ENOENT', reason: 'no such file' },
  { label: 'a directory', execPath: dir, errno: 'EACCES', reason: 'not an executable file' },
];

for (const { label, execPath, errno, reason } of unstartable) {
  test(`engine process: a nodePath that is ${label} settles with its start error (error + close, no exit)`, async () => {
    const child = forkWith(execPath);
    const events: string[] = [];
    for (const event of ['error', 'exit', 'close']) child.on(event, () => events.push(event));
    const end = await engineEnded(child);
    assert.equal((end.startError as NodeJS.ErrnoException | undefined)?.code, errno);
    assert.equal(end.code, null);
    assert.deepEqual(events, ['error', 'close'], 'Node never emits exit for a child that did not start');
    assert.equal(
      startFailureMessage(end.startError!, execPath, '/usr/bin/code'),
      `Could not start the engine: the setting loadlens.run.nodePath is '${execPath}' (${reason}). ` +
        "Set it to a Node.js (>= 22) executable, or clear it to use the editor's own runtime.",
    );
  });
}

test('engine process: a child that ran settles on exit with its code and no start error', async () => {
  const end = await engineEnded(forkWith(process.execPath));
  assert.deepEqual(end, { code: 3, signal: null });
  assert.equal(earlyExitMessage(end, '', false), 'The engine exited (code 3) before reporting.');
});

test('engine process: a custom nodePath that ran but never answered is named as the likely cause', () => {
  assert.equal(
    earlyExitMessage({ code: 0, signal: null }, '/usr/bin/true', false),
    "The engine exited (code 0) before reporting. It never answered: is the setting loadlens.run.nodePath ('/usr/bin/true') a Node.js (>= 22) executable?",
  );
  assert.equal(earlyExitMessage({ code: null, signal: 'SIGKILL' }, '/opt/node/bin/node', true), 'The engine exited (SIGKILL) before reporting.');
});

test('engine process: a crash quotes the end of the engine\'s stderr (a V8 fatal error before SIGTRAP), read from a real child', async () => {
  // A real process writing 200 lines then dying on SIGTRAP, its stderr kept by the same tail the run controller uses.
  const child = spawn(process.execPath, ['-e', "for (let i = 1; i <= 200; i++) process.stderr.write('line ' + i + '\\n'); process.stderr.write('# Fatal error in , line 0\\n# Check failed: x.\\n', () => process.kill(process.pid, 'SIGTRAP'));"], { stdio: ['ignore', 'ignore', 'pipe'] });
  const tail = new OutputTail(300);
  child.stderr!.on('data', (chunk: Buffer) => tail.add(chunk.toString()));
  const end = await engineEnded(child);
  assert.deepEqual(end, { code: null, signal: 'SIGTRAP' });
  const message = earlyExitMessage(end, '', true, tail.text);
  const lines = message.split('\n');
  assert.equal(lines[0], 'The engine exited (SIGTRAP) before reporting.');
  assert.equal(lines[1], 'Its last output on stderr:');
  assert.deepEqual(lines.slice(-2), ['# Fatal error in , line 0', '# Check failed: x.']);
  assert.equal(lines.length, 2 + 12, 'the last 12 lines');
  assert.equal(lines[2], 'line 191');
});

test('engine process: without a nodePath the message names the editor runtime and the setting to set', () => {
  const error = Object.assign(new Error('spawn /usr/bin/code ENOENT'), { code: 'ENOENT' });
  assert.equal(
    startFailureMessage(error, '', '/usr/bin/code'),
    "Could not start the engine with the editor's runtime '/usr/bin/code' (no such file). Set loadlens.run.nodePath to a Node.js (>= 22) executable.",
  );
});

// The runtime check before each run: a nodePath that is no Node.js, or one older than 22, is named.
const fakeNode20 = path.join(dir, 'node20.sh');
writeFileSync(fakeNode20, '#!/bin/sh\necho v20.0.0\n', { mode: 0o755 });
const notNode = path.join(dir, 'not-node.sh');
writeFileSync(notNode, '#!/bin/sh\necho hello\n', { mode: 0o755 });
const runtimes: Array<{ label: string; nodePath: string; own?: string; message: string | undefined }> = [
  { label: 'a script that says v20.0.0', nodePath: fakeNode20, message: `Could not start the engine: the setting loadlens.run.nodePath is '${fakeNode20}', which is Node.js v20.0.0; the engine needs Node.js 22 or newer. Set it to a Node.js (>= 22) executable, or clear it to use the editor's own runtime.` },
  { label: 'a program that is not Node.js', nodePath: notNode, message: `Could not start the engine: the setting loadlens.run.nodePath is '${notNode}', which is not Node.js ('--version' printed "hello"). Set it to a Node.js (>= 22) executable, or clear it to use the editor's own runtime.` },
  { label: 'a missing file', nodePath: path.join(dir, 'nope'), message: `Could not start the engine: the setting loadlens.run.nodePath is '${path.join(dir, 'nope')}' (no such file). Set it to a Node.js (>= 22) executable, or clear it to use the editor's own runtime.` },
  { label: 'this Node.js (24)', nodePath: process.execPath, message: undefined },
  { label: 'empty, with an editor on Node 20', nodePath: '', own: '20.11.1', message: "The editor's own runtime is Node.js v20.11.1, and the engine needs Node.js 22 or newer: set loadlens.run.nodePath to a Node.js 22+ executable." },
  { label: 'empty, with an editor on Node 22', nodePath: '', own: '22.21.1', message: undefined },
];
for (const { label, nodePath, own, message } of runtimes) {
  test(`engine process: runtime check: ${label}`, async () => {
    assert.equal(await nodeRuntimeProblem(nodePath, own ?? process.versions.node), message);
  });
}

test('engine process: runtime check: the system\'s real Node 20 (/usr/bin/node), when there is one', async t => {
  const { execFileSync } = await import('node:child_process');
  let version = '';
  try {
    version = execFileSync('/usr/bin/node', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    t.skip('no /usr/bin/node here');
    return;
  }
  if (Number(version.slice(1).split('.')[0]) >= 22) {
    t.skip(`/usr/bin/node is ${version}`);
    return;
  }
  assert.equal(await nodeRuntimeProblem('/usr/bin/node', process.versions.node),
    `Could not start the engine: the setting loadlens.run.nodePath is '/usr/bin/node', which is Node.js ${version}; the engine needs Node.js 22 or newer. Set it to a Node.js (>= 22) executable, or clear it to use the editor's own runtime.`);
});
