/**
 * Where a run's spans and metrics go, in order of precedence: the OTLP endpoint variables of the
 * run's environment (the engine reads them itself), the `loadlens.otel.endpoint` setting, else
 * Loadlens's embedded receiver. Pure, so the precedence is tested without an editor.
 */

export type OtlpDestination =
  /** The run's environment names the endpoint(s): the engine needs nothing more, and no receiver starts. */
  | { source: 'environment'; variable: string; endpoint: string }
  /** `loadlens.otel.endpoint`. */
  | { source: 'setting'; endpoint: string }
  /** Nothing configured: the embedded receiver. */
  | { source: 'embedded' };

/**
 * `environment` is what the engine is started with (the editor's variables). A per-signal endpoint
 * wins over the general one inside the engine, so the environment decides alone only when the
 * general variable is set, or both signals' variables are.
 */
export function chooseOtlpDestination(environment: Readonly<Record<string, string | undefined>>, settingEndpoint: string): OtlpDestination {
  const set = (name: string) => (environment[name] ?? '').trim() !== '';
  if (set('OTEL_EXPORTER_OTLP_ENDPOINT')) return { source: 'environment', variable: 'OTEL_EXPORTER_OTLP_ENDPOINT', endpoint: environment.OTEL_EXPORTER_OTLP_ENDPOINT!.trim() };
  if (set('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') && set('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT')) {
    return { source: 'environment', variable: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', endpoint: environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT!.trim() };
  }
  if (settingEndpoint !== '') return { source: 'setting', endpoint: settingEndpoint };
  return { source: 'embedded' };
}
