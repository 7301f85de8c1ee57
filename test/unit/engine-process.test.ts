import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { earlyExitMessage, engineEnded, startFailureMessage } from '../../src/extension/engine-process.ts';

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

test('engine process: without a nodePath the message names the editor runtime and the setting to set', () => {
  const error = Object.assign(new Error('spawn /usr/bin/code ENOENT'), { code: 'ENOENT' });
  assert.equal(
    startFailureMessage(error, '', '/usr/bin/code'),
    "Could not start the engine with the editor's runtime '/usr/bin/code' (no such file). Set loadlens.run.nodePath to a Node.js (>= 22) executable.",
  );
});
