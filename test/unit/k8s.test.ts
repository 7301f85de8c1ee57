// `loadlens k8s`: the Indexed Job and ConfigMap it prints, validated against the Kubernetes API schema
// (kubernetes-models: validators generated from the official OpenAPI document), the bundled scenario
// loaded by the engine's own loader, and the CLI's errors. The pods' command is run here as local
// processes, its $(VAR) references expanded as the kubelet expands them.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { parseAllDocuments } from 'yaml';
import { bundleFileName, bundleScenario } from '../../src/engine/k8s/bundle.ts';
import { k8sObjects, k8sOptionsProblem, k8sYaml, literal, type K8sRunOptions } from '../../src/engine/k8s/manifest.ts';
import { loadScenarioFile, type LoadedScenario } from '../../src/engine/scenario/loader.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/receiver/index.ts';
import type { RunReport } from '../../src/shared/report.ts';

const MAIN = path.join(import.meta.dirname, '../../src/engine/main.ts');
const folder = mkdtempSync(path.join(os.tmpdir(), 'loadlens-k8s-test-'));

function write(relative: string, lines: string[]): string {
  const file = path.join(folder, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function cli(args: string[], options: { cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [MAIN, ...args], { timeout: 60_000, cwd: options.cwd ?? folder, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** The documents of the printed YAML, as the API server would receive them from kubectl. */
function documents(yaml: string): { configMap: IConfigMap; job: IJob } {
  const docs = parseAllDocuments(yaml);
  assert.ok(Array.isArray(docs), 'one YAML stream');
  for (const doc of docs) assert.deepEqual(doc.errors, []);
  const [configMap, job] = docs.map(doc => doc.toJS() as unknown);
  assert.equal(docs.length, 2);
  return { configMap: configMap as IConfigMap, job: job as IJob };
}

/**
 * Kubernetes' expansion of `$(VAR)` in a container's command, args and env values, as the kubelet does it
 * (kubernetes/third_party/forked/golang/expansion/expand.go): `$$` is a `$`; `$(NAME)` is NAME's value,
 * or stays as written when NAME is not defined; any other `$` is kept with the character after it.
 */
function expand(input: string, env: Record<string, string>): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') out += '$';
    else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close === -1) out += '$(';
      else {
        const name = rest.slice(1, close);
        out += Object.hasOwn(env, name) ? env[name] : `$(${name})`;
        advance = close + 1;
      }
    } else out += `$${rest[0]}`;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/**
 * Writes a ConfigMap's data as the kubelet lays out a configMap volume (its atomic writer): the files in
 * a timestamped folder, `..data` a symlink to it, and each key a symlink through `..data`.
 */
function mountConfigMap(data: Record<string, string>): string {
  const mount = mkdtempSync(path.join(os.tmpdir(), 'loadlens-k8s-mount-'));
  const timestamped = '..2026_11_29_08_00_00.000000001';
  mkdirSync(path.join(mount, timestamped));
  symlinkSync(timestamped, path.join(mount, '..data'));
  for (const [key, text] of Object.entries(data)) {
    writeFileSync(path.join(mount, timestamped, key), text);
    symlinkSync(path.join('..data', key), path.join(mount, key));
  }
  return mount;
}

function container(job: IJob) {
  const found = job.spec?.template.spec?.containers[0];
  assert.ok(found, 'the Job has a container');
  return found;
}

const SCENARIO_CODE = "import { scenario } from 'loadlens';\nexport const a = scenario({ users: 3 }, async ({ http }) => { await http.get('/'); });\n";

function options(overrides: Partial<K8sRunOptions> = {}): K8sRunOptions {
  return {
    name: 'loadlens-a-1a2b3c4d', shards: 3, image: 'registry.example/loadlens:0.1.0', runId: '1a2b3c4d-5e6f-4a0b-8c0d-0e1f2a3b4c5d',
    scenarioKey: 'a.load.mjs', scenarioCode: SCENARIO_CODE, sourceFile: 'a.load.ts', ...overrides,
  };
}

describe('the expansion of $(VAR) used by these tests', () => {
  // The kubelet's own test table (expand_test.go) for the cases the Job's command uses.
  const env = { VAR_A: 'A', VAR_EMPTY: '', JOB_COMPLETION_INDEX: '2' };
  for (const [input, expected] of [
    ['$(VAR_A)', 'A'], ['___$(VAR_A)___', '___A___'], ['$(VAR_EMPTY)', ''], ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$$(VAR_A)', '$(VAR_A)'], ['$$$(VAR_A)', '$A'], ['$$', '$'], ['$', '$'], ['$x', '$x'], ['$(VAR_A', '$(VAR_A'],
    ['$(JOB_COMPLETION_INDEX)/3', '2/3'],
  ] as const) {
    test(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.equal(expand(input, env), expected));
  }
});

describe('the manifest', () => {
  for (const shards of [1, 2, 3, 7, 100]) {
    test(`${shards} shard(s): Indexed, completions = parallelism = ${shards}, pod i runs --shard i/${shards}`, () => {
      const { configMap, job } = documents(k8sYaml(options({ shards })));
      assert.equal(job.spec?.completionMode, 'Indexed');
      assert.equal(job.spec?.completions, shards);
      assert.equal(job.spec?.parallelism, shards);
      assert.equal(job.spec?.template.spec?.restartPolicy, 'Never');
      const { command, args = [] } = container(job);
      assert.deepEqual(command, ['loadlens']);
      assert.deepEqual(args.slice(0, 2), ['run', '/scenario/a.load.mjs']);
      const shardArg = args[args.indexOf('--shard') + 1]!;
      for (const index of [0, Math.floor(shards / 2), shards - 1]) {
        assert.equal(expand(shardArg, { JOB_COMPLETION_INDEX: String(index) }), `${index}/${shards}`);
      }
      assert.equal(args[args.indexOf('--run-id') + 1], '1a2b3c4d-5e6f-4a0b-8c0d-0e1f2a3b4c5d');
      for (const flag of ['--headless', '--otel', '--json']) assert.ok(args.includes(flag), flag);
      // The ConfigMap mounted where the command reads the scenario from.
      assert.equal(configMap.data?.['a.load.mjs'], SCENARIO_CODE);
      const volume = job.spec?.template.spec?.volumes?.find(v => v.configMap?.name === configMap.metadata?.name);
      assert.deepEqual(container(job).volumeMounts?.find(m => m.name === volume?.name), { name: 'scenario', mountPath: '/scenario', readOnly: true });
    });
  }

  test('JOB_COMPLETION_INDEX is defined from the completion index annotation, before any $(...) that needs it', () => {
    const { job } = documents(k8sYaml(options()));
    const env = container(job).env ?? [];
    assert.equal(env[0]?.name, 'JOB_COMPLETION_INDEX');
    assert.equal(env[0]?.valueFrom?.fieldRef?.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
    // OTEL_RESOURCE_ATTRIBUTES refers to variables defined above it (an env value sees only those).
    const attributes = env.find(e => e.name === 'OTEL_RESOURCE_ATTRIBUTES')!.value!;
    const podEnv = { K8S_NAMESPACE_NAME: 'load', K8S_POD_NAME: 'loadlens-a-1a2b3c4d-2-x7k9p', K8S_NODE_NAME: 'node-3' };
    assert.equal(expand(attributes, podEnv), 'k8s.namespace.name=load,k8s.job.name=loadlens-a-1a2b3c4d,k8s.pod.name=loadlens-a-1a2b3c4d-2-x7k9p,k8s.node.name=node-3');
    const position = (name: string) => env.findIndex(e => e.name === name);
    for (const name of Object.keys(podEnv)) assert.ok(position(name) < position('OTEL_RESOURCE_ATTRIBUTES'), name);
    assert.equal(env.find(e => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT'), undefined, 'no endpoint unless asked');
  });

  test('labels carry the run id on both objects and on the pods; the endpoint goes to OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    const { configMap, job } = documents(k8sYaml(options({ namespace: 'load', otelEndpoint: 'http://otel-collector.observability:4318' })));
    for (const labels of [configMap.metadata?.labels, job.metadata?.labels, job.spec?.template.metadata?.labels]) {
      assert.equal(labels?.['loadlens.dev/run-id'], '1a2b3c4d-5e6f-4a0b-8c0d-0e1f2a3b4c5d');
    }
    assert.equal(job.metadata?.namespace, 'load');
    assert.equal(configMap.metadata?.namespace, 'load');
    assert.deepEqual(container(job).env?.find(e => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT'), { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4318' });
    assert.deepEqual(container(job).resources, { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } });
  });

  test('a failed shard is not run again and does not stop the others; exit 2 (invalid scenario) fails the Job', () => {
    const { job } = documents(k8sYaml(options()));
    assert.equal(job.spec?.backoffLimitPerIndex, 0);
    assert.equal(job.spec?.backoffLimit, undefined, 'a global limit would end every shard at the first failure');
    assert.deepEqual(job.spec?.podFailurePolicy?.rules.map(r => [r.action, r.onExitCodes?.operator, r.onExitCodes?.values]), [['FailJob', 'In', [2]]]);
    assert.equal(job.spec?.podFailurePolicy?.rules[0]?.onExitCodes?.containerName, container(job).name);
  });

  test('a literal $ reaches the engine as written: a scenario named $shop', () => {
    const { job } = documents(k8sYaml(options({ scenario: '$shop$$' })));
    const args = container(job).args ?? [];
    const scenario = args[args.indexOf('--scenario') + 1]!;
    assert.equal(scenario, '$$shop$$$$');
    assert.equal(expand(scenario, { shop: 'oops' }), '$shop$$');
    assert.equal(literal('$(JOB_COMPLETION_INDEX)'), '$$(JOB_COMPLETION_INDEX)');
  });

  test('the header comment names the run id and the commands to collect and merge', () => {
    const yaml = k8sYaml(options({ namespace: 'load' }));
    const header = yaml.slice(0, yaml.indexOf('apiVersion')).split('\n');
    assert.ok(header.every(line => line === '' || line.startsWith('#')), 'only comments before the first object');
    assert.match(header[0]!, /run id 1a2b3c4d-5e6f-4a0b-8c0d-0e1f2a3b4c5d$/);
    assert.ok(header.some(line => line.includes("kubectl get pods -n load -l loadlens.dev/run-id=1a2b3c4d-5e6f-4a0b-8c0d-0e1f2a3b4c5d -o name")));
    assert.ok(header.some(line => line.includes('kubectl logs -n load "$pod" | tail -n 1')));
    assert.ok(header.some(line => line.includes('loadlens merge loadlens-a-1a2b3c4d-*.json')));
  });

  test('the YAML holds exactly the typed objects (nothing added or lost in the text)', () => {
    const o = options({ namespace: 'load', otelEndpoint: 'https://otlp.example:4318', scenario: 'a' });
    assert.deepEqual(documents(k8sYaml(o)), JSON.parse(JSON.stringify(k8sObjects(o))));
  });
});

describe('schema validation (kubernetes-models, from the Kubernetes OpenAPI schema)', () => {
  test('the generated ConfigMap and Job are valid', () => {
    for (const o of [options(), options({ shards: 1, namespace: 'load', otelEndpoint: 'http://127.0.0.1:4318', scenario: '$shop' })]) {
      const { configMap, job } = documents(k8sYaml(o));
      assert.doesNotThrow(() => new ConfigMap(configMap).validate());
      assert.doesNotThrow(() => new Job(job).validate());
      assert.equal(new Job(job).spec?.completions, o.shards);
    }
  });

  // Each mutation breaks the Job the way a hand edit or a bug would; the validator must say where.
  const mutations: [string, (job: any) => void, RegExp][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['completions as a string', job => (job.spec.completions = '3'), /\/spec\/completions must be integer/],
    ['an unknown completion mode', job => (job.spec.completionMode = 'indexed'), /\/spec\/completionMode must be equal to one of the allowed values/],
    ['an unknown restart policy', job => (job.spec.template.spec.restartPolicy = 'Sometimes'), /\/spec\/template\/spec\/restartPolicy must be equal to one of the allowed values/],
    ['a container without a name', job => delete job.spec.template.spec.containers[0].name, /\/spec\/template\/spec\/containers\/0 must have required property name$/],
    ['args as one string', job => (job.spec.template.spec.containers[0].args = 'run /scenario/a.load.mjs'), /\/spec\/template\/spec\/containers\/0\/args must be array/],
    ['a fieldRef without its path', job => delete job.spec.template.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath, /\/env\/0\/valueFrom\/fieldRef must have required property fieldPath$/],
    ['an unknown pod failure action', job => (job.spec.podFailurePolicy.rules[0].action = 'Retry'), /\/spec\/podFailurePolicy\/rules\/0\/action must be equal to one of the allowed values/],
    ['no pod template', job => delete job.spec.template, /\/spec must have required property template$/],
  ];
  for (const [what, mutate, expected] of mutations) {
    test(`rejects ${what}`, () => {
      const { job } = documents(k8sYaml(options()));
      mutate(job);
      assert.throws(() => new Job(job).validate(), expected);
    });
  }

  test('rejects a ConfigMap whose data is not strings', () => {
    const { configMap } = documents(k8sYaml(options()));
    (configMap.data as Record<string, unknown>)['a.load.mjs'] = 42;
    assert.throws(() => new ConfigMap(configMap).validate(), /\/data\/a\.load\.mjs must be string/);
  });
});

describe('options Kubernetes would refuse', () => {
  const cases: [string, Partial<K8sRunOptions>, RegExp][] = [
    ['0 shards', { shards: 0 }, /^--shards: '0' must be a whole number from 1 to 10000$/],
    ['10001 shards, beyond --shard i/N', { shards: 10_001 }, /^--shards: '10001' must be a whole number from 1 to 10000$/],
    ['an upper-case name', { name: 'Loadlens' }, /^--name: 'Loadlens' must be lower-case/],
    ['a name leaving no room for the pod hostname', { name: 'a'.repeat(61), shards: 11 }, /hostname 'a{61}-10' \(at most 63 characters\)$/],
    ['a run id with a space', { runId: 'nightly run' }, /^--run-id: must be 1 to 63 letters, .* got 'nightly run'$/],
    ['a run id of 64 characters', { runId: 'r'.repeat(64) }, /^--run-id: must be 1 to 63/],
    ['a namespace with a dot', { namespace: 'load.test' }, /^--namespace: 'load\.test' is not a namespace name/],
    ['an endpoint that is not a URL', { otelEndpoint: 'collector:4318' }, /^--otel-endpoint: 'collector:4318' must be an http:\/\/ or https:\/\/ URL/],
    ['an endpoint with a password', { otelEndpoint: 'https://user:secret@otlp.example' }, /^--otel-endpoint: the URL carries credentials; put them in the Secret 'loadlens-otel'/],
    ['a bundle over 1 MiB', { scenarioCode: 'x'.repeat(1024 * 1024) }, /^the bundled scenario is 1024 KiB and a ConfigMap holds at most 1 MiB/],
  ];
  for (const [what, overrides, expected] of cases) {
    test(what, () => assert.match(k8sOptionsProblem(options(overrides)) ?? 'accepted', expected));
  }
  test('a name of 61 characters fits 9 shards (hostname NAME-8 is 63)', () => {
    assert.equal(k8sOptionsProblem(options({ name: 'a'.repeat(61), shards: 9 })), undefined);
  });
  test('the credentials never appear in the message', () => {
    assert.doesNotMatch(k8sOptionsProblem(options({ otelEndpoint: 'https://user:secret@otlp.example' }))!, /secret@/);
  });
});

describe('the bundled scenario', () => {
  // A scenario importing its own TS helper, a CommonJS helper, and an npm package (CommonJS, requiring a
  // Node built-in) from a node_modules folder beside it: none of them exists in the pod.
  write('bundled/node_modules/tiny-slug/package.json', ['{ "name": "tiny-slug", "version": "1.0.0", "main": "index.js" }']);
  write('bundled/node_modules/tiny-slug/index.js', [
    "const path = require('node:path');",
    "exports.slug = text => path.posix.join('/product', String(text).toLowerCase().replace(/[^a-z0-9]+/g, '-'));",
  ]);
  write('bundled/lib/catalog.ts', ['export const PRODUCTS: number[] = [1, 2, 42];', 'export function pick(i: number): number { return PRODUCTS[i % PRODUCTS.length]!; }']);
  write('bundled/lib/legacy.cjs', ['module.exports = { thinkTime: 0.5 };']);
  const original = write('bundled/shop.load.ts', [
    "import { scenario, between, constant } from 'loadlens';",
    "import { pick } from './lib/catalog.ts';",
    "import legacy from './lib/legacy.cjs';",
    "import { slug } from 'tiny-slug';",
    '',
    'export const shopper = scenario({',
    "  host: 'http://127.0.0.1:9', users: 40, spawnRate: 4, runTime: '2m',",
    '  wait: between(legacy.thinkTime, 2),',
    "  thresholds: { p95: '< 300ms', 'errorRate': '< 1%' },",
    '  onStart: async ({ vars }) => { vars.started = true; },',
    '}, async ({ http }) => {',
    "  await http.get(slug('Big Box ' + pick(1)), { name: '/product/{slug}' });",
    '});',
    '',
    "export const stages = scenario({ stages: [{ duration: '30s', target: 10 }, { duration: '1m', target: 0 }], wait: constant(1) }, async ({ http }) => {",
    "  await http.get(new URL('./', import.meta.url).protocol);",
    '});',
    '',
    "export const arrivals = scenario({ arrivalRate: 50, maxUsers: 200, runTime: '1m' }, async ({ http }) => { await http.get('/'); });",
  ]);

  /** Options as data: a function (onStart) compares as its source text. */
  const comparable = (scenarios: LoadedScenario[]) => Object.fromEntries(scenarios.map(s => [s.exportName, JSON.parse(JSON.stringify(s.definition.options, (_key, value: unknown) => (typeof value === 'function' ? String(value) : value)))]));

  test('is one ES module importing nothing but loadlens, loaded by the engine from a folder of its own', async () => {
    const bundled = await bundleScenario(original);
    assert.ok(bundled.ok, JSON.stringify(bundled));
    assert.deepEqual(bundled.sources.map(s => path.relative(path.join(folder, 'bundled'), s)).sort(), [
      'lib/catalog.ts', 'lib/legacy.cjs', 'node_modules/tiny-slug/index.js', 'shop.load.ts',
    ]);
    const imports = [...bundled.code.matchAll(/^import .* from "([^"]+)";$/gm)].map(m => m[1]);
    assert.deepEqual(imports, ['loadlens']);

    assert.equal(bundleFileName(original), 'shop.load.mjs');
    const inPod = path.join(mountConfigMap({ 'shop.load.mjs': bundled.code }), 'shop.load.mjs');
    const [fromBundle, fromOriginal] = await Promise.all([loadScenarioFile(inPod), loadScenarioFile(original)]);
    assert.ok(fromBundle.ok, JSON.stringify(fromBundle));
    assert.ok(fromOriginal.ok, JSON.stringify(fromOriginal));
    // In the file's order, each at its line in the file as the pod names it (not the symlinks' target).
    assert.deepEqual(fromBundle.scenarios.map(s => [s.exportName, s.location.file, s.location.line]), [
      ['shopper', inPod, bundled.code.split('\n').findIndex(line => line.startsWith('var shopper = scenario(')) + 1],
      ['stages', inPod, bundled.code.split('\n').findIndex(line => line.startsWith('var stages = scenario(')) + 1],
      ['arrivals', inPod, bundled.code.split('\n').findIndex(line => line.startsWith('var arrivals = scenario(')) + 1],
    ]);
    assert.deepEqual(comparable(fromBundle.scenarios), comparable(fromOriginal.scenarios));
    assert.equal(comparable(fromBundle.scenarios).shopper.wait.minSeconds, 0.5, 'the CommonJS helper was inlined');
    // The user's functions run from the bundle too: the npm package and the TS helper were inlined.
    const shopper = fromBundle.scenarios[0]!.definition;
    const urls: string[] = [];
    await shopper.fn({ http: { get: async (url: string) => void urls.push(url) } } as never);
    assert.deepEqual(urls, ['/product/big-box-2']);
  });

  test('the CLI puts the same bundle in the ConfigMap', async () => {
    const { code, stdout, stderr } = await cli(['k8s', original, '--shards', '2', '--scenario', 'shopper', '--run-id', 'run-7']);
    assert.equal(code, 0, stderr);
    const { configMap, job } = documents(stdout);
    const bundled = await bundleScenario(original);
    assert.ok(bundled.ok);
    assert.deepEqual(configMap.data, { 'shop.load.mjs': bundled.code });
    assert.equal(job.metadata?.name, 'loadlens-shopper-run-7');
    assert.deepEqual(container(job).args, ['run', '/scenario/shop.load.mjs', '--scenario', 'shopper', '--shard', '$(JOB_COMPLETION_INDEX)/2', '--run-id', 'run-7', '--headless', '--otel', '--json']);
    assert.doesNotThrow(() => new Job(job).validate());
    assert.doesNotThrow(() => new ConfigMap(configMap).validate());
    const [warning, summary, ...rest] = stderr.split('\n');
    assert.match(warning!, /^loadlens k8s: warning: the scenario's host is http:\/\/127\.0\.0\.1:9: in a pod that is the pod itself;/);
    assert.match(summary!, /^loadlens k8s: Job loadlens-shopper-run-7, 2 shard\(s\), run id run-7;/);
    assert.deepEqual(rest, ['']);
  });

  test('a native addon cannot be bundled: the import that needs it, at its line', async () => {
    write('native/node_modules/fast-native/package.json', ['{ "name": "fast-native", "version": "1.0.0", "main": "index.js" }']);
    // Required when called, not when loaded: `loadlens check` passes, the bundle cannot inline it.
    write('native/node_modules/fast-native/index.js', ['exports.load = () =>', "  require('./build/addon.node');"]);
    write('native/node_modules/fast-native/build/addon.node', ['not really a binary']);
    const file = write('native/n.load.ts', ["import { scenario } from 'loadlens';", "import { load } from 'fast-native';", "export const n = scenario({ users: 1 }, async () => { load(); });"]);
    const { code, stdout, stderr } = await cli(['k8s', file, '--shards', '2']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /native\/node_modules\/fast-native\/index\.js:2:11: No loader is configured for "\.node" files: node_modules\/fast-native\/build\/addon\.node$/m);
  });
});

// Concurrent: each case is a CLI process that mostly waits for Node and esbuild to start.
describe('loadlens k8s: bad input exits 2 and says what and where', { concurrency: 3 }, () => {
  const invalid = write('errors/invalid.load.ts', [
    "import { scenario } from 'loadlens';",
    '',
    'export const browse = scenario({',
    '  users: 5,',
    '  spawnrate: 2,',
    "  thresholds: { p95: 'fast' },",
    "}, async ({ http }) => { await http.get('/'); });",
  ]);
  const two = write('errors/two.load.ts', [
    "import { scenario } from 'loadlens';",
    "export const a = scenario({ users: 1 }, async ({ http }) => { await http.get('/'); });",
    "export const b = scenario({ users: 1 }, async ({ http }) => { await http.get('/'); });",
  ]);

  test('an invalid scenario: the same diagnostics as loadlens check, nothing on stdout', async () => {
    const [k8s, check] = await Promise.all([cli(['k8s', invalid, '--shards', '3']), cli(['check', invalid])]);
    assert.equal(k8s.code, 2);
    assert.equal(check.code, 2);
    assert.equal(k8s.stdout, '');
    const diagnostics = check.stderr.split('\n').filter(line => line.startsWith(invalid));
    assert.equal(diagnostics.length, 2);
    assert.match(diagnostics[0]!, /:5:3: unknown option 'spawnrate': did you mean 'spawnRate'\?$/);
    assert.deepEqual(k8s.stderr.trimEnd().split('\n'), diagnostics);
  });

  const cases: [string, string[], RegExp][] = [
    ['no --shards', [two, '--scenario', 'a'], /^loadlens k8s: --shards N is required/],
    ['--shards 0', [two, '--scenario', 'a', '--shards', '0'], /^loadlens k8s: --shards: '0' must be a whole number from 1 to 10000$/m],
    ['--shards three', [two, '--scenario', 'a', '--shards', 'three'], /^loadlens k8s: --shards: 'three' must be a whole number/],
    ['--shards -2', [two, '--scenario', 'a', '--shards=-2'], /^loadlens k8s: --shards: '-2' must be a whole number/],
    ['a missing file', [path.join(folder, 'errors/nope.load.ts'), '--shards', '2'], /errors\/nope\.load\.ts:1:1: cannot read the scenario file: no such file$/m],
    ['several scenarios and no --scenario', [two, '--shards', '2'], /two\.load\.ts:1:1: the file exports 2 scenarios \(a, b\): choose one with --scenario NAME$/m],
    ['an unknown --scenario', [two, '--shards', '2', '--scenario', 'c'], /two\.load\.ts:1:1: no scenario named 'c': the file exports 'a', 'b'$/m],
    ['a bad --name', [two, '--shards', '2', '--scenario', 'a', '--name', 'My_Run'], /^loadlens k8s: --name: 'My_Run' must be lower-case/],
    ['a bad --run-id', [two, '--shards', '2', '--scenario', 'a', '--run-id', 'run/7'], /^loadlens k8s: --run-id: must be 1 to 63 .* got 'run\/7'$/m],
    ['a bad flag is named before the scenario is read', [path.join(folder, 'errors/nope.load.ts'), '--shards', '2', '--otel-endpoint', 'http://u:p@otlp.example'], /^loadlens k8s: --otel-endpoint: the URL carries credentials/],
    ['two files', [two, invalid, '--shards', '2'], /^loadlens k8s: expected one scenario file, got /],
    ['an unknown flag', [two, '--shards', '2', '--iterations', '9'], /^loadlens k8s: Unknown option '--iterations'/],
    ['a bad run flag, checked as loadlens run would', [two, '--shards', '2', '--scenario', 'a', '--users', 'many', '--run-time', '5 parsecs'], /^loadlens k8s: --users: must be a positive integer, got 'many'; --run-time: /m],
    ['a bad --host', [two, '--shards', '2', '--scenario', 'a', '--host', 'shop:8080'], /^loadlens k8s: --host: /m],
  ];
  for (const [what, args, expected] of cases) {
    test(what, async () => {
      const { code, stdout, stderr } = await cli(['k8s', ...args]);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      assert.match(stderr, expected);
    });
  }

  test('default names: a UUID run id by its first 8 characters, a run id of the user\'s whole', async () => {
    const [uuid, own] = await Promise.all([
      cli(['k8s', two, '--scenario', 'b', '--shards', '2', '--run-id', '0f4c2a9e-1b3d-4e5f-8a7b-6c5d4e3f2a1b']),
      cli(['k8s', two, '--scenario', 'b', '--shards', '2', '--run-id', 'Nightly_2026.11.29']),
    ]);
    assert.equal(documents(uuid.stdout).job.metadata?.name, 'loadlens-b-0f4c2a9e');
    assert.equal(documents(own.stdout).job.metadata?.name, 'loadlens-b-nightly-2026-11-29');
    assert.equal(documents(own.stdout).job.metadata?.labels?.['loadlens.dev/run-id'], 'Nightly_2026.11.29');
  });

  test('run flags go to every pod as typed (the whole plan; each pod runs its share), and --host replaces the loopback warning', async () => {
    const local = write('errors/local.load.ts', [
      "import { scenario } from 'loadlens';",
      "export const a = scenario({ host: 'http://127.0.0.1:8080', users: 1 }, async ({ http }) => { await http.get('/'); });",
    ]);
    const [plain, flagged] = await Promise.all([
      cli(['k8s', local, '--shards', '3']),
      cli(['k8s', local, '--shards', '3', '-H', 'http://shop.default.svc:8080', '--users', '300', '-r', '10', '--run-time', '10m']),
    ]);
    assert.equal(flagged.code, 0, flagged.stderr);
    assert.match(plain.stderr, /warning: the scenario's host is http:\/\/127\.0\.0\.1:8080: in a pod that is the pod itself/);
    assert.doesNotMatch(flagged.stderr, /warning/);
    const args = container(documents(flagged.stdout).job).args!;
    assert.deepEqual(args.slice(2, 10), ['--host', 'http://shop.default.svc:8080', '--users', '300', '--spawn-rate', '10', '--run-time', '10m']);
    assert.ok(!container(documents(plain.stdout).job).args!.includes('--host'));
  });

  test('--help: the usage on stdout, exit 0', async () => {
    const { code, stdout } = await cli(['k8s', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /^loadlens k8s FILE --shards N /);
    assert.match(stdout, /kubectl create secret generic loadlens-otel/);
  });
});

/**
 * A container's environment as the kubelet builds it for pod `index`: each `env` entry in order, a
 * value's $(VAR) expanded from the entries above it, the downward API's fields from this pod.
 */
function podEnvironment(job: IJob, index: number): Record<string, string> {
  const pod = { 'metadata.name': `${job.metadata?.name}-${index}-local`, 'metadata.namespace': 'default', 'spec.nodeName': 'this-machine',
    "metadata.annotations['batch.kubernetes.io/job-completion-index']": String(index) } as Record<string, string>;
  const env: Record<string, string> = {};
  for (const variable of container(job).env ?? []) {
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    if (fieldPath !== undefined) {
      assert.ok(Object.hasOwn(pod, fieldPath), `a field the downward API gives: ${fieldPath}`);
      env[variable.name] = pod[fieldPath]!;
    } else env[variable.name] = expand(variable.value ?? '', env);
  }
  return env;
}

describe('the pods, run here', () => {
  const received = new Map<string, number>();
  const server = http.createServer((req, res) => {
    received.set(req.url!, (received.get(req.url!) ?? 0) + 1);
    req.resume();
    res.end('ok');
  });
  let receiver: OtlpReceiver;
  let host = '';
  // In hooks, which run only when a test of this suite does (a --test-name-pattern may pick none).
  before(async () => {
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    receiver = await startOtlpReceiver({ port: 0 });
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await receiver?.close();
  });
  const shards = 3;
  let mount = '';
  let job: IJob | undefined;
  let files: string[] = [];

  test(`${shards} pods' commands, $(VAR) expanded per index: each prints its shard's report last, and the shards add up to what the target received`, async () => {
    const file = write('pods/counted.load.ts', [
      "import { scenario, constant } from 'loadlens';",
      `export const counted = scenario({ host: '${host}', users: 7, spawnRate: 100, runTime: '2s', wait: constant(0.05) }, async ({ http }) => {`,
      "  await http.get('/a');",
      "  await http.get('/b');",
      '});',
    ]);
    const generated = await cli(['k8s', file, '--shards', String(shards), '--run-id', 'local-run-1', '--otel-endpoint', receiver.url]);
    assert.equal(generated.code, 0, generated.stderr);
    const objects = documents(generated.stdout);
    job = objects.job;
    mount = mountConfigMap(objects.configMap.data ?? {});
    const { command = [], args = [] } = container(job);
    assert.deepEqual(command, ['loadlens']);

    const logs = mkdtempSync(path.join(os.tmpdir(), 'loadlens-k8s-logs-'));
    const pods = await Promise.all(Array.from({ length: shards }, (_, index) => {
      const env = podEnvironment(job!, index);
      assert.equal(env.JOB_COMPLETION_INDEX, String(index));
      const argv = args.map(arg => expand(arg, env).replace(/^\/scenario\//, `${mount}/`));
      assert.equal(argv[argv.indexOf('--shard') + 1], `${index}/${shards}`);
      // The container's log, as `kubectl logs` reads it: stdout and stderr in one stream, in order.
      const name = env.K8S_POD_NAME!;
      const log = path.join(logs, `${name}.log`);
      const fd = openSync(log, 'w');
      return new Promise<{ name: string; code: number | null; log: string }>(resolve => {
        const child = spawn(process.execPath, [MAIN, ...argv], { cwd: mount, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
        child.on('exit', code => {
          closeSync(fd);
          resolve({ name, code, log: readFileSync(log, 'utf8') });
        });
      });
    }));
    // As the README collects them: `kubectl logs "$pod" | tail -n 1 > "${pod#pod/}.json"`.
    const lastLines = pods.map(pod => {
      assert.equal(pod.code, 0, pod.log.slice(-2000));
      const lines = pod.log.trimEnd().split('\n');
      assert.deepEqual(lines.filter(line => !line.startsWith('{"type":')), [], 'nothing but NDJSON in the log');
      return lines.at(-1)!;
    });
    files = pods.map((pod, index) => {
      const reportFile = path.join(logs, `${pod.name}.json`);
      writeFileSync(reportFile, `${lastLines[index]}\n`);
      return reportFile;
    });
    const reports = lastLines.map(line => (JSON.parse(line) as { type: string; report: RunReport }));
    assert.deepEqual(reports.map(r => [r.type, r.report.header.runId, r.report.header.shard]), Array.from({ length: shards }, (_, index) => ['report', 'local-run-1', { index, count: shards }]));
    assert.ok((received.get('/a') ?? 0) > 0);
    const summed = new Map<string, number>();
    for (const { report } of reports) for (const row of report.requests.filter(r => r.method === 'GET')) summed.set(row.name, (summed.get(row.name) ?? 0) + row.count);
    assert.deepEqual(Object.fromEntries(summed), Object.fromEntries(received));
    // Every span says which run and which pod sent it: the run id, the shard and the pod's k8s.* attributes.
    const clients = receiver.spans().filter(s => s.kindName === 'CLIENT');
    assert.equal(clients.length, reports.reduce((sum, r) => sum + r.report.totals.requests, 0));
    assert.deepEqual(new Set(clients.map(s => s.resource['loadlens.run.id'])), new Set(['local-run-1']));
    assert.deepEqual(new Set(clients.map(s => s.resource['loadlens.shard'])), new Set(['0/3', '1/3', '2/3']));
    assert.deepEqual(new Set(clients.map(s => s.resource['k8s.pod.name'])), new Set(pods.map(p => p.name)));
    assert.deepEqual(new Set(clients.map(s => s.resource['k8s.job.name'])), new Set([job.metadata?.name]));
    assert.deepEqual(new Set(clients.map(s => s.resource['k8s.namespace.name'])), new Set(['default']));
  });

  test('loadlens merge of the pods\' last lines: per-row counts equal what the target received', async () => {
    assert.equal(files.length, shards, 'the pods ran');
    const mergedFile = path.join(path.dirname(files[0]!), 'merged.json');
    const merged = await cli(['merge', ...files, '--report', mergedFile]);
    assert.equal(merged.code, 0, merged.stderr);
    const report = JSON.parse(readFileSync(mergedFile, 'utf8')) as RunReport;
    assert.equal(report.header.runId, 'local-run-1');
    assert.equal(report.mergedShards, shards);
    assert.equal(merged.stderr, '', 'no shard missing');
    const counts = Object.fromEntries(report.requests.filter(r => r.method === 'GET').map(r => [r.name, r.count]));
    assert.deepEqual(counts, Object.fromEntries(received));
    assert.equal(report.totals.requests, [...received.values()].reduce((a, b) => a + b, 0));
  });
});
