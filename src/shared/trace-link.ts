/**
 * Trace links: a URL template from the user's settings (a preset for Jaeger, Tempo, Honeycomb, ... or
 * their own) filled in for one trace. Shared by the terminal, the HTML report, the panel and the
 * extension, so a trace id opens the same page wherever it is shown.
 *
 * Two steps, so the expensive and fallible one runs once per setting change, not per click:
 *   const template = traceLinkTemplate(settings);        // throws TraceLinkSettingError, names the setting
 *   const url = buildTraceLink(template, { traceId, startMs, endMs, service, runId });
 */

/** Where a trace id opens: Loadlens's own trace view ('embedded'), the user's template, or a platform. */
export type TraceLinkPreset = 'embedded' | 'custom' | 'jaeger' | 'tempo' | 'honeycomb' | 'splunk' | 'datadog' | 'zipkin' | 'signoz' | 'elastic' | 'aspire';

/** Every preset, in the order the settings UI lists them. */
export const TRACE_LINK_PRESETS: readonly TraceLinkPreset[] = ['embedded', 'custom', 'jaeger', 'tempo', 'honeycomb', 'splunk', 'datadog', 'zipkin', 'signoz', 'elastic', 'aspire'];

/**
 * What a link can refer to. `startMs`/`endMs` bound the time range a platform searches (epoch ms): the
 * run's, padded, since a link is built from a run's failures or slowest requests. `service` is the load
 * generator's `service.name`, `runId` its `loadlens.run.id` resource attribute.
 */
export interface TraceLinkTarget {
  traceId: string;
  spanId?: string;
  startMs?: number;
  endMs?: number;
  service?: string;
  runId?: string;
}

/**
 * The `loadlens.otel.traceLink.*` settings. Each preset reads only the fields it needs (see
 * `traceLinkTemplate`); the others are ignored, so switching presets keeps what was typed for another.
 */
export interface TraceLinkSettings {
  preset: TraceLinkPreset;
  /** `custom`: the URL template, with placeholders. */
  template: string;
  /** The platform's UI root: Jaeger UI, Grafana, Zipkin, SigNoz, Kibana, the Aspire dashboard; Honeycomb's region. */
  baseUrl: string;
  /** `tempo`: the uid of the Tempo data source in Grafana. */
  grafanaDatasource: string;
  /** `honeycomb`: the team slug, the environment slug (empty: Honeycomb Classic) and the dataset (empty: the service name). */
  honeycombTeam: string;
  honeycombEnvironment: string;
  honeycombDataset: string;
  /** `splunk`: the realm, e.g. `us1`. */
  splunkRealm: string;
  /** `datadog`: the site, e.g. `datadoghq.com`, `datadoghq.eu`, `us5.datadoghq.com`. */
  datadogSite: string;
}

export const DEFAULT_TRACE_LINK_SETTINGS: Readonly<TraceLinkSettings> = Object.freeze({
  preset: 'embedded',
  template: '',
  baseUrl: '',
  grafanaDatasource: '',
  honeycombTeam: '',
  honeycombEnvironment: '',
  honeycombDataset: '',
  splunkRealm: '',
  datadogSite: 'datadoghq.com',
});

/**
 * The placeholders a template may contain; any other `{...}` is left as written. Besides the six of the
 * settings' documentation, a platform that wants seconds or ISO 8601 times gets them from the same range.
 */
export const TRACE_LINK_PLACEHOLDERS = ['{traceId}', '{spanId}', '{startMs}', '{endMs}', '{service}', '{runId}', '{startSec}', '{endSec}', '{startIso}', '{endIso}'] as const;

/**
 * A trace link setting that cannot make a URL. `setting` is the full setting name to fix
 * (`loadlens.otel.traceLink.baseUrl`), `key` its field (`baseUrl`, the CLI's option name), `problem`
 * what is wrong with it.
 */
export class TraceLinkSettingError extends Error {
  readonly setting: string;
  readonly key: string;
  readonly problem: string;
  constructor(setting: string, problem: string) {
    super(`${setting}: ${problem}`);
    this.name = 'TraceLinkSettingError';
    this.setting = setting;
    this.key = setting.slice(setting.lastIndexOf('.') + 1);
    this.problem = problem;
  }
}

/** The settings fields a CLI spec may set after the preset (`tempo:baseUrl=…,grafanaDatasource=…`). */
const SPEC_KEYS = Object.keys(DEFAULT_TRACE_LINK_SETTINGS).filter(key => key !== 'preset') as Array<Exclude<keyof TraceLinkSettings, 'preset'>>;

