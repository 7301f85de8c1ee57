/**
 * Where a run's telemetry goes, and the engine child's OTEL_* environment that sends it there. Pure:
 * the extension passes its settings, the environment it inherited and the stored headers.
 *
 * Precedence, per value: a setting the user set wins over the editor's inherited OTEL_* variable,
 * which wins over the default. For the destination of each signal:
 *   loadlens.otel.tracesEndpoint | metricsEndpoint   (full URL, as the specification's per-signal variables)
 *   loadlens.otel.endpoint                            (base URL, signal path appended)
 *   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT | _METRICS_   (inherited)
 *   OTEL_EXPORTER_OTLP_ENDPOINT                       (inherited)
 *   Loadlens's embedded receiver                      (nothing configured)
 * The engine gets each signal's full URL in its per-signal variable, so it cannot decide otherwise.
 *
 * Headers stored with "Loadlens: Set OTLP Headers…" replace inherited OTEL_EXPORTER_OTLP_*HEADERS
 * and go only to a configured endpoint, never to the embedded receiver. They are secrets: the summary
 * names the headers, never their values.
 */
import { parseOtlpHeaders } from './otlp-headers.ts';
import type { OtelSettings } from './settings.ts';

type Env = Readonly<Record<string, string | undefined>>;
export type Signal = 'traces' | 'metrics';

/** Who decided where a signal goes. */
export type Destination =
  | { source: 'setting'; name: string; url: string }
  | { source: 'environment'; name: string; url: string }
  | { source: 'embedded' };

const VARIABLE: Record<Signal, string> = { traces: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', metrics: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT' };
const SETTING: Record<Signal, 'tracesEndpoint' | 'metricsEndpoint'> = { traces: 'tracesEndpoint', metrics: 'metricsEndpoint' };

/** `base` with the signal's path: 'http://host:4318' → 'http://host:4318/v1/traces' (as the specification appends it). */
export function signalUrl(base: string, signal: Signal): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

/** Where one signal goes, and who said so. */
export function destinationOf(signal: Signal, otel: Pick<OtelSettings, 'endpoint' | 'tracesEndpoint' | 'metricsEndpoint'>, inherited: Env): Destination {
  const specific = otel[SETTING[signal]];
  if (specific) return { source: 'setting', name: `loadlens.otel.${SETTING[signal]}`, url: specific };
  if (otel.endpoint) return { source: 'setting', name: 'loadlens.otel.endpoint', url: signalUrl(otel.endpoint, signal) };
  const specificVariable = inherited[VARIABLE[signal]]?.trim();
  if (specificVariable) return { source: 'environment', name: VARIABLE[signal], url: specificVariable };
  const general = inherited.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (general) return { source: 'environment', name: 'OTEL_EXPORTER_OTLP_ENDPOINT', url: signalUrl(general, signal) };
  return { source: 'embedded' };
}

export interface OtelPlanInput {
  otel: OtelSettings;
  /** Settings the user set ('otel.serviceName', ...): only these win over `inherited`. */
  userSet: ReadonlySet<string>;
  /** The editor's own environment, which the engine child would otherwise inherit. */
  inherited: Env;
  /** The OTEL_EXPORTER_OTLP_HEADERS value stored in SecretStorage, if any. */
  storedHeaders?: string;
  /** Base URL of the embedded receiver, when a signal goes there (see {@link needsEmbeddedReceiver}). */
  embeddedEndpoint?: string;
}

export interface OtelPlan {
  /** Variables to set in the engine child's environment ('' unsets an inherited one: the engine reads '' as unset). */
  environment: Record<string, string>;
  /** One line a fact, for the output channel: where each signal goes and which source decided it. No header value. */
  summary: string[];
}

/** Metrics are off: by the setting when the user set it, else by an inherited OTEL_METRICS_EXPORTER=none. */
function metricsOff(otel: OtelSettings, userSet: ReadonlySet<string> | undefined, inherited: Env): 'setting' | 'environment' | undefined {
  if (userSet === undefined ? !otel.metrics : userSet.has('otel.metrics')) return otel.metrics ? undefined : 'setting';
  return /^\s*none\s*$/i.test(inherited.OTEL_METRICS_EXPORTER ?? '') ? 'environment' : undefined;
}

/** Whether a run with these settings exports anything to Loadlens's own receiver (so it must be started first). */
export function needsEmbeddedReceiver(otel: OtelSettings, inherited: Env, userSet?: ReadonlySet<string>): boolean {
  return destinationOf('traces', otel, inherited).source === 'embedded'
    || (metricsOff(otel, userSet, inherited) === undefined && destinationOf('metrics', otel, inherited).source === 'embedded');
}

