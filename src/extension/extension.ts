// Activation only wires the parts together; each part owns its registrations.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunOverrides, RunRequest } from '../shared/protocol.ts';
import { durationProblem } from '../shared/settings.ts';
import { MAX_WORKERS, parseWorkers, workersProblem, type WorkersSetting } from '../shared/workers.ts';
import * as codeLens from './codelens.ts';
import * as diagnostics from './diagnostics.ts';
import { ScenarioChecks } from './diagnostics.ts';
import * as newScenario from './new-scenario.ts';
import { ResultsPanel, ResultsPanelSerializer, VIEW_TYPE, type PanelEvents } from './results-panel.ts';
import { RunController, type RunOutcome } from './run-controller.ts';
import { onSettingsChanged, readSettings } from './settings.ts';
import { StatusBar } from './status-bar.ts';
import { EmbeddedReceiver } from './embedded-receiver.ts';
import { needsEmbeddedReceiver, planOtelExport } from '../shared/otel-environment.ts';
import * as otelCommands from './otel-commands.ts';
import { RecordedOutputChannel } from './output.ts';
import { attachDebugger } from './debug-session.ts';
import * as scenarioDecorations from './scenario-decorations.ts';
import { TRACE_VIEW_TYPE, TraceView, TraceViewSerializer, type TraceViewDeps } from './trace-view.ts';
import { renderHtmlReport } from '../engine/outputs/report-html.ts';
import { reportExitCode, type RunReport } from '../shared/report.ts';
import { buildTraceLink, TraceLinkSettingError, traceLinkTemplate, type TraceLinkTarget } from '../shared/trace-link.ts';
import { formatRunSummary, formatWhen, type RunSummary } from '../shared/history.ts';
import { HISTORY_VIEW_ID, readReport, RunHistory, runFileOf, type HistoryNode } from './run-history.ts';
import { COMPARE_VIEW_TYPE, CompareView, CompareViewSerializer } from './compare-view.ts';

/** What `activate` returns: used by the integration tests to observe real runs. */
export interface LoadlensApi {
  runs: RunController;
  /** What a click on a trace id does (the panel's links; hovers and tests call it too). */
  openTrace(target: TraceLinkTarget): void;
  receiver: EmbeddedReceiver;
  checks: ScenarioChecks;
  panel(): ResultsPanel | undefined;
  /** Everything the "Loadlens" output channel was given (tests check that no secret reached it). */
  outputText(): string;
  /** This extension's global storage folder, inside the user data folder (where the user's settings.json is). */
  globalStorage: vscode.Uri;
  /** The open trace views (Loadlens's own, for the 'embedded' trace link preset). */
  traceViews(): TraceView[];
  /** The run's numbers on the scenario's lines (decorations, hovers, Problems). */
  decorations: scenarioDecorations.ScenarioDecorations;
  /** The panel's Export buttons; `target` skips the save dialog (tests). */
  exportReport(report: RunReport, format: 'html' | 'json', target?: vscode.Uri): Promise<vscode.Uri | undefined>;
  /** Saved runs (the Loadlens view's data) and the view itself. */
  history: RunHistory;
  historyView: vscode.TreeView<HistoryNode>;
  /** The open comparison tabs. */
  compareViews(): CompareView[];
}

/** Why nothing runs in Restricted Mode (an untrusted folder). */
export const UNTRUSTED_MESSAGE =
  'Loadlens: this folder is not trusted, so its scenarios do not run: running a scenario executes its code. ' +
  'Trust the folder (Manage Workspace Trust) to run or debug it.';

