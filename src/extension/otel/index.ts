// OpenTelemetry in the editor: the OTLP header secrets and the connection test; the embedded receiver
// (the default platform, started on the first run that needs it) and the engine's OTEL_* variables.
import * as vscode from 'vscode';
import type { LoadlensSettings } from '../../shared/settings.ts';
import type { EmbeddedReceiver } from './embedded-receiver.ts';
import * as otelCommands from './otel-commands.ts';

export { EmbeddedReceiver } from './embedded-receiver.ts';
export { otlpEnvironment } from './otlp-environment.ts';

export interface OtelDeps {
  output: vscode.OutputChannel;
  settings(): LoadlensSettings;
  receiver: EmbeddedReceiver;
}

export function register(context: vscode.ExtensionContext, deps: OtelDeps): vscode.Disposable[] {
  return [
    ...otelCommands.register({ secrets: context.secrets, output: deps.output, settings: deps.settings, embeddedEndpoint: () => deps.receiver.endpoint() }),
  ];
}
