// Activation only wires the parts together; each part owns its registrations.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { chooseOtlpDestination } from '../shared/otel-endpoint.ts';
import { assertNever, type RunOverrides, type RunRequest } from '../shared/protocol.ts';
import { durationProblem } from '../shared/settings.ts';
import * as codeLens from './codelens.ts';
import * as diagnostics from './diagnostics.ts';
import { ScenarioChecks } from './diagnostics.ts';
import * as newScenario from './new-scenario.ts';
import { ResultsPanel, ResultsPanelSerializer, VIEW_TYPE, type PanelEvents } from './results-panel.ts';
import { RunController, type RunOutcome } from './run-controller.ts';
import { onSettingsChanged, readSettings } from './settings.ts';
import { StatusBar } from './status-bar.ts';
import { EmbeddedReceiver } from './embedded-receiver.ts';

/** What `activate` returns: used by the integration tests to observe real runs. */
export interface LoadlensApi {
  runs: RunController;
  receiver: EmbeddedReceiver;
  checks: ScenarioChecks;
  panel(): ResultsPanel | undefined;
}

export function activate(context: vscode.ExtensionContext): LoadlensApi {
  const output = vscode.window.createOutputChannel('Loadlens');
  const initial = readSettings();
  let settings = initial.settings;
  const reportProblems = (list: typeof initial.problems) => {
    for (const p of list) output.appendLine(`[settings] ${p.message}`);
    if (list.length > 0) void vscode.window.showWarningMessage(`Loadlens: ${list[0]!.message}`);
  };
  reportProblems(initial.problems);

  const enginePath = path.join(context.extensionPath, 'dist', 'engine.js');
  const runs = new RunController(enginePath, output, () => settings);
  const checks = new ScenarioChecks({ enginePath, nodePath: () => settings.run.nodePath, output });
  const statusBar = new StatusBar();
  const events: PanelEvents = {
    stopRun: () => runs.stop(),
    openTrace: traceId => {
      void vscode.env.clipboard.writeText(traceId);
      void vscode.window.showInformationMessage(`Trace id ${traceId} copied to the clipboard.`);
    },
  };

  const receiver = new EmbeddedReceiver(
    output,
    () => ({ port: settings.otel.receiverPort, budgetBytes: Math.round(settings.otel.receiverBudgetMB * 1024 * 1024) }),
    path.join(context.extensionPath, 'dist', 'receiver-worker.js'),
  );
  /**
   * Where the engine exports (see chooseOtlpDestination): the OTLP variables of the editor's
   * environment, the setting, else the embedded receiver, whose URL is returned to show in the panel.
   */
  const otlpEnvironment = async (): Promise<{ environment: Record<string, string>; receiverUrl?: string }> => {
    const destination = chooseOtlpDestination(process.env, settings.otel.endpoint);
    switch (destination.source) {
      case 'environment':
        return { environment: {} };
      case 'setting':
        return { environment: { OTEL_EXPORTER_OTLP_ENDPOINT: destination.endpoint } };
      case 'embedded': {
        const receiverUrl = await receiver.endpoint();
        return { environment: { OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl }, receiverUrl };
      }
      default:
        return assertNever(destination);
    }
  };

  const runScenario = async (otel: boolean, target?: [vscode.Uri, string], overrides: RunOverrides = {}): Promise<RunOutcome | undefined> => {
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
    // The panel opens when the run starts: a scenario that cannot start shows its Problems instead.
    // An open panel hears `started` first (from the listener below): tell it this run's receiver now.
    ResultsPanel.active?.setOtlpReceiver(receiverUrl);
    const opening = runs.onMessage(message => {
      if (message.kind !== 'started') return;
      opening.dispose();
      const existing = ResultsPanel.active;
      const panel = ResultsPanel.createOrShow(context.extensionUri, events);
      panel.setOtlpReceiver(receiverUrl);
      if (!existing) panel.showEngineMessage(message); // an existing panel got it from the listener below
    });
    const outcome = await runs.run(request, environment).finally(() => opening.dispose());
    if (outcome.invalid && outcome.invalid.diagnostics.length > 0) {
      checks.showRunProblems(file, outcome.invalid.diagnostics);
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      const count = outcome.invalid.diagnostics.length + outcome.invalid.problems.length;
      void vscode.window.showErrorMessage(`Loadlens: '${path.basename(file.fsPath)}' has ${count} problem(s); the run did not start. See the Problems panel.`);
    } else if (outcome.problem) {
      const panel = ResultsPanel.createOrShow(context.extensionUri, events);
      panel.setOtlpReceiver(receiverUrl);
      panel.showEngineError(outcome.problem);
      void vscode.window.showErrorMessage(`Loadlens: ${outcome.problem.split('\n')[0]}`, 'Show Output').then(choice => choice && output.show());
    }
    return outcome;
  };

  const askOverrides = async (): Promise<RunOverrides | undefined> => {
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
    return { users: Number(users), spawnRate: Number(spawnRate), runTime, ...(host ? { host } : {}) };
  };

  context.subscriptions.push(
    output,
    runs,
    receiver,
    statusBar,
    ...codeLens.register(),
    ...diagnostics.register(checks),
    ...newScenario.register(),
    onSettingsChanged(next => {
      settings = next.settings;
      reportProblems(next.problems);
    }),
    runs.onMessage(message => {
      statusBar.show(message);
      ResultsPanel.active?.showEngineMessage(message);
    }),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, new ResultsPanelSerializer(context.extensionUri, events)),
    // Each run command takes (file, scenario) from its CodeLens; a third argument, run options, serves
    // keybindings, tasks and tests.
    vscode.commands.registerCommand('loadlens.run-scenario', (uri?: vscode.Uri, scenario?: string, given?: RunOverrides) => runScenario(true, uri && scenario ? [uri, scenario] : undefined, given)),
    vscode.commands.registerCommand('loadlens.run-scenario-plain', (uri?: vscode.Uri, scenario?: string, given?: RunOverrides) => runScenario(false, uri && scenario ? [uri, scenario] : undefined, given)),
    vscode.commands.registerCommand('loadlens.run-with-options', async (uri?: vscode.Uri, scenario?: string, given?: RunOverrides) => {
      const overrides = given ?? (await askOverrides());
      return overrides ? runScenario(true, uri && scenario ? [uri, scenario] : undefined, overrides) : undefined;
    }),
    vscode.commands.registerCommand('loadlens.stop-run', () => runs.stop()),
    vscode.commands.registerCommand('loadlens.show-results', () => ResultsPanel.createOrShow(context.extensionUri, events)),
  );
  return { runs, receiver, checks, panel: () => ResultsPanel.active };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