/** `url` without the user and password it may carry (https://user:token@host): fit for a message. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '***';
    parsed.password = '';
    return parsed.href;
  } catch {
    return url;
  }
}

/** The engine child's OTEL_* variables for a run with OTel, and what to tell the user about them. */
export function planOtelExport(input: OtelPlanInput): OtelPlan {
  const { otel, userSet, inherited } = input;
  const environment: Record<string, string> = {};
  const summary: string[] = [];
  const set = (key: string) => userSet.has(`otel.${key}`);

  const describe = (destination: Destination, url: string) =>
    destination.source === 'embedded' ? `${url} (Loadlens's embedded receiver: no endpoint is set)` : `${displayUrl(url)} (${destination.source} ${destination.name})`;
  const configured: string[] = [];
  const metricsOffBy = metricsOff(otel, userSet, inherited);
  for (const signal of ['traces', 'metrics'] as const) {
    const destination = destinationOf(signal, otel, inherited);
    if (signal === 'metrics' && metricsOffBy) {
      summary.push(metricsOffBy === 'setting' ? 'metrics → not exported (setting loadlens.otel.metrics)' : 'metrics → not exported (environment OTEL_METRICS_EXPORTER=none)');
      continue;
    }
    let url: string;
    if (destination.source === 'embedded') {
      if (!input.embeddedEndpoint) throw new Error(`unreachable: ${signal} go to the embedded receiver, which was not started`);
      url = signalUrl(input.embeddedEndpoint, signal);
    } else {
      url = destination.url;
      configured.push(signal);
    }
    environment[VARIABLE[signal]] = url;
    summary.push(`${signal === 'traces' ? 'spans' : 'metrics'} → ${describe(destination, url)}`);
  }
  if (set('metrics')) environment.OTEL_METRICS_EXPORTER = otel.metrics ? 'otlp' : 'none';

  if (set('protocol')) {
    environment.OTEL_EXPORTER_OTLP_PROTOCOL = otel.protocol;
    environment.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL = '';
    environment.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL = '';
  }
  if (set('sampler')) {
    environment.OTEL_TRACES_SAMPLER = 'parentbased_traceidratio';
    environment.OTEL_TRACES_SAMPLER_ARG = String(otel.sampler);
    summary.push(`sampler: ratio ${otel.sampler} (setting loadlens.otel.sampler)`);
  } else if (inherited.OTEL_TRACES_SAMPLER) {
    summary.push(`sampler: ${inherited.OTEL_TRACES_SAMPLER}${inherited.OTEL_TRACES_SAMPLER_ARG ? ` ${inherited.OTEL_TRACES_SAMPLER_ARG}` : ''} (environment OTEL_TRACES_SAMPLER)`);
  }
  if (set('serviceName')) environment.OTEL_SERVICE_NAME = otel.serviceName;
  const serviceSource = set('serviceName') ? 'setting loadlens.otel.serviceName'
    : inherited.OTEL_SERVICE_NAME ? 'environment OTEL_SERVICE_NAME' : 'default';
  summary.push(`service.name: ${set('serviceName') ? otel.serviceName : inherited.OTEL_SERVICE_NAME || otel.serviceName} (${serviceSource})`);
  if (set('resourceAttributes')) {
    // Per key: the setting's attributes win, inherited ones it does not name stay.
    const merged = { ...decodeAttributes(inherited.OTEL_RESOURCE_ATTRIBUTES ?? ''), ...otel.resourceAttributes };
    environment.OTEL_RESOURCE_ATTRIBUTES = Object.entries(merged).map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join(',');
    summary.push(`resource attributes: ${Object.keys(otel.resourceAttributes).join(', ')} (setting loadlens.otel.resourceAttributes)`);
  }

  // Secrets: stored headers replace inherited ones, and only travel to a configured endpoint.
  const stored = input.storedHeaders ? Object.keys(parseOtlpHeaders(input.storedHeaders, 'stored OTLP headers').headers) : [];
  if (stored.length > 0) {
    for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS']) environment[name] = '';
    if (configured.length > 0) {
      if (configured.length === 2) environment.OTEL_EXPORTER_OTLP_HEADERS = input.storedHeaders!;
      else environment[`OTEL_EXPORTER_OTLP_${configured[0]!.toUpperCase()}_HEADERS`] = input.storedHeaders!;
      summary.push(`headers: ${stored.join(', ')} (stored with "Loadlens: Set OTLP Headers…"; values not shown) on ${configured.join(' and ')}`);
    } else {
      summary.push(`headers: ${stored.join(', ')} are stored but not sent: the embedded receiver needs none`);
    }
  } else {
    const inheritedNames = ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS'].filter(name => inherited[name]);
    if (inheritedNames.length > 0) summary.push(`headers: from environment ${inheritedNames.join(', ')} (values not shown)`);
  }
  return { environment, summary };
}

function decodeAttributes(raw: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const entry of raw.split(',')) {
    const equals = entry.indexOf('=');
    if (equals <= 0) continue;
    try {
      attributes[entry.slice(0, equals).trim()] = decodeURIComponent(entry.slice(equals + 1).trim());
    } catch {
      // The engine reports an undecodable inherited value itself, naming the variable.
      attributes[entry.slice(0, equals).trim()] = entry.slice(equals + 1).trim();
    }
  }
  return attributes;
}