/**
 * The CLI's `--trace-link` value as settings. Either a URL template (anything that does not start with
 * a preset name), which is the `custom` preset, or `PRESET[:key=value[,key=value…]]` with the keys of
 * the `loadlens.otel.traceLink.*` settings, e.g.
 *   jaeger:baseUrl=http://localhost:16686
 *   tempo:baseUrl=http://localhost:3000,grafanaDatasource=tempo
 *   honeycomb:honeycombTeam=acme,honeycombEnvironment=test
 * Values cannot contain commas. Throws a TraceLinkSettingError (setting `--trace-link`) for an unknown key.
 */
export function parseTraceLinkSpec(spec: string): TraceLinkSettings {
  const match = /^([a-z]+)(?::(.*))?$/s.exec(spec.trim());
  const preset = match?.[1] as TraceLinkPreset | undefined;
  if (!match || !preset || !TRACE_LINK_PRESETS.includes(preset)) return { ...DEFAULT_TRACE_LINK_SETTINGS, preset: 'custom', template: spec.trim() };
  const settings: TraceLinkSettings = { ...DEFAULT_TRACE_LINK_SETTINGS, preset };
  for (const option of (match[2] ?? '').split(',').filter(o => o.trim() !== '')) {
    const equals = option.indexOf('=');
    const key = (equals < 0 ? option : option.slice(0, equals)).trim();
    if (equals < 0 || !SPEC_KEYS.includes(key as (typeof SPEC_KEYS)[number])) {
      throw new TraceLinkSettingError('--trace-link', `'${option}' is not key=value with a key among ${SPEC_KEYS.join(', ')} (e.g. ${preset}:baseUrl=http://localhost:16686)`);
    }
    settings[key as (typeof SPEC_KEYS)[number]] = option.slice(equals + 1).trim();
  }
  return settings;
}

const SETTING = 'loadlens.otel.traceLink';

/**
 * The URL template for these settings, or undefined for 'embedded' (Loadlens's own trace view).
 * Throws a TraceLinkSettingError naming the setting when the preset lacks what it needs or the result
 * would not be an http(s) URL.
 */
