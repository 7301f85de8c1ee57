// Activation only wires: it builds the services the features share, then each feature folder
// registers its commands, views and listeners, every disposable going into context.subscriptions.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunReport } from '../shared/report.ts';
import type { TraceLinkTarget } from '../shared/trace-link.ts';
import * as authoring from './authoring/index.ts';
import * as compare from './compare/index.ts';
import * as debug from './debug/index.ts';
import * as history from './history/index.ts';
import * as otel from './otel/index.ts';
import { RecordedOutputChannel } from './output.ts';
import * as results from './results/index.ts';
import * as run from './run/index.ts';
import * as testing from './testing/index.ts';
import { LiveSettings } from './settings.ts';
import * as trace from './trace/index.ts';
import { copyToClipboard } from './webview-page.ts';

export { UNTRUSTED_MESSAGE } from './run/index.ts';

/** What `activate` returns: used by the integration tests to observe real runs. */
export interface LoadlensApi {
  runs: run.RunController;
  /** What a click on a trace id does (the panel's links; hovers and tests call it too). */
  openTrace(target: TraceLinkTarget): void;
  receiver: otel.EmbeddedReceiver;
  checks: authoring.ScenarioChecks;
  panel(): results.ResultsPanel | undefined;
  /** Everything the "Loadlens" output channel was given (tests check that no secret reached it). */
  outputText(): string;
  /** This extension's global storage folder, inside the user data folder (where the user's settings.json is). */
  globalStorage: vscode.Uri;
  /** The open trace views (Loadlens's own, for the 'embedded' trace link preset). */
  traceViews(): trace.TraceView[];
  /** The run's numbers on the scenario's lines (decorations, hovers, Problems). */
  decorations: authoring.ScenarioDecorations;
  /** The panel's Export buttons; `target` skips the save dialog (tests). */
  exportReport(report: RunReport, format: 'html' | 'json', target?: vscode.Uri): Promise<vscode.Uri | undefined>;
  /** Saved runs (the Loadlens view's data) and the view itself. */
  history: history.RunHistory;
  historyView: vscode.TreeView<history.HistoryNode>;
  /** The open comparison tabs. */
  compareViews(): compare.CompareView[];
  /** The Testing view's controller, items, profiles and what its runs reported. */
  testing: testing.Testing;
}

export function activate(context: vscode.ExtensionContext): LoadlensApi {
  // The services the features share.
  const output = new RecordedOutputChannel('Loadlens');
  const live = new LiveSettings(output);
  const settings = () => live.current;
  results.ResultsPanel.restore(context.workspaceState);
  const enginePath = path.join(context.extensionPath, 'dist', 'engine.js');
  const runs = new run.RunController(enginePath, output, settings);
  const receiver = new otel.EmbeddedReceiver(
    output,
    () => ({ port: settings().otel.receiverPort, budgetBytes: Math.round(settings().otel.receiverBudgetMB * 1024 * 1024), forward: settings().otel.forward }),
    path.join(context.extensionPath, 'dist', 'receiver-worker.js'),
    context.workspaceState,
  );
  const runHistory = new history.RunHistory(settings, output);
  const historyView = history.createHistoryView(runHistory);
  const checks = new authoring.ScenarioChecks({ enginePath, nodePath: () => settings().run.nodePath, output });
  const decorations = new authoring.ScenarioDecorations();
  const shown: results.ShownRun = { file: undefined };
  const copy = copyToClipboard;

  // What one feature offers the others.
  const traces = trace.createTraceOpener(context, { output, settings, receiver, copy });
  const { openTrace } = traces;
  const events = results.panelEvents({ runs, settings, openTrace, copy });
  const openRun = history.createOpenRun(context, { history: runHistory, runs, events, shown });
  const runScenario = run.createRunScenario(context, { output, settings, runs, receiver, history: runHistory, checks, events, shown, decorations });
  // Cancelling a test run is the Stop button: the report is kept.
  const tests = testing.createTesting({ runs });

  context.subscriptions.push(
    output, live, runHistory, historyView, runs, receiver,
    ...authoring.register(context, { settings: live, checks, decorations, runs }),
    ...otel.register(context, { output, settings, receiver }),
    ...run.register(context, { runs, runScenario, settings }),
    ...debug.register(context, { output, runs, runScenario }),
    ...results.register(context, { runs, events }),
    ...trace.register(context, traces),
    ...history.register(context, { history: runHistory, openRun, settings: live }),
    ...compare.register(context, { history: runHistory, openRun, shown }),
    ...testing.register(context, tests),
  );
  return {
    runs, receiver, checks, openTrace, panel: () => results.ResultsPanel.active, traceViews: () => trace.TraceView.all, decorations,
    outputText: () => output.text(), globalStorage: context.globalStorageUri,
    exportReport: (report, format, target) => results.exportReport(report, format, settings(), target),
    history: runHistory, historyView, compareViews: () => compare.CompareView.all, testing: tests,
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
