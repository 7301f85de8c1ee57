// OTLP secrets and the connection test: "Set OTLP Headers…", "Clear OTLP Headers" (SecretStorage,
// never settings.json) and "Test OTel Connection" (one probe span, said plainly). Header values are
// never shown, logged or returned: only their names.
import * as vscode from 'vscode';
import { destinationOf, displayUrl, signalUrl } from '../../shared/otel-environment.ts';
import { parseOtlpHeaders } from '../../shared/otlp-headers.ts';
import { probeOtlpTraces, type ProbeResult } from './otlp-probe.ts';
import type { LoadlensSettings } from '../../shared/settings.ts';

/** The SecretStorage key of the stored OTEL_EXPORTER_OTLP_HEADERS value. */
export const OTLP_HEADERS_SECRET = 'loadlens.otlpHeaders';

export interface OtelCommandDeps {
  secrets: vscode.SecretStorage;
  output: vscode.OutputChannel;
  settings: () => LoadlensSettings;
  /** Base URL of the embedded receiver, started on demand (the destination when nothing is configured). */
  embeddedEndpoint: () => Promise<string>;
}

/** The stored OTEL_EXPORTER_OTLP_HEADERS value, or undefined. A secret: pass it to the engine's environment only. */
export async function storedOtlpHeaders(secrets: vscode.SecretStorage): Promise<string | undefined> {
  return (await secrets.get(OTLP_HEADERS_SECRET)) || undefined;
}

/** What "Set OTLP Headers…" stored: the header names (never the values). */
export interface StoredHeaders {
  names: string[];
}

export function register(deps: OtelCommandDeps): vscode.Disposable[] {
  const { secrets, output } = deps;

  /** `given` (tests, keybindings) skips the input box; it is checked the same way. */
  const setHeaders = async (given?: string): Promise<StoredHeaders | undefined> => {
    const problemOf = (text: string) => {
      const parsed = parseOtlpHeaders(text, 'headers');
      if (parsed.problems.length > 0) return parsed.problems[0];
      return Object.keys(parsed.headers).length === 0 ? 'Give at least one header, e.g. X-SF-TOKEN=your-token' : undefined;
    };
    const value = given ?? await vscode.window.showInputBox({
      title: 'Loadlens: OTLP headers',
      prompt: 'Headers sent with every OTLP export, as OTEL_EXPORTER_OTLP_HEADERS: key=value,key2=value2 (values percent-encoded). Kept in the editor\'s secret storage, never in settings.',
      placeHolder: 'X-SF-TOKEN=…  or  Authorization=Bearer%20…',
      password: true,
      ignoreFocusOut: true,
      validateInput: problemOf,
    });
    if (value === undefined) return undefined;
    const problem = problemOf(value);
    if (problem) {
      void vscode.window.showErrorMessage(`Loadlens: ${problem}`);
      return undefined;
    }
    await secrets.store(OTLP_HEADERS_SECRET, value.trim());
    const names = Object.keys(parseOtlpHeaders(value, 'headers').headers);
    output.appendLine(`[otel] OTLP headers stored in the editor's secret storage: ${names.join(', ')} (values not shown)`);
    void vscode.window.showInformationMessage(`Loadlens: OTLP headers stored (${names.join(', ')}). They are sent to the configured endpoint on each run with OTel.`);
    return { names };
  };

  const clearHeaders = async (): Promise<void> => {
    await secrets.delete(OTLP_HEADERS_SECRET);
    output.appendLine('[otel] OTLP headers cleared from the editor\'s secret storage');
    void vscode.window.showInformationMessage('Loadlens: OTLP headers cleared.');
  };

  const testConnection = async (): Promise<ProbeResult> => {
    const settings = deps.settings();
    const destination = destinationOf('traces', settings.otel, process.env);
    const url = destination.source === 'embedded' ? signalUrl(await deps.embeddedEndpoint(), 'traces') : destination.url;
    const stored = await storedOtlpHeaders(secrets);
    // The headers a run would send there: the stored ones go to configured endpoints only.
    const raw = destination.source === 'embedded' ? '' : stored ?? process.env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? process.env.OTEL_EXPORTER_OTLP_HEADERS ?? '';
    const { headers } = parseOtlpHeaders(raw, 'headers');
    const serviceName = settings.userSet.has('otel.serviceName') ? settings.otel.serviceName : process.env.OTEL_SERVICE_NAME || settings.otel.serviceName;
    const source = destination.source === 'embedded' ? "Loadlens's embedded receiver: no endpoint is set" : `${destination.source} ${destination.name}`;
    output.appendLine(`[otel] testing ${displayUrl(url)} (${source}) with ${Object.keys(headers).length > 0 ? `headers ${Object.keys(headers).join(', ')}` : 'no headers'}`);
    const result = await probeOtlpTraces({ url, headers, serviceName });
    output.appendLine(`[otel] ${result.message}${result.outcome === 'ok' ? ` Probe span trace id ${result.traceId}.` : ''}`);
    if (result.outcome === 'ok') void vscode.window.showInformationMessage(`Loadlens: ${result.message}`);
    else void vscode.window.showErrorMessage(`Loadlens: ${result.message}`, 'Show Output').then(choice => choice && output.show());
    return result;
  };

  return [
    vscode.commands.registerCommand('loadlens.set-otlp-headers', (given?: unknown) => setHeaders(typeof given === 'string' ? given : undefined)),
    vscode.commands.registerCommand('loadlens.clear-otlp-headers', clearHeaders),
    vscode.commands.registerCommand('loadlens.test-otel-connection', testConnection),
  ];
}