export function traceLinkTemplate(settings: TraceLinkSettings): string | undefined {
  switch (settings.preset) {
    case 'embedded':
      return undefined;
    case 'custom': {
      const template = settings.template.trim();
      if (template === '') throw new TraceLinkSettingError(`${SETTING}.template`, "is empty; the 'custom' preset needs a URL template such as http://localhost:16686/trace/{traceId}");
      if (!template.includes('{traceId}')) throw new TraceLinkSettingError(`${SETTING}.template`, `must contain {traceId} (got ${JSON.stringify(template)})`);
      if (!isWebUrl(template)) throw new TraceLinkSettingError(`${SETTING}.template`, `must be an http:// or https:// URL (got ${JSON.stringify(template)})`);
      return template;
    }
    // Jaeger UI: the trace page is the route /trace/:id.
    // https://www.jaegertracing.io/docs/latest/frontend-ui/ (trace detail view) and jaeger-ui's
    // packages/jaeger-ui/src/components/TracePage/url.tsx (`/trace/${traceID}`).
    case 'jaeger':
      return `${baseUrl(settings, 'your Jaeger UI, e.g. http://localhost:16686')}/trace/{traceId}`;
    // Grafana Explore with the Tempo data source and a TraceQL query of the trace id. The `panes` value
    // is JSON that must be URL-encoded as a whole; `range` takes epoch milliseconds as strings.
    // https://grafana.com/docs/grafana/latest/explore/get-started-with-explore/#generate-explore-urls-from-external-tools
    case 'tempo': {
      const grafana = baseUrl(settings, 'your Grafana, e.g. http://localhost:3000');
      const datasource = required(settings.grafanaDatasource, 'grafanaDatasource', "the uid of your Tempo data source (Grafana: Connections › Data sources › Tempo, the last part of its URL)");
      const panes = {
        loadlens: {
          datasource,
          queries: [{ refId: 'A', datasource: { type: 'tempo', uid: datasource }, queryType: 'traceql', query: slot('traceId') }],
          range: { from: slot('startMs'), to: slot('endMs') },
        },
      };
      return `${grafana}/explore?schemaVersion=1&panes=${encodeWithSlots(JSON.stringify(panes))}`;
    }
    // Honeycomb's direct trace link; times are Unix seconds; Classic datasets have no environment.
    // https://docs.honeycomb.io/investigate/collaborate/share-trace/
    case 'honeycomb': {
      const ui = settings.baseUrl.trim() === '' ? 'https://ui.honeycomb.io' : baseUrl(settings, '');
      const team = required(settings.honeycombTeam, 'honeycombTeam', 'your team slug, the first part of the path in your Honeycomb URLs');
      const environment = settings.honeycombEnvironment.trim();
      // With OpenTelemetry, Honeycomb names a service's dataset after its service.name.
      const dataset = settings.honeycombDataset.trim() === '' ? slot('service') : encodeURIComponent(settings.honeycombDataset.trim());
      const where = environment === '' ? '' : `/environments/${encodeURIComponent(environment)}`;
      return encodeWithSlots(`${ui}/${encodeURIComponent(team)}${where}/datasets/${dataset}/trace?trace_id=${slot('traceId')}&trace_start_ts=${slot('startSec')}&trace_end_ts=${slot('endSec')}`, false);
    }
    // Splunk Observability Cloud APM trace view: https://app.<realm>.signalfx.com/#/apm/traces/<traceId>.
    // https://help.splunk.com/splunk-observability-cloud/monitor-application-performance/manage-services-spans-and-traces-in-splunk-apm
    case 'splunk': {
      const realm = required(settings.splunkRealm, 'splunkRealm', 'your realm, e.g. us1 (Settings › your profile › Realm)');
      if (!/^[a-z0-9-]+$/i.test(realm)) throw new TraceLinkSettingError(`${SETTING}.splunkRealm`, `must be a realm name such as us1 or eu0 (got ${JSON.stringify(realm)})`);
      return `https://app.${realm.toLowerCase()}.signalfx.com/#/apm/traces/{traceId}`;
    }
    // Datadog's trace view, /apm/trace/<traceId>, on the site's web host: app.<site> for the two-label
    // sites (datadoghq.com, datadoghq.eu, ddog-gov.com), the site itself for us3/us5/ap1/ap2.datadoghq.com.
    // https://docs.datadoghq.com/tracing/trace_explorer/trace_view/ and https://docs.datadoghq.com/getting_started/site/
    case 'datadog': {
      const site = required(settings.datadogSite, 'datadogSite', 'your Datadog site, e.g. datadoghq.com or datadoghq.eu');
      if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(site)) throw new TraceLinkSettingError(`${SETTING}.datadogSite`, `must be a site such as datadoghq.com, datadoghq.eu or us5.datadoghq.com (got ${JSON.stringify(site)})`);
      const host = site.split('.').length === 2 ? `app.${site}` : site;
      return `https://${host.toLowerCase()}/apm/trace/{traceId}`;
    }
    // Zipkin Lens: the trace page is /zipkin/traces/:traceId.
    // https://zipkin.io/pages/quickstart.html and openzipkin/zipkin zipkin-lens/src/components/App/App.tsx
    case 'zipkin':
      return `${baseUrl(settings, 'your Zipkin, e.g. http://localhost:9411')}/zipkin/traces/{traceId}`;
    // SigNoz: the trace details page is /trace/:traceId.
    // https://signoz.io/docs/userguide/traces/ and SigNoz frontend/src/constants/routes.ts (TRACE_DETAIL)
    case 'signoz':
      return `${baseUrl(settings, 'your SigNoz, e.g. http://localhost:8080')}/trace/{traceId}`;
    // Kibana's APM app resolves a trace id to its root transaction at /app/apm/link-to/trace/:traceId,
    // with rangeFrom/rangeTo (ISO 8601) bounding the search. A Kibana space goes in the base URL (…/s/space).
    // https://www.elastic.co/guide/en/kibana/current/apm-ui.html and elastic/kibana's getTraceUrl (apm plugin)
    case 'elastic':
      return `${baseUrl(settings, 'your Kibana, e.g. http://localhost:5601')}/app/apm/link-to/trace/{traceId}?rangeFrom={startIso}&rangeTo={endIso}`;
    // .NET Aspire dashboard: the trace detail page is /traces/detail/:traceId.
    // https://learn.microsoft.com/dotnet/aspire/fundamentals/dashboard/explore#trace-details and
    // dotnet/aspire src/Aspire.Dashboard/Utils/DashboardUrls.cs (TraceDetailUrl)
    case 'aspire':
      return `${baseUrl(settings, 'your Aspire dashboard, e.g. http://localhost:18888')}/traces/detail/{traceId}`;
    default: {
      const unknown: never = settings.preset;
      throw new TraceLinkSettingError(`${SETTING}.preset`, `unknown preset ${JSON.stringify(unknown)}; one of ${TRACE_LINK_PRESETS.join(', ')}`);
    }
  }
}

/** Every problem of these settings (empty when a URL can be made), for the settings reader to report. */
export function traceLinkProblems(settings: TraceLinkSettings): TraceLinkSettingError[] {
  try {
    traceLinkTemplate(settings);
    return [];
  } catch (error) {
    if (error instanceof TraceLinkSettingError) return [error];
    throw error;
  }
}