export function activate(context: vscode.ExtensionContext): LoadlensApi {
  const output = new RecordedOutputChannel('Loadlens');
  const initial = readSettings();
  let settings = initial.settings;
  const reportProblems = (list: typeof initial.problems) => {
    for (const p of list) output.appendLine(`[settings] ${p.message}`);
    if (list.length > 0) void vscode.window.showWarningMessage(`Loadlens: ${list[0]!.message}`);
  };
  reportProblems(initial.problems);

  ResultsPanel.restore(context.workspaceState);
  const history = new RunHistory(() => settings, output);
  const historyView = vscode.window.createTreeView(HISTORY_VIEW_ID, { treeDataProvider: history, showCollapseAll: true });
  /** The saved report the results panel shows (the run just finished, or one opened from the view). */
  let shownRunFile: string | undefined;
  const enginePath = path.join(context.extensionPath, 'dist', 'engine.js');
  const runs = new RunController(enginePath, output, () => settings);
  const checks = new ScenarioChecks({ enginePath, nodePath: () => settings.run.nodePath, output });
  const statusBar = new StatusBar();
  const decorations = new scenarioDecorations.ScenarioDecorations();
  const receiver = new EmbeddedReceiver(
    output,
    () => ({ port: settings.otel.receiverPort, budgetBytes: Math.round(settings.otel.receiverBudgetMB * 1024 * 1024), forward: settings.otel.forward }),
    path.join(context.extensionPath, 'dist', 'receiver-worker.js'),
  );
  const copy = (text: string): void => {
    void vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(`Loadlens: copied ${text}`, 3000);
  };
  const traceViewDeps: TraceViewDeps = {
    receiver,
    platform: () => {
      try {
        return traceLinkTemplate(settings.otel.traceLink) === undefined ? undefined : settings.otel.traceLink.preset;
      } catch {
        return undefined; // a broken platform setting: openTrace says what is wrong when it is clicked
      }
    },
    openTrace: target => openTrace(target),
    copy,
  };
  /**
   * Opens one trace: in the user's platform (a preset or their template) with the run's time range,
   * the load generator's service name and the run id filled in; else in Loadlens's own trace view.
   */
  const openTrace = (given: TraceLinkTarget): void => {
    // The engine's service.name: OTEL_SERVICE_NAME of the editor's environment wins, as in the engine.
    const target: TraceLinkTarget = { service: process.env.OTEL_SERVICE_NAME || settings.otel.serviceName, ...given };
    let template: string | undefined;
    try {
      template = traceLinkTemplate(settings.otel.traceLink);
    } catch (error) {
      if (!(error instanceof TraceLinkSettingError)) throw error;
      output.appendLine(`[trace link] ${error.message}`);
      void vscode.window.showErrorMessage(`Loadlens: ${error.message}`, 'Open Setting').then(choice => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', error.setting);
      });
      return;
    }
    if (template === undefined) {
      // Preset 'embedded' (the default): Loadlens's own trace view, from the embedded receiver.
      TraceView.show(context.extensionUri, target, traceViewDeps);
      return;
    }
    const url = buildTraceLink(template, target);
    output.appendLine(`[trace link] ${url}`);
    // Passed as the string itself: a vscode.Uri would decode and re-encode the query, which changes
    // encoded JSON such as Grafana's `panes`; the extension host parses a string but opens it verbatim.
    void vscode.env.openExternal(url as unknown as vscode.Uri);
  };
  const events: PanelEvents = {
    stopRun: () => runs.stop(),
    openTrace,
    copy,
    openLocation: location => {
      const position = new vscode.Position(Math.max(0, location.line - 1), Math.max(0, location.column - 1));
      void vscode.window.showTextDocument(vscode.Uri.file(location.file), { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(position, position) })
        .then(undefined, (error: unknown) => void vscode.window.showErrorMessage(`Loadlens: cannot open ${location.file}:${location.line}: ${(error as Error).message}`));
    },
    exportReport: (report, format) => void exportReport(report, format),
  };

  /**
   * Saves a run's report where the user says: the HTML page (trace ids linked as the settings say) or
   * the JSON report, the same files `loadlens run --report` writes.
   */
  const exportReport = async (report: RunReport, format: 'html' | 'json', target?: vscode.Uri): Promise<vscode.Uri | undefined> => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `${report.scenario}-${report.startedAt.replace(/[:.]/g, '-')}.${format}`;
    const uri = target ?? await vscode.window.showSaveDialog({
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
      filters: format === 'html' ? { 'HTML report': ['html'] } : { 'JSON report': ['json'] },
      title: `Export the ${format.toUpperCase()} report of ${report.scenario}`,
    });
    if (!uri) return undefined;
    let traceLink: string | undefined;
    try {
      traceLink = traceLinkTemplate(settings.otel.traceLink);
    } catch {
      traceLink = undefined; // a broken platform setting: the page shows trace ids as text
    }
    const content = format === 'html'
      ? renderHtmlReport(report, { ...(traceLink === undefined ? {} : { traceLink }), service: process.env.OTEL_SERVICE_NAME || settings.otel.serviceName })
      : `${JSON.stringify(report, null, 2)}\n`;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
    void vscode.window.setStatusBarMessage(`Loadlens: report saved to ${uri.fsPath}`, 5000);
    return uri;
  };

  /**
   * The engine's OTEL_* variables: settings the user set, over the editor's environment, over the
   * embedded receiver (whose URL is returned to show in the panel); the stored headers (a secret) only
   * in the child's environment. The output channel says where spans go and who decided it, naming
   * headers but never their values.
   */
  const otlpEnvironment = async (): Promise<{ environment: Record<string, string>; receiverUrl?: string }> => {
    const receiverUrl = needsEmbeddedReceiver(settings.otel, process.env, settings.userSet) ? await receiver.endpoint() : undefined;
    const storedHeaders = await otelCommands.storedOtlpHeaders(context.secrets);
    const plan = planOtelExport({
      otel: settings.otel, userSet: settings.userSet, inherited: process.env,
      ...(storedHeaders ? { storedHeaders } : {}), ...(receiverUrl ? { embeddedEndpoint: receiverUrl } : {}),
    });
    for (const line of plan.summary) output.appendLine(`[otel] ${line}`);
    return { environment: plan.environment, ...(receiverUrl ? { receiverUrl } : {}) };
  };

  /** `workers`: worker processes for this run (Options…); default the setting loadlens.run.workers. A debugged run has one. */
  const runScenario = async (otel: boolean, target?: [vscode.Uri, string], overrides: RunOverrides = {}, debug = false, workers: WorkersSetting = settings.run.workers): Promise<RunOutcome | undefined> => {
    if (!vscode.workspace.isTrusted) {
      output.appendLine(`[run] ${UNTRUSTED_MESSAGE}`);
      void vscode.window.showErrorMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then(choice => choice && vscode.commands.executeCommand('workbench.trust.manage'));
      return { exitCode: null, problem: UNTRUSTED_MESSAGE };
    }
    const file = target?.[0] ?? vscode.window.activeTextEditor?.document.uri;
    if (!file) {
      void vscode.window.showErrorMessage('Loadlens: open a *.load.ts file, then click Run above a scenario.');
      return undefined;
    }
    await vscode.workspace.textDocuments.find(d => d.uri.toString() === file.toString())?.save();
    const request: RunRequest = {
      file: file.fsPath,
      scenario: target?.[1],
      otel: otel && settings.otel.enabled,
      serviceName: settings.otel.serviceName,
      overrides,
      defaults: { users: settings.run.users, spawnRate: settings.run.spawnRate, runTime: settings.run.runTime, host: settings.run.host },
      // The debugger attaches to one engine process: a debugged run never forks workers.
      workers: debug ? 1 : workers,
    };
    let environment: Record<string, string> = {};
    let receiverUrl: string | undefined;
    try {
      if (request.otel) ({ environment, receiverUrl } = await otlpEnvironment());
    } catch (error) {
      const message = `Loadlens: could not start the OTLP receiver on port ${settings.otel.receiverPort} (loadlens.otel.receiverPort): ${(error as Error).message}`;
      output.appendLine(message);
      void vscode.window.showErrorMessage(message);
      return undefined;
    }
    const launch = debug
      ? {
          debug: {
            onInspector: (port: number) => {
              void attachDebugger(port, request.scenario ?? 'scenario', file, context.extensionPath, () => runs.stop()).then(session => {
                if (session) return;
                const message = 'Loadlens: the JavaScript debugger (ms-vscode.js-debug) did not start, so the engine was stopped.';
                output.appendLine(`[debug] ${message}`);
                void vscode.window.showErrorMessage(message);
                runs.abort();
              });
            },
          },
        }
      : {};
    // The panel opens when the run starts: a scenario that cannot start shows its Problems instead.
    // The run's messages reach the panel's record from the listener below, whether a panel is open or
    // not; a panel that opens gets the record when its page is ready.
    ResultsPanel.setOtlpReceiver(receiverUrl);
    const opening = runs.onMessage(message => {
      if (message.kind !== 'started') return;
      opening.dispose();
      ResultsPanel.createOrShow(context.extensionUri, events);
    });
    const outcome = await runs.run(request, environment, launch).finally(() => opening.dispose());
    // Saved before the command resolves, so whoever ran it (a test, a task) finds it in the history. A
    // debugged iteration is no measurement: not kept.
    if (outcome.report && !debug) shownRunFile = (await history.save(outcome.report)) ?? shownRunFile;
    if (outcome.invalid && outcome.invalid.diagnostics.length > 0) {
      checks.showRunProblems(file, outcome.invalid.diagnostics);
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      const count = outcome.invalid.diagnostics.length + outcome.invalid.problems.length;
      void vscode.window.showErrorMessage(`Loadlens: '${path.basename(file.fsPath)}' has ${count} problem(s); the run did not start. See the Problems panel.`);
    } else if (outcome.problem) {
      ResultsPanel.createOrShow(context.extensionUri, events);
      ResultsPanel.showEngineError(outcome.problem);
      void vscode.window.showErrorMessage(`Loadlens: ${outcome.problem.split('\n')[0]}`, 'Show Output').then(choice => choice && output.show());
    }
    return outcome;
  };

  const askOverrides = async (): Promise<{ overrides: RunOverrides; workers: WorkersSetting } | undefined> => {
    const ask = (prompt: string, value: string, check: (v: string) => string | undefined) =>
      vscode.window.showInputBox({ prompt, value, validateInput: check, ignoreFocusOut: true });
    const positive = (v: string) => (Number(v) > 0 ? undefined : 'A number greater than 0');
    const users = await ask('Virtual users', String(settings.run.users), v => (Number.isInteger(Number(v)) && Number(v) >= 1 ? undefined : 'A whole number ≥ 1'));
    if (users === undefined) return undefined;
    const spawnRate = await ask('Users started per second', String(settings.run.spawnRate), positive);
    if (spawnRate === undefined) return undefined;
    const runTime = await ask('Run time (e.g. 30s, 10m, 1h30m)', settings.run.runTime, v => (durationProblem(v) ? "A duration like '30s', '10m' or '1h30m'" : undefined));
    if (runTime === undefined) return undefined;
    const host = await ask('Host (empty: the scenario\'s own)', settings.run.host, v => (v === '' || /^https?:\/\/\S+$/.test(v) ? undefined : 'An http:// or https:// URL, or empty'));
    if (host === undefined) return undefined;
    const workers = await ask('Worker processes (a number, or auto: one per core)', String(settings.run.workers), v => (workersProblem(v) ? `A whole number from 1 to ${MAX_WORKERS}, or auto` : undefined));
    if (workers === undefined) return undefined;
    return { overrides: { users: Number(users), spawnRate: Number(spawnRate), runTime, ...(host ? { host } : {}) }, workers: parseWorkers(workers)! };
  };

  /** Shows a saved run in the results panel, as it looked when it finished. */
  const openRun = async (given?: unknown): Promise<ResultsPanel | undefined> => {
    const file = runFileOf(given) ?? (await pickRun(await history.runs(), 'Open which run?'))?.file;
    if (!file) return undefined;
    if (runs.running) {
      void vscode.window.showWarningMessage('Loadlens: a run is in progress in the results panel; open past runs when it ends.');
      return undefined;
    }
    let report;
    try {
      report = await readReport(file);
    } catch (error) {
      void vscode.window.showErrorMessage(`Loadlens: ${(error as Error).message}`);
      return undefined;
    }
    const panel = ResultsPanel.createOrShow(context.extensionUri, events);
    ResultsPanel.setOtlpReceiver(undefined);
    ResultsPanel.showReport(report, reportExitCode(report));
    shownRunFile = file;
    return panel;
  };

  /**
   * Opens the comparison of two saved runs. With both given, `base` is the base. Otherwise the missing
   * ones are asked for (the run the panel shows, if any, is the first), among the same scenario's runs,
   * and the older of the two is the base.
   */
  const compare = async (baseArg?: unknown, nextArg?: unknown): Promise<CompareView | undefined> => {
    let baseFile = runFileOf(baseArg);
    let nextFile = runFileOf(nextArg);
    if (!baseFile || !nextFile) {
      const all = await history.runs();
      const firstFile = baseFile ?? nextFile ?? shownRunFile;
      const first = all.find(r => r.file === firstFile) ?? (await pickRun(all, 'Compare which run?'));
      if (!first) return undefined;
      const others = all.filter(r => r.scenario === first.scenario && r.file !== first.file);
      if (others.length === 0) {
        void vscode.window.showInformationMessage(`Loadlens: '${first.scenario}' has no other saved run to compare with. Run it again, then compare.`);
        return undefined;
      }
      const second = await pickRun(others, `Compare the run of ${formatWhen(first.startedAt)} with…`);
      if (!second) return undefined;
      [baseFile, nextFile] = first.startedAt <= second.startedAt ? [first.file, second.file] : [second.file, first.file];
    }
    try {
      return await CompareView.show(context.extensionUri, baseFile, nextFile, file => void openRun(file));
    } catch (error) {
      void vscode.window.showErrorMessage(`Loadlens: cannot compare: ${(error as Error).message}`);
      return undefined;
    }
  };

  const lenses = codeLens.register({ otelEnabled: () => settings.otel.enabled });
  context.subscriptions.push(
    output,
    history,
    historyView,
    { dispose: () => CompareView.all.forEach(view => view.dispose()) },
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, new CompareViewSerializer(context.extensionUri, file => void openRun(file))),
    // A different folder or bound applies from the next run; the view lists the new folder at once.
    onSettingsChanged(() => history.refresh()),
    vscode.commands.registerCommand('loadlens.open-run', (given?: unknown) => openRun(given)),
    vscode.commands.registerCommand('loadlens.compare-runs', (base?: unknown, next?: unknown) => compare(base, next)),
    vscode.commands.registerCommand('loadlens.compare-with', (node?: unknown) => compare(node)),
    vscode.commands.registerCommand('loadlens.refresh-history', () => history.refresh()),
    runs,
    receiver,
    statusBar,
    ...lenses.disposables,
    ...otelCommands.register({ secrets: context.secrets, output, settings: () => settings, embeddedEndpoint: () => receiver.endpoint() }),
    ...scenarioDecorations.register(decorations, runs),
    ...diagnostics.register(checks),
    ...newScenario.register(),
    onSettingsChanged(next => {
      settings = next.settings;
      reportProblems(next.problems);
      lenses.refresh();
    }),
    runs.onMessage(message => {
      statusBar.show(message);
      ResultsPanel.showEngineMessage(message);
    }),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, new ResultsPanelSerializer(context.extensionUri, events)),
    vscode.window.registerWebviewPanelSerializer(TRACE_VIEW_TYPE, new TraceViewSerializer(context.extensionUri, traceViewDeps)),
    { dispose: () => TraceView.all.forEach(view => view.dispose()) },
    // Takes a TraceLinkTarget (hovers pass one through a command URI) or a bare trace id; with none, asks.
    vscode.commands.registerCommand('loadlens.open-trace', async (given?: TraceLinkTarget | string) => {
      const target = typeof given === 'string' ? { traceId: given } : given ?? (await askTraceId());
      if (!target) return;
      if (typeof target.traceId !== 'string' || !/^[0-9a-f]{32}$/i.test(target.traceId)) {
        void vscode.window.showErrorMessage(`Loadlens: Open Trace needs a trace id of 32 hexadecimal digits, got ${JSON.stringify(target.traceId)}`);
        return;
      }
      openTrace(target);
    }),
    // Each run command takes (file, scenario) from its CodeLens; a third argument, run options, serves
    // keybindings, tasks and tests.
    vscode.commands.registerCommand('loadlens.run-scenario', (uri?: vscode.Uri, scenario?: string, given?: RunOverrides) => runScenario(true, uri && scenario ? [uri, scenario] : undefined, given)),
    vscode.commands.registerCommand('loadlens.run-scenario-plain', (uri?: vscode.Uri, scenario?: string, given?: RunOverrides) => runScenario(false, uri && scenario ? [uri, scenario] : undefined, given)),
    vscode.commands.registerCommand('loadlens.run-with-options', async (uri?: vscode.Uri, scenario?: string, given?: RunOverrides) => {
      const asked = given ? { overrides: given, workers: settings.run.workers } : await askOverrides();
      return asked ? runScenario(true, uri && scenario ? [uri, scenario] : undefined, asked.overrides, false, asked.workers) : undefined;
    }),
    // One user, one iteration, the debugger attached; a third argument (tests) adds run options, e.g. the host.
    vscode.commands.registerCommand('loadlens.debug-scenario', (uri?: vscode.Uri, scenario?: string, given?: RunOverrides) =>
      runScenario(false, uri && scenario ? [uri, scenario] : undefined, { ...given, users: 1, spawnRate: 1, iterations: 1 }, true)),
    vscode.commands.registerCommand('loadlens.stop-run', () => runs.stop()),
    vscode.commands.registerCommand('loadlens.show-results', () => ResultsPanel.createOrShow(context.extensionUri, events)),
  );
  return {
    runs, receiver, checks, openTrace, panel: () => ResultsPanel.active, traceViews: () => TraceView.all, decorations,
    outputText: () => output.text(), globalStorage: context.globalStorageUri, exportReport,
    history, historyView, compareViews: () => CompareView.all,
  };
}

/** A quick pick of saved runs, newest first: when, and the view's summary line. */
async function pickRun(runs: RunSummary[], placeHolder: string): Promise<RunSummary | undefined> {
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('Loadlens: no saved run yet. Finished runs are kept in the workspace (loadlens.history.folder).');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map(run => ({ label: formatWhen(run.startedAt), description: `${run.scenario} · ${formatRunSummary(run)}`, detail: run.runId, run })),
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.run;
}

/** A trace id typed by the user (the command palette's "Open Trace"), validated as 32 hex digits. */
async function askTraceId(): Promise<TraceLinkTarget | undefined> {
  const traceId = await vscode.window.showInputBox({
    prompt: 'Trace id (32 hex digits)',
    validateInput: value => (/^[0-9a-f]{32}$/i.test(value.trim()) ? undefined : 'A W3C trace id: 32 hexadecimal digits'),
  });
  return traceId ? { traceId: traceId.trim().toLowerCase() } : undefined;
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
