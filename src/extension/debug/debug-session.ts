// "Debug": the engine child starts paused under the inspector and VS Code's JavaScript debugger
// (js-debug, built into VS Code and code-server) attaches to it. The loader compiles the scenario with
// an inline source map whose sources are the user's files, and evaluates it as a module named after
// the user's file: breakpoints set in the .load.ts bind through that map and stop on the user's line.
import * as path from 'node:path';
import * as vscode from 'vscode';

/** The attach configuration for an engine child listening on `port` (127.0.0.1 only). */
export function attachConfiguration(port: number, scenario: string, extensionPath: string): vscode.DebugConfiguration {
  return {
    type: 'node',
    request: 'attach',
    name: `Loadlens: debug ${scenario}`,
    address: '127.0.0.1',
    port,
    // The child waits on --inspect-brk until breakpoints are set; then it runs.
    continueOnAttach: true,
    sourceMaps: true,
    // The scenario's map is inline (a data: URL): no file location to restrict.
    resolveSourceMapLocations: null,
    // Stepping goes through the user's code, not through Node's or the engine's.
    skipFiles: ['<node_internals>/**', path.join(extensionPath, 'dist', '**')],
  };
}

/**
 * Starts the debugger on the engine child's inspector port; resolves with the session, or undefined
 * when VS Code could not start it (no JavaScript debugger). `onEnded` runs when the session ends.
 */
export async function attachDebugger(port: number, scenario: string, file: vscode.Uri, extensionPath: string, onEnded: () => void): Promise<vscode.DebugSession | undefined> {
  const folder = vscode.workspace.getWorkspaceFolder(file);
  const configuration = attachConfiguration(port, scenario, extensionPath);
  let session: vscode.DebugSession | undefined;
  const started = vscode.debug.onDidStartDebugSession(s => {
    if (s.configuration.name === configuration.name && s.configuration.port === port) session ??= s;
  });
  const ended = vscode.debug.onDidTerminateDebugSession(s => {
    if (s === session) {
      ended.dispose();
      onEnded();
    }
  });
  try {
    const ok = await vscode.debug.startDebugging(folder, configuration);
    if (!ok) {
      ended.dispose();
      return undefined;
    }
    return session;
  } finally {
    started.dispose();
  }
}