/**
 * Fill `template`'s placeholders for `target`, e.g.
 * `buildTraceLink('http://127.0.0.1:16686/trace/{traceId}', { traceId })`.
 *
 * Values are URI-component encoded (ids are hex and times are numbers, so this only matters for
 * malformed input, which then cannot break out of the URL's path or query). A placeholder whose value
 * is missing becomes empty; times are rounded to whole milliseconds (seconds: floored start, ceiled end,
 * so the range still contains the run). Every occurrence is replaced.
 */
export function buildTraceLink(template: string, target: TraceLinkTarget): string {
  const { startMs, endMs } = target;
  const values: Record<string, string> = {
    traceId: target.traceId,
    spanId: target.spanId ?? '',
    startMs: startMs === undefined ? '' : String(Math.round(startMs)),
    endMs: endMs === undefined ? '' : String(Math.round(endMs)),
    service: target.service ?? '',
    runId: target.runId ?? '',
    startSec: startMs === undefined ? '' : String(Math.floor(startMs / 1000)),
    endSec: endMs === undefined ? '' : String(Math.ceil(endMs / 1000)),
    startIso: startMs === undefined || !Number.isFinite(startMs) ? '' : new Date(Math.round(startMs)).toISOString(),
    endIso: endMs === undefined || !Number.isFinite(endMs) ? '' : new Date(Math.round(endMs)).toISOString(),
  };
  return template.replace(/\{(traceId|spanId|startMs|endMs|service|runId|startSec|endSec|startIso|endIso)\}/g, (_match, key: string) => encodeURIComponent(values[key] ?? ''));
}

/** Padding around the run in trace links' time ranges: exporters batch and clocks drift a little. */
export const TRACE_WINDOW_PADDING_MS = 60_000;

/**
 * The time range a trace link searches for a run: its start minus a minute to its end plus a minute;
 * while it runs (`endedAt` undefined), to `now` plus a minute. Empty when the start is unknown.
 */
export function runTimeRange(startedAt: number, endedAt: number | undefined, now: number): Pick<TraceLinkTarget, 'startMs' | 'endMs'> {
  const end = endedAt ?? now;
  if (!Number.isFinite(startedAt) || !Number.isFinite(end)) return {};
  return { startMs: startedAt - TRACE_WINDOW_PADDING_MS, endMs: end + TRACE_WINDOW_PADDING_MS };
}

/**
 * `url` when a browser would open it as an http(s) page, else undefined. Parsed the way a browser
 * parses an href (the WHATWG URL parser strips leading control characters and spaces and removes
 * tabs and newlines anywhere), so `java\tscript:` or `\u0000javascript:` cannot pass for a web link.
 */
export function safeWebUrl(url: string): string | undefined {
  return isWebUrl(url) ? url : undefined;
}

function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    if (protocol !== 'http:' && protocol !== 'https:') return false;
  } catch {
    return false;
  }
  // Belt and braces: the scheme as written, with every control character and space taken out.
  return /^https?:/i.test(url.replace(/[\u0000-\u0020\u007f-\u009f]/g, ''));
}

/** The base URL setting without trailing slashes; an error naming the setting when empty or not http(s). */
function baseUrl(settings: TraceLinkSettings, example: string): string {
  const value = settings.baseUrl.trim().replace(/\/+$/, '');
  if (value === '') throw new TraceLinkSettingError(`${SETTING}.baseUrl`, `is empty; the '${settings.preset}' preset needs ${example}`);
  if (!isWebUrl(value)) throw new TraceLinkSettingError(`${SETTING}.baseUrl`, `must be an http:// or https:// URL (got ${JSON.stringify(settings.baseUrl)})`);
  if (/[?#]/.test(value)) throw new TraceLinkSettingError(`${SETTING}.baseUrl`, `must be the UI's root URL, without ? or # (got ${JSON.stringify(settings.baseUrl)})`);
  return value;
}

function required(value: string, key: string, what: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new TraceLinkSettingError(`${SETTING}.${key}`, `is empty; the preset needs ${what}`);
  return trimmed;
}

// A placeholder that survives JSON and URL encoding: inserted as \ue000name\ue000 (a private-use
// character that JSON.stringify leaves alone and no setting value holds), encoded with the rest, then
// turned back into {name}. A user value containing "{traceId}" is encoded as text and never becomes a
// placeholder.
const SLOT = '\ue000';
function slot(name: string): string {
  return `${SLOT}${name}${SLOT}`;
}

function encodeWithSlots(text: string, encode = true): string {
  const encoded = encode ? encodeURIComponent(text) : text;
  return encoded.replace(encode ? /%EE%80%80(\w+)%EE%80%80/g : /\ue000(\w+)\ue000/g, '{$1}');
}
