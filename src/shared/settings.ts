/**
 * The extension's settings as one frozen, typed object, validated in one place. Pure: the extension
 * passes the raw values it read from `loadlens.*`; tests pass plain objects.
 */
import { tryParseDuration } from './duration.ts';
import { HISTORY_DEFAULTS } from './history.ts';
import type { RunOverrides } from './protocol.ts';
import { RUN_DEFAULTS } from './run-defaults.ts';
import { DEFAULT_TRACE_LINK_SETTINGS, TRACE_LINK_PRESETS, traceLinkProblems, type TraceLinkPreset, type TraceLinkSettings } from './trace-link.ts';

/**
 * Why `text` is not a usable run time, or undefined when it is: the engine's own duration syntax (so a
 * setting or an input box accepts exactly what a scenario or --run-time does), and longer than 0.
 */
export function durationProblem(text: string): string | undefined {
  const parsed = tryParseDuration(text);
  return parsed.ok && parsed.ms > 0 ? undefined : "must be a duration like '30s', '10m' or '1h30m'";
}

export interface LoadlensSettings {
  readonly run: Readonly<Required<Pick<RunOverrides, 'users' | 'spawnRate' | 'runTime'>> & { host: string; nodePath: string }>;
  /**
   * `receiverPort`: the embedded receiver's port (0: a free one). `receiverBudgetMB`: the memory its
   * trace store may hold, in MiB.
   */
  /** Run history: the folder of saved reports (relative: to the workspace folder) and how many runs per scenario it keeps. */
  readonly history: Readonly<{ folder: string; maxRunsPerScenario: number }>;
  readonly otel: Readonly<{ enabled: boolean; endpoint: string; serviceName: string; receiverPort: number; receiverBudgetMB: number; traceLink: Readonly<TraceLinkSettings> }>;
}

/** A setting whose value was rejected, and the default used instead. */
export interface SettingProblem {
  setting: string;
  message: string;
}

/** Every setting's default; package.json's `contributes.configuration` declares the same values (a unit test checks). */
export const DEFAULT_SETTINGS: LoadlensSettings = Object.freeze({
  run: Object.freeze({ users: RUN_DEFAULTS.users, spawnRate: RUN_DEFAULTS.spawnRate, runTime: RUN_DEFAULTS.runTime, host: '', nodePath: '' }),
  history: Object.freeze({ ...HISTORY_DEFAULTS }),
  otel: Object.freeze({ enabled: true, endpoint: '', serviceName: 'loadlens', receiverPort: 0, receiverBudgetMB: 32, traceLink: DEFAULT_TRACE_LINK_SETTINGS }),
});

type Raw = (key: string) => unknown;

/** Reads `loadlens.*` values through `get` (e.g. a WorkspaceConfiguration's `get`), falling back per setting. */
export function parseSettings(get: Raw): { settings: LoadlensSettings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const read = <T>(key: string, fallback: T, accept: (v: unknown) => string | undefined): T => {
    const value = get(key);
    if (value === undefined || value === null) return fallback;
    const problem = accept(value);
    if (problem) {
      problems.push({ setting: `loadlens.${key}`, message: `loadlens.${key}: ${problem} (got ${JSON.stringify(value)}); using ${JSON.stringify(fallback)}` });
      return fallback;
    }
    return value as T;
  };
  const positiveInteger = (v: unknown) => (Number.isInteger(v) && (v as number) >= 1 ? undefined : 'must be a whole number ≥ 1');
  const positive = (v: unknown) => (typeof v === 'number' && v > 0 ? undefined : 'must be a number > 0');
  const string = (v: unknown) => (typeof v === 'string' ? undefined : 'must be a string');
  const port = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? undefined : 'must be a port number from 0 to 65535');
  const budget = (v: unknown) => (typeof v === 'number' && v >= 1 && v <= 4096 ? undefined : 'must be a number of MB from 1 to 4096');
  const folder = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a folder path (relative: to the workspace folder)');
  const boolean = (v: unknown) => (typeof v === 'boolean' ? undefined : 'must be true or false');
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
    }),
    history: Object.freeze({
      folder: read('history.folder', DEFAULT_SETTINGS.history.folder, folder),
      maxRunsPerScenario: read('history.maxRunsPerScenario', DEFAULT_SETTINGS.history.maxRunsPerScenario, positiveInteger),
    }),
    otel: Object.freeze({
      enabled: read('otel.enabled', DEFAULT_SETTINGS.otel.enabled, boolean),
      endpoint: read('otel.endpoint', DEFAULT_SETTINGS.otel.endpoint, url),
      serviceName: read('otel.serviceName', DEFAULT_SETTINGS.otel.serviceName, string),
      receiverPort: read('otel.receiverPort', DEFAULT_SETTINGS.otel.receiverPort, port),
      receiverBudgetMB: read('otel.receiverBudgetMB', DEFAULT_SETTINGS.otel.receiverBudgetMB, budget),
      traceLink,
    }),
  });
  return { settings, problems };
}
