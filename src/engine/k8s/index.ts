/**
 * `loadlens k8s FILE --shards N`: checks the scenario as `loadlens check` does, bundles it to one file,
 * loads that bundle as a pod will, and returns the YAML of the ConfigMap and the Indexed Job.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Diagnostic } from '../../shared/report.ts';
import { checkScenarioFile } from '../scenario/check.ts';
import { loadScenarioFile, type LoadedScenario } from '../scenario/loader.ts';
import { checkThreshold } from '../scenario/threshold-check.ts';
import { bundleFileName, bundleScenario } from './bundle.ts';
import { flagsProblem, k8sOptionsProblem, k8sYaml, type K8sRunOptions, type RunFlags } from './manifest.ts';
import { resolveRunOptions, RunOptionsError } from '../scenario/run-options.ts';

/** The command's flags as typed (the CLI's parser gives strings). */
export interface K8sRequest {
  file: string;
  shards: string | undefined;
  image: string;
  namespace?: string;
  otelEndpoint?: string;
  scenario?: string;
  runId?: string;
  name?: string;
  /** Run flags for every pod, as typed; checked here against the scenario, as `loadlens run` would. */
  overrides?: RunFlags;
}

export type K8sResult =
  /** `warnings`: worth saying, not worth refusing (a scenario whose host is the pod itself). */
  | { ok: true; yaml: string; options: K8sRunOptions; warnings: string[] }
  /** The scenario file's problems, at their places (what `loadlens check` prints). */
  | { ok: false; diagnostics: Diagnostic[] }
  /** A bad flag or a bundle that cannot run in a pod: one sentence naming what. */
  | { ok: false; problem: string };

/** Never throws for the user's mistakes: each comes back as a diagnostic or a problem. */
export async function k8sManifest(request: K8sRequest): Promise<K8sResult> {
  const shards = parseShards(request.shards);
  if (typeof shards === 'string') return { ok: false, problem: shards };
  // The flags first: a typo in one is found before the scenario is compiled twice.
  const { name, namespace, image, runId: givenRunId, otelEndpoint } = request;
  const badFlag = flagsProblem({ shards, name, namespace, image, runId: givenRunId, otelEndpoint });
  if (badFlag) return { ok: false, problem: badFlag };

  const file = path.resolve(request.file);
  const checked = await checkScenarioFile(file);
  if (!checked.ok) return { ok: false, diagnostics: checked.diagnostics };
  const names = checked.scenarios.map(s => s.name);
  const wanted = request.scenario;
  // As `loadlens run` picks (session.ts): every pod would otherwise fail with the same message.
  if (wanted !== undefined && !names.includes(wanted)) {
    return { ok: false, diagnostics: [{ file, line: 1, column: 1, message: `no scenario named '${wanted}': the file exports ${names.map(n => `'${n}'`).join(', ')}` }] };
  }
  if (wanted === undefined && names.length > 1) {
    return { ok: false, diagnostics: [{ file, line: 1, column: 1, message: `the file exports ${names.length} scenarios (${names.join(', ')}): choose one with --scenario NAME` }] };
  }

  const bundled = await bundleScenario(file);
  if (!bundled.ok) return { ok: false, diagnostics: bundled.diagnostics };
  const scenarioKey = bundleFileName(file);
  const loaded = await loadsAsInPod(bundled.code, scenarioKey, names);
  if (typeof loaded === 'string') return { ok: false, problem: loaded };
  const picked = loaded.find(s => s.exportName === (wanted ?? names[0]))!;
  const overrides = request.overrides ?? {};
  try {
    // The pods' flags against the scenario, as each pod's `loadlens run` will check them: a typo fails here, not N times.
    resolveRunOptions(picked.definition.options, overrides);
  } catch (error) {
    if (!(error instanceof RunOptionsError)) throw error;
    return { ok: false, problem: error.problems.join('; ') };
  }
  const host = overrides.host ?? picked.definition.options.host;
  const warnings = host !== undefined && isLoopback(host)
    ? [`the ${overrides.host !== undefined ? '--host' : "scenario's host"} is ${host}: in a pod that is the pod itself; point it at the target as the cluster reaches it (--host http://shop.default.svc:8080)`]
    : [];

  const runId = request.runId ?? randomUUID();
  const options: K8sRunOptions = {
    name: request.name ?? defaultName(wanted ?? names[0] ?? scenarioKey, runId, shards),
    ...(request.namespace !== undefined ? { namespace: request.namespace } : {}),
    shards,
    image: request.image,
    runId,
    scenarioKey,
    scenarioCode: bundled.code,
    ...(wanted !== undefined ? { scenario: wanted } : {}),
    ...(request.otelEndpoint !== undefined ? { otelEndpoint: request.otelEndpoint } : {}),
    sourceFile: displayPath(file),
    ...(Object.values(overrides).some(value => value !== undefined) ? { overrides } : {}),
  };
  const problem = k8sOptionsProblem(options);
  if (problem) return { ok: false, problem };
  return { ok: true, yaml: k8sYaml(options), options, warnings };
}

function parseShards(text: string | undefined): number | string {
  if (text === undefined) return '--shards N is required: the number of pods, each running one shard of the load';
  return /^\d+$/.test(text) ? Number(text) : `--shards: '${text}' must be a whole number, the number of pods`;
}

/**
 * Loads the bundle from a folder of its own, with no node_modules beside it, as the pod's engine will:
 * a package the bundle failed to inline shows up here and not in N pods. Returns the problem, if any.
 */
async function loadsAsInPod(code: string, fileName: string, names: string[]): Promise<LoadedScenario[] | string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'loadlens-k8s-'));
  try {
    const file = path.join(folder, fileName);
    await writeFile(file, code);
    const loaded = await loadScenarioFile(file, { checkThreshold });
    if (!loaded.ok) {
      const first = loaded.diagnostics[0]!;
      return `the bundled scenario does not load without the scenario's folder (as in a pod): ${first.message}`;
    }
    // Sorted: the original's order puts re-exported scenarios last, the bundle has them all in one file.
    const found = loaded.scenarios.map(s => s.exportName).sort();
    if (found.join() !== [...names].sort().join()) return `the bundled scenario exports ${found.join(', ')} instead of ${names.join(', ')} (a bug in Loadlens)`;
    return loaded.scenarios;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function isLoopback(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return false; // the loader has validated it; a host it accepts but URL does not is not ours to judge here
  }
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** The file as the user would name it: relative to the current folder when it is inside it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/**
 * `loadlens-<scenario>-<run>`, lower-cased to a DNS label: `<run>` is a UUID's first 8 characters, or a
 * run id of the user's (up to 20 characters), so that two runs never share a Job. The scenario part is
 * cut so that the last pod's hostname, `<name>-<shards - 1>`, stays within 63 characters (the rule
 * flagsProblem checks): a default name is never one the command then refuses.
 */
function defaultName(scenario: string, runId: string, shards: number): string {
  const label = (text: string, max: number) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, Math.max(0, max)).replace(/^-+|-+$/g, '');
  const run = label(/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(runId) ? runId.slice(0, 8) : runId, 20);
  // 63, less 'loadlens-', '-<run>' and '-<last index>'.
  const room = 63 - 'loadlens-'.length - (run ? run.length + 1 : 0) - (String(shards - 1).length + 1);
  return ['loadlens', label(scenario.replace(/\.mjs$/, ''), Math.min(30, room)), run].filter(Boolean).join('-');
}
