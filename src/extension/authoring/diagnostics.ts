// Problems when a scenario file is opened or saved (not on every keystroke: the check evaluates the
// file's top level, so it reads what is on disk): `loadlens check FILE --json` (the engine's own
// validation, in a child process, never in the extension host), debounced, into the Problems panel at
// the exact line and column, with a quick fix for "did you mean 'x'?".
import { execFile, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ENGINE_NODE_FLAGS } from '../../shared/engine-flags.ts';
import type { CheckDiagnostic, CheckReport } from '../../shared/protocol.ts';
import type { Diagnostic as LoadlensDiagnostic } from '../../shared/report.ts';

/** Saves in a row within this time are checked once. */
const DEBOUNCE_MS = 300;
/** A check that takes longer is abandoned (a scenario file's top level that never returns). */
const CHECK_TIMEOUT_MS = 30_000;
const SCENARIO_FILE = /\.load\.(?:ts|js|mjs|cjs|mts|cts)$/;
const SOURCE = 'loadlens';
const DID_YOU_MEAN = /^unknown option '([^']+)': did you mean '([^']+)'\?$|^[^:]*: unknown field '([^']+)': did you mean '([^']+)'\?$/;

export interface CheckDeps {
  enginePath: string;
  /** The `loadlens.run.nodePath` setting; '' for the editor's own runtime. */
  nodePath: () => string;
  output: vscode.OutputChannel;
}

/** The Problems of scenario files, from `loadlens check` and from runs that did not start. */
export class ScenarioChecks implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection(SOURCE);
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, ChildProcess>();
  /** Checks killed because a newer one of the same file started: their result is dropped. */
  private readonly superseded = new WeakSet<ChildProcess>();
  /** Who waits for the next check of a file to be applied (the tests, through whenChecked). */
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly deps: CheckDeps;

  constructor(deps: CheckDeps) {
    this.deps = deps;
  }

  /** Checks `document` after a short pause, unless another request for it comes first. */
  schedule(document: vscode.TextDocument): void {
    if (!isScenarioDocument(document)) return;
    // The check evaluates the file's top level: never for a workspace the user has not trusted.
    if (!vscode.workspace.isTrusted) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.check(document.uri).finally(() => {
        // Those who waited before a newer check was scheduled wait for that one.
        if (this.timers.has(key)) return;
        for (const resolve of this.waiting.get(key)?.splice(0) ?? []) resolve();
      });
    }, DEBOUNCE_MS));
  }

  /** Resolves once the check scheduled for `uri` has set its Problems; at once when none is pending. */
  whenChecked(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    if (!this.timers.has(key) && !this.running.has(key)) return Promise.resolve();
    return new Promise(resolve => this.waiting.set(key, [...(this.waiting.get(key) ?? []), resolve]));
  }

  /** Runs `loadlens check --json` on the saved file and replaces its Problems (and its imports'). */
  async check(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    const previous = this.running.get(key);
    if (previous) {
      this.superseded.add(previous);
      previous.kill();
    }
    const file = uri.fsPath;
    const report = await new Promise<CheckReport | undefined>(resolve => {
      const child = execFile(this.deps.nodePath() || process.execPath, [...ENGINE_NODE_FLAGS, this.deps.enginePath, 'check', '--json', file], {
        cwd: path.dirname(file),
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        timeout: CHECK_TIMEOUT_MS,
        maxBuffer: 4 * 1024 * 1024,
      }, (error, stdout, stderr) => {
        if (this.running.get(key) === child) this.running.delete(key);
        if (this.superseded.has(child)) return resolve(undefined);
        try {
          resolve(JSON.parse(stdout) as CheckReport);
        } catch {
          this.deps.output.appendLine(`[check] ${path.basename(file)}: the engine gave no report (${error?.message ?? 'no output'})${stderr ? `\n${stderr}` : ''}`);
          resolve(undefined);
        }
      });
      this.running.set(key, child);
    });
    if (!report) return;
    this.show(uri, report.diagnostics);
  }

  /** Shows the diagnostics of a run that did not start (every one an error). */
  showRunProblems(file: vscode.Uri, diagnostics: readonly LoadlensDiagnostic[]): void {
    this.show(file, diagnostics.map(d => ({ ...d, severity: 'error' })));
  }

  private show(uri: vscode.Uri, diagnostics: readonly CheckDiagnostic[]): void {
    // The file's own Problems are replaced even when none are left; an imported helper's are set when it has some.
    const byFile = new Map<string, vscode.Diagnostic[]>([[uri.fsPath, []]]);
    for (const d of diagnostics) {
      const list = byFile.get(d.file) ?? [];
      list.push(toVscodeDiagnostic(d));
      byFile.set(d.file, list);
    }
    for (const [file, list] of byFile) this.collection.set(vscode.Uri.file(file), list);
  }

  forget(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const child of this.running.values()) child.kill();
    this.collection.dispose();
  }
}

function isScenarioDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' && SCENARIO_FILE.test(document.uri.fsPath);
}

/** 1-based line and column to a range over the word there (the option's name), as the editor underlines it. */
function toVscodeDiagnostic(d: CheckDiagnostic): vscode.Diagnostic {
  const start = new vscode.Position(Math.max(0, d.line - 1), Math.max(0, d.column - 1));
  const document = vscode.workspace.textDocuments.find(doc => doc.uri.fsPath === d.file);
  const range = document?.getWordRangeAtPosition(start, /[\w$'"-]+/) ?? new vscode.Range(start, start.translate(0, 1));
  const diagnostic = new vscode.Diagnostic(range, d.message, d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error);
  diagnostic.source = SOURCE;
  return diagnostic;
}

/** "did you mean 'spawnRate'?" as a quick fix that renames the key. */
class DidYouMeanFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    return context.diagnostics.flatMap(diagnostic => {
      if (diagnostic.source !== SOURCE) return [];
      const match = DID_YOU_MEAN.exec(diagnostic.message);
      if (!match) return [];
      const [wrong, right] = match[1] ? [match[1], match[2]!] : [match[3]!, match[4]!];
      const text = document.getText(diagnostic.range);
      const at = text.indexOf(wrong);
      if (at === -1) return [];
      const start = diagnostic.range.start.translate(0, at);
      const fix = new vscode.CodeAction(`Change '${wrong}' to '${right}'`, vscode.CodeActionKind.QuickFix);
      fix.edit = new vscode.WorkspaceEdit();
      fix.edit.replace(document.uri, new vscode.Range(start, start.translate(0, wrong.length)), right);
      fix.diagnostics = [diagnostic];
      fix.isPreferred = true;
      return [fix];
    });
  }
}

/** Checks scenario files when they are opened (and those already open) and when they are saved. */
export function register(checks: ScenarioChecks): vscode.Disposable[] {
  for (const document of vscode.workspace.textDocuments) checks.schedule(document);
  return [
    checks,
    vscode.workspace.onDidOpenTextDocument(document => checks.schedule(document)),
    vscode.workspace.onDidSaveTextDocument(document => checks.schedule(document)),
    vscode.workspace.onDidCloseTextDocument(document => isScenarioDocument(document) && checks.forget(document.uri)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => vscode.workspace.textDocuments.forEach(document => checks.schedule(document))),
    vscode.languages.registerCodeActionsProvider([{ scheme: 'file', pattern: '**/*.load.{ts,js,mjs,cjs,mts,cts}' }], new DidYouMeanFixes(), { providedCodeActionKinds: DidYouMeanFixes.kinds }),
  ];
}
