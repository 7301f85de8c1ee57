// The engine's OTEL_* variables for one run with OTel.
import * as vscode from 'vscode';
import { needsEmbeddedReceiver, planOtelExport } from '../../shared/otel-environment.ts';
import type { LoadlensSettings } from '../../shared/settings.ts';
import type { EmbeddedReceiver } from './embedded-receiver.ts';
import { storedOtlpHeaders } from './otel-commands.ts';

export interface OtlpEnvironmentDeps {
  secrets: vscode.SecretStorage;
  output: vscode.OutputChannel;
  settings: LoadlensSettings;
  receiver: Pick<EmbeddedReceiver, 'endpoint'>;
}

/**
 * The engine's OTEL_* variables: settings the user set, over the editor's environment, over the
 * embedded receiver (whose URL is returned to show in the panel); the stored headers (a secret) only
 * in the child's environment. The output channel says where spans go and who decided it, naming
 * headers but never their values.
 */
export async function otlpEnvironment(deps: OtlpEnvironmentDeps): Promise<{ environment: Record<string, string>; receiverUrl?: string }> {
  const { settings, output } = deps;
  const receiverUrl = needsEmbeddedReceiver(settings.otel, process.env, settings.userSet) ? await deps.receiver.endpoint() : undefined;
  const storedHeaders = await storedOtlpHeaders(deps.secrets);
  const plan = planOtelExport({
    otel: settings.otel, userSet: settings.userSet, inherited: process.env,
    ...(storedHeaders ? { storedHeaders } : {}), ...(receiverUrl ? { embeddedEndpoint: receiverUrl } : {}),
  });
  for (const line of plan.summary) output.appendLine(`[otel] ${line}`);
  return { environment: plan.environment, ...(receiverUrl ? { receiverUrl } : {}) };
}
