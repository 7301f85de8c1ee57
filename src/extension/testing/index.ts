// Load tests in VS Code's Testing view: one TestController whose items are the workspace's load files,
// their scenarios and their thresholds (test-tree.ts), found lazily and kept up to date as files are
// created, edited, saved and deleted; three run profiles (Run, Run with OTel, Debug) that run the
// scenarios one after another through the CodeLens's commands (test-runner.ts).
import * as vscode from 'vscode';
import { TestRunner, type ProfileKind, type TestRunnerDeps } from './test-runner.ts';
import { isLoadFile, LOAD_FILE_GLOB, TestTree } from './test-tree.ts';

export type { RecordedResult } from './test-runner.ts';

/** Edits to an open load file are re-read this long after the last keystroke. */
const EDIT_DEBOUNCE_MS = 300;

export interface TestingDeps {
  /** The CodeLens's run controller: a cancelled test run stops it as the Stop button does. */
  runs: TestRunnerDeps['runs'];
}

/** The controller, its items and its profiles; what the runs reported (the integration tests read it). */
export interface Testing extends vscode.Disposable {
  controller: vscode.TestController;
  tree: TestTree;
  runner: TestRunner;
  profiles: Record<ProfileKind, vscode.TestRunProfile>;
}

export function createTesting(deps: TestingDeps): Testing {
  const controller = vscode.tests.createTestController('loadlens', 'Loadlens');
  const tree = new TestTree(controller);
  const runner = new TestRunner({ tree, controller, runs: deps.runs });
  controller.resolveHandler = async item => {
    if (item) await tree.resolveFile(item);
    else await tree.discoverFiles();
  };
  controller.refreshHandler = async () => {
    await tree.discoverFiles();
    for (const [, item] of controller.items) if (!item.canResolveChildren) await tree.resolveFile(item);
  };
  const handler = (kind: ProfileKind) => (request: vscode.TestRunRequest, token: vscode.CancellationToken) => runner.run(kind, request, token);
  const profiles: Record<ProfileKind, vscode.TestRunProfile> = {
    run: controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, handler('run'), true),
    otel: controller.createRunProfile('Run with OTel', vscode.TestRunProfileKind.Run, handler('otel'), false),
    // One user, one iteration with the debugger attached, as the Debug lens: thresholds are not judged.
    debug: controller.createRunProfile('Debug', vscode.TestRunProfileKind.Debug, handler('debug'), true),
  };
  return { controller, tree, runner, profiles, dispose: () => controller.dispose() };
}

/** Keeps the items up to date: files created, changed on disk, deleted; open files as they are edited. */
export function register(_context: vscode.ExtensionContext, testing: Testing): vscode.Disposable[] {
  const { controller, tree } = testing;
  const pending = new Map<string, NodeJS.Timeout>();
  const fromDocument = (document: vscode.TextDocument, delay: number) => {
    if (!isLoadFile(document.uri)) return;
    const key = document.uri.toString();
    clearTimeout(pending.get(key));
    pending.set(key, setTimeout(() => {
      pending.delete(key);
      void tree.update(document.uri, document.getText());
    }, delay));
  };
  // A file changed on disk (a checkout, another editor): re-read it if its scenarios were listed and
  // it is not open (an open one follows its editor's text).
  const fromDisk = (uri: vscode.Uri) => {
    if (!isLoadFile(uri)) return;
    const item = controller.items.get(uri.toString());
    if (!item || item.canResolveChildren) return;
    if (vscode.workspace.textDocuments.some(d => d.uri.toString() === uri.toString())) return;
    void tree.resolveFile(item);
  };
  const watcher = vscode.workspace.createFileSystemWatcher(LOAD_FILE_GLOB);
  // Files already open at activation (the one that activated the extension).
  for (const document of vscode.workspace.textDocuments) fromDocument(document, 0);
  return [
    testing,
    watcher,
    watcher.onDidCreate(uri => isLoadFile(uri) && tree.fileItem(uri)),
    watcher.onDidChange(fromDisk),
    watcher.onDidDelete(uri => tree.removeFile(uri)),
    vscode.workspace.onDidOpenTextDocument(document => fromDocument(document, 0)),
    vscode.workspace.onDidChangeTextDocument(event => fromDocument(event.document, EDIT_DEBOUNCE_MS)),
    vscode.workspace.onDidSaveTextDocument(document => fromDocument(document, 0)),
    { dispose: () => pending.forEach(timer => clearTimeout(timer)) },
  ];
}
