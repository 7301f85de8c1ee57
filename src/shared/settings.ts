/**
 * The extension's settings as one frozen, typed object, validated in one place. Pure: the extension
 * passes the raw values it read from `loadlens.*`; tests pass plain objects.
 */
import { tryParseDuration } from './duration.ts';
import { HISTORY_DEFAULTS } from './history.ts';
import type { RunDefaults } from './run.ts';
import { RUN_DEFAULTS } from './run-defaults.ts';
import { parseWorkers, workersProblem, type WorkersSetting } from './workers.ts';
import { DEFAULT_TRACE_LINK_SETTINGS, TRACE_LINK_PRESETS, traceLinkProblems, type TraceLinkPreset, type TraceLinkSettings } from './trace-link.ts';

/**
 * Why `text` is not a usable run time, or undefined when it is: the engine's own duration syntax (so a
 * setting or an input box accepts exactly what a scenario or --run-time does), and longer than 0.
 */
export function durationProblem(text: string): string | undefined {
  const parsed = tryParseDuration(text);
  return parsed.ok && parsed.ms > 0 ? undefined : "must be a duration like '30s', '10m' or '1h30m'";
}

/** The only OTLP transport the engine ships an exporter for (see src/engine/telemetry/config.ts). */
export const OTLP_PROTOCOLS = ['http/protobuf'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export interface OtelSettings {
  enabled: boolean;
  /** Base URL; each signal's path (`/v1/traces`, `/v1/metrics`) is appended. '' : not set. */
  endpoint: string;
  /** Full URL of the traces endpoint, used as it is. '' : not set. */
  tracesEndpoint: string;
  /** Full URL of the metrics endpoint, used as it is. '' : not set. */
  metricsEndpoint: string;
  protocol: OtlpProtocol;
  /** Ratio of traces recorded and exported, 0..1 (parentbased_traceidratio). */
  sampler: number;
  /** Extra resource attributes of the load generator, decoded (`service.name` goes in `serviceName`). */
  resourceAttributes: Readonly<Record<string, string>>;
  serviceName: string;
  /** Export metrics too (false: spans only). */
  metrics: boolean;
  /** The embedded receiver's port (0: a free one). */
  receiverPort: number;
  /** The memory the embedded receiver's trace store may hold, in MiB. */
  receiverBudgetMB: number;
  /** Where the embedded receiver passes everything it receives on, unchanged (OTLP/HTTP base URL). '' : nowhere. */
  forward: string;
  /** Where a trace id links to (preset and template). */
  traceLink: Readonly<TraceLinkSettings>;
}

export interface LoadlensSettings {
  /** `workers`: worker processes per run (`--workers`): a number, or 'auto' (one per core). */
  readonly run: Readonly<Required<RunDefaults> & { nodePath: string; workers: WorkersSetting }>;
  readonly otel: Readonly<OtelSettings>;
  /** Run history: the folder of saved reports (relative: to the workspace folder) and how many runs per scenario it keeps. */
  readonly history: Readonly<{ folder: string; maxRunsPerScenario: number }>;
  /**
   * The settings the user set (e.g. 'otel.serviceName'), as opposed to defaults: only these win over
   * the editor's inherited OTEL_* environment. Values rejected as invalid are not in it.
   */
  readonly userSet: ReadonlySet<string>;
}

/** A setting whose value was rejected, and the default used instead. */
export interface SettingProblem {
  setting: string;
  message: string;
}

/** Every setting's default; package.json's `contributes.configuration` declares the same values (a unit test checks). */
export const DEFAULT_SETTINGS: LoadlensSettings = Object.freeze({
  run: Object.freeze({ users: RUN_DEFAULTS.users, spawnRate: RUN_DEFAULTS.spawnRate, runTime: RUN_DEFAULTS.runTime, host: '', nodePath: '', workers: RUN_DEFAULTS.workers as WorkersSetting }),
  otel: Object.freeze({
    enabled: true, endpoint: '', tracesEndpoint: '', metricsEndpoint: '', protocol: 'http/protobuf', sampler: 1,
    resourceAttributes: Object.freeze({}), serviceName: 'loadlens', metrics: true, receiverPort: 4318, receiverBudgetMB: 32, forward: '',
    traceLink: DEFAULT_TRACE_LINK_SETTINGS,
  }),
  history: Object.freeze({ ...HISTORY_DEFAULTS }),
  userSet: new Set<string>(),
});

type Raw = (key: string) => unknown;

/**
 * Reads `loadlens.*` values through `get` (e.g. a WorkspaceConfiguration's `get`), falling back per
 * setting. `isUserSet` says whether the user set a key rather than leaving its default (a
 * WorkspaceConfiguration's `inspect`); by default any value `get` returns counts as set.
 */
export function parseSettings(get: Raw, isUserSet: (key: string) => boolean = key => get(key) !== undefined): { settings: LoadlensSettings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const userSet = new Set<string>();
  const reject = (key: string, problem: string, value: unknown, fallback: unknown) =>
    problems.push({ setting: `loadlens.${key}`, message: `loadlens.${key}: ${problem} (got ${JSON.stringify(value)}); using ${JSON.stringify(fallback)}` });
  const read = <T>(key: string, fallback: T, accept: (v: unknown) => string | undefined): T => {
    const value = get(key);
    if (value === undefined || value === null) return fallback;
    const problem = accept(value);
    if (problem) {
      reject(key, problem, value, fallback);
      return fallback;
    }
    if (isUserSet(key)) userSet.add(key);
    return value as T;
  };
  const readAttributes = (key: string): Readonly<Record<string, string>> => {
    const value = get(key);
    if (value === undefined || value === null) return DEFAULT_SETTINGS.otel.resourceAttributes;
    const parsed = parseResourceAttributes(value);
    if (typeof parsed === 'string') {
      reject(key, parsed, value, {});
      return DEFAULT_SETTINGS.otel.resourceAttributes;
    }
    if (isUserSet(key)) userSet.add(key);
    return Object.freeze(parsed);
  };
  const positiveInteger = (v: unknown) => (Number.isInteger(v) && (v as number) >= 1 ? undefined : 'must be a whole number ≥ 1');
  const positive = (v: unknown) => (typeof v === 'number' && v > 0 ? undefined : 'must be a number > 0');
  const string = (v: unknown) => (typeof v === 'string' ? undefined : 'must be a string');
  const port = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? undefined : 'must be a port number from 0 to 65535');
  const budget = (v: unknown) => (typeof v === 'number' && v >= 1 && v <= 4096 ? undefined : 'must be a number of MB from 1 to 4096');
  const folder = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a folder path (relative: to the workspace folder)');
  const boolean = (v: unknown) => (typeof v === 'boolean' ? undefined : 'must be true or false');
  const ratio = (v: unknown) => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'must be a ratio from 0 to 1 (e.g. 0.1: one trace in ten)');
  const protocol = (v: unknown) => ((OTLP_PROTOCOLS as readonly unknown[]).includes(v)
    ? undefined
    : `the engine exports over ${OTLP_PROTOCOLS.join(', ')} only (grpc and http/json are not supported)`);
  const duration = (v: unknown) => (typeof v === 'string' ? durationProblem(v) : 'must be a string');
  const url = (v: unknown) => {
    if (typeof v !== 'string') return 'must be a string';
    if (v === '') return undefined;
    try {
      const { protocol } = new URL(v);
      return protocol === 'http:' || protocol === 'https:' ? undefined : 'must be an http:// or https:// URL';
    } catch {
      return 'must be an http:// or https:// URL';
    }
  };
  const preset = (v: unknown) => (TRACE_LINK_PRESETS.includes(v as TraceLinkPreset) ? undefined : `must be one of ${TRACE_LINK_PRESETS.join(', ')}`);
  const link = DEFAULT_TRACE_LINK_SETTINGS;
  const traceLink: TraceLinkSettings = Object.freeze({
    preset: read('otel.traceLink.preset', link.preset, preset),
    template: read('otel.traceLink.template', link.template, string),
    baseUrl: read('otel.traceLink.baseUrl', link.baseUrl, string),
    grafanaDatasource: read('otel.traceLink.grafanaDatasource', link.grafanaDatasource, string),
    honeycombTeam: read('otel.traceLink.honeycombTeam', link.honeycombTeam, string),
    honeycombEnvironment: read('otel.traceLink.honeycombEnvironment', link.honeycombEnvironment, string),
    honeycombDataset: read('otel.traceLink.honeycombDataset', link.honeycombDataset, string),
    splunkRealm: read('otel.traceLink.splunkRealm', link.splunkRealm, string),
    datadogSite: read('otel.traceLink.datadogSite', link.datadogSite, string),
  });
  // The preset is kept even when incomplete: a click then says again what to set, rather than
  // silently opening another place.
  for (const problem of traceLinkProblems(traceLink)) problems.push({ setting: problem.setting, message: problem.message });
  const settings: LoadlensSettings = Object.freeze({
    run: Object.freeze({
      users: read('run.users', DEFAULT_SETTINGS.run.users, positiveInteger),
      spawnRate: read('run.spawnRate', DEFAULT_SETTINGS.run.spawnRate, positive),
      runTime: read('run.runTime', DEFAULT_SETTINGS.run.runTime, duration),
      host: read('run.host', DEFAULT_SETTINGS.run.host, url),
      nodePath: read('run.nodePath', DEFAULT_SETTINGS.run.nodePath, string),
      // A JSON number or the string 'auto' ("2" as a string is a mistake in settings.json, said as one).
      workers: read('run.workers', DEFAULT_SETTINGS.run.workers, v => (parseWorkers(v) === v ? undefined : workersProblem(undefined))),
    }),
    otel: Object.freeze({
      enabled: read('otel.enabled', DEFAULT_SETTINGS.otel.enabled, boolean),
      endpoint: read('otel.endpoint', DEFAULT_SETTINGS.otel.endpoint, url),
      tracesEndpoint: read('otel.tracesEndpoint', DEFAULT_SETTINGS.otel.tracesEndpoint, url),
      metricsEndpoint: read('otel.metricsEndpoint', DEFAULT_SETTINGS.otel.metricsEndpoint, url),
      protocol: read('otel.protocol', DEFAULT_SETTINGS.otel.protocol, protocol),
      sampler: read('otel.sampler', DEFAULT_SETTINGS.otel.sampler, ratio),
      resourceAttributes: readAttributes('otel.resourceAttributes'),
      serviceName: read('otel.serviceName', DEFAULT_SETTINGS.otel.serviceName, v => string(v) ?? (v === '' ? 'must not be empty' : undefined)),
      metrics: read('otel.metrics', DEFAULT_SETTINGS.otel.metrics, boolean),
      receiverPort: read('otel.receiverPort', DEFAULT_SETTINGS.otel.receiverPort, port),
      receiverBudgetMB: read('otel.receiverBudgetMB', DEFAULT_SETTINGS.otel.receiverBudgetMB, budget),
      forward: read('otel.forward', DEFAULT_SETTINGS.otel.forward, url),
      traceLink,
    }),
    history: Object.freeze({
      folder: read('history.folder', DEFAULT_SETTINGS.history.folder, folder),
      maxRunsPerScenario: read('history.maxRunsPerScenario', DEFAULT_SETTINGS.history.maxRunsPerScenario, positiveInteger),
    }),
    userSet,
  });
  return { settings, problems };
}

/**
 * `loadlens.otel.resourceAttributes`: an object `{ "deployment.environment.name": "staging" }` (string,
 * number or boolean values) or the OTEL_RESOURCE_ATTRIBUTES form `key=value,key2=value2` (values
 * percent-encoded). The decoded attributes, or what is wrong.
 */
export function parseResourceAttributes(value: unknown): Record<string, string> | string {
  const attributes: Record<string, string> = {};
  if (typeof value === 'string') {
    for (const [index, entry] of value.split(',').entries()) {
      if (entry.trim() === '') continue;
      const equals = entry.indexOf('=');
      const key = equals < 0 ? '' : entry.slice(0, equals).trim();
      if (key === '') return `entry ${index + 1} is not key=value`;
      try {
        attributes[key] = decodeURIComponent(entry.slice(equals + 1).trim());
      } catch {
        return `the value of '${key}' is not valid percent-encoding`;
      }
    }
    return attributes;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be an object of attributes or a key=value,key2=value2 string';
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') return `the value of '${key}' must be a string, a number or true/false`;
    if (key.trim() === '') return 'an attribute name is empty';
    attributes[key] = String(item);
  }
  return attributes;
}
