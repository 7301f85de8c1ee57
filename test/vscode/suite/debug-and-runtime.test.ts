// Debug one iteration (the debugger stops on the user's line through the source map) and the engine
// runtime check (a Node.js older than 22 is named, and the next run works).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunOutcome } from '../../../src/extension/run/run-controller.ts';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;
const config = () => vscode.workspace.getConfiguration('loadlens');

async function countingTarget() {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return { paths, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

interface DapMessage { type: string; event?: string; body?: { reason?: string; threadId?: number } }
interface StackFrame { id: number; line: number; column: number; name: string; source?: { path?: string; name?: string } }
interface Variable { name: string; value: string; variablesReference: number }

suite('debugging and the engine runtime', () => {
  test('Debug stops at a breakpoint on the scenario line, the response is inspectable, and the one iteration completes', async function () {
    this.timeout(180_000);
    // Known flake, not understood yet: in 1 of 3 full-suite runs the debugged engine exited with SIGTRAP
    // (a V8 trap) before the breakpoint; alone it always passed. A second failure in a row still fails.
    this.retries(1);
    assert.ok(vscode.extensions.getExtension('ms-vscode.js-debug'), 'the JavaScript debugger is built into this host');
    const target = await countingTarget();
    const uri = vscode.Uri.file(path.join(workspace(), 'debug-me.load.ts'));
    const breakpointLine = 5; // `const status = res.status;`, 1-based
    const document = await vscode.workspace.openTextDocument(uri);
    assert.equal(document.lineAt(breakpointLine - 1).text.trim(), 'const status = res.status;');
    const breakpoint = new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(breakpointLine - 1, 0)));
    vscode.debug.addBreakpoints([breakpoint]);
    const events: string[] = [];
    let onStopped: (hit: { session: vscode.DebugSession; threadId: number }) => void = () => undefined;
    const stopped = new Promise<{ session: vscode.DebugSession; threadId: number }>(resolve => (onStopped = resolve));
    const tracker = vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker: session => ({
        onDidSendMessage: (message: DapMessage) => {
          if (message.type !== 'event' || message.event !== 'stopped') return;
          events.push(`${session.type}:${message.body?.reason}`);
          if (message.body?.reason === 'breakpoint') onStopped({ session, threadId: message.body.threadId! });
        },
      }),
    });
    let timer: NodeJS.Timeout | undefined;
    let run: Thenable<RunOutcome> | undefined;
    try {
      const running = vscode.commands.executeCommand<RunOutcome>('loadlens.debug-scenario', uri, 'once', { host: target.url });
      run = running;
      const hit = await Promise.race([
        stopped,
        running.then(outcome => { throw new Error(`the run ended without stopping: ${outcome?.problem ?? `${outcome?.report?.totals.requests} requests`}; stopped events: ${events.join(', ')}`); }),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no stop at the breakpoint within 90 s; stopped events: ${events.join(', ')}`)), 90_000))),
      ]);
      const { stackFrames } = await hit.session.customRequest('stackTrace', { threadId: hit.threadId, startFrame: 0, levels: 5 }) as { stackFrames: StackFrame[] };
      const top = stackFrames[0]!;
      // In code-server the adapter names the file by its remote URI (vscode-remote://host/path).
      const framePath = top.source?.path ?? '';
      assert.equal(/^[a-z-]+:\/\//.test(framePath) ? vscode.Uri.parse(framePath).path : framePath, uri.fsPath, `top frame in ${framePath || top.source?.name}`);
      assert.equal(top.line, breakpointLine);
      // The response the line reads is there to inspect, with its status.
      const { scopes } = await hit.session.customRequest('scopes', { frameId: top.id }) as { scopes: { name: string; variablesReference: number }[] };
      // `res` is a `const` of the function body: js-debug lists it under a Block scope, beside Local.
      const variables: Variable[] = [];
      for (const scope of scopes.filter(s => !/^global/i.test(s.name))) {
        variables.push(...(await hit.session.customRequest('variables', { variablesReference: scope.variablesReference }) as { variables: Variable[] }).variables);
      }
      const res = variables.find(v => v.name === 'res');
      assert.ok(res && res.variablesReference > 0, `scopes ${scopes.map(s => s.name).join(', ')}; variables: ${variables.map(v => v.name).join(', ')}`);
      const fields = (await hit.session.customRequest('variables', { variablesReference: res.variablesReference }) as { variables: Variable[] }).variables;
      assert.equal(fields.find(v => v.name === 'status')?.value, '200');
      assert.equal(fields.find(v => v.name === 'name')?.value, "'/product/{id}'");
      assert.deepEqual(target.paths, ['GET /product/42'], 'the request before the breakpoint was made, once');

      await hit.session.customRequest('continue', { threadId: hit.threadId });
      const outcome = await running;
      assert.equal(outcome.problem, undefined);
      assert.equal(outcome.report?.iterations, 1);
      assert.equal(outcome.report?.totals.requests, 1);
      assert.equal(outcome.report?.totals.failures, 0, 'the check after the breakpoint passed');
      assert.equal(outcome.report?.stopReason, 'iterations-done');
      assert.deepEqual(target.paths, ['GET /product/42'], 'one user, one iteration: the scenario\'s 5 users and 10 s do not apply');
    } finally {
      clearTimeout(timer);
      // A failed assertion leaves the engine paused: end the session and the run so later tests can run.
      vscode.debug.removeBreakpoints([breakpoint]);
      await vscode.debug.stopDebugging();
      await vscode.commands.executeCommand('loadlens.stop-run');
      await Promise.resolve(run).catch(() => undefined);
      tracker.dispose();
      vscode.debug.removeBreakpoints([breakpoint]);
      target.close();
    }
  });

  test('a nodePath older than Node 22 is named in a clear error, and the next run works', async function () {
    this.timeout(120_000);
    const target = await countingTarget();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadlens-node20-'));
    const fakeNode = path.join(dir, 'node');
    fs.writeFileSync(fakeNode, '#!/bin/sh\necho v20.0.0\n', { mode: 0o755 });
    const uri = vscode.Uri.file(path.join(workspace(), 'checkout.load.ts'));
    const run = () => vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario-plain', uri, 'browse', { users: 1, runTime: '1s', host: target.url });
    try {
      await config().update('run.nodePath', fakeNode, vscode.ConfigurationTarget.Workspace);
      const old = await run();
      assert.equal(old.report, undefined);
      assert.equal(old.problem, `Could not start the engine: the setting loadlens.run.nodePath is '${fakeNode}', which is Node.js v20.0.0; the engine needs Node.js 22 or newer. Set it to a Node.js (>= 22) executable, or clear it to use the editor's own runtime.`);

      // The system's own Node.js, when it is older than 22 (Node 20 here).
      let systemVersion = '';
      try { systemVersion = (await import('node:child_process')).execFileSync('/usr/bin/node', ['--version'], { encoding: 'utf8' }).trim(); } catch { /* none */ }
      if (/^v(1\d|2[01])\./.test(systemVersion)) {
        await config().update('run.nodePath', '/usr/bin/node', vscode.ConfigurationTarget.Workspace);
        const system = await run();
        assert.match(system.problem ?? '', new RegExp(`loadlens\\.run\\.nodePath is '/usr/bin/node', which is Node\\.js ${systemVersion.replace(/\./g, '\\.')}; the engine needs Node\\.js 22 or newer`));
      }

      const missing = path.join(dir, 'no-such-node');
      await config().update('run.nodePath', missing, vscode.ConfigurationTarget.Workspace);
      assert.equal((await run()).problem, `Could not start the engine: the setting loadlens.run.nodePath is '${missing}' (no such file). Set it to a Node.js (>= 22) executable, or clear it to use the editor's own runtime.`);

      await config().update('run.nodePath', undefined, vscode.ConfigurationTarget.Workspace);
      const good = await run();
      assert.equal(good.problem, undefined);
      assert.equal(good.exitCode, 0);
      assert.ok((good.report?.totals.requests ?? 0) >= 1);
      assert.equal(good.report?.totals.requests, target.paths.length);
    } finally {
      await config().update('run.nodePath', undefined, vscode.ConfigurationTarget.Workspace);
      target.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
