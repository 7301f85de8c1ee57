/**
 * `loadlens k8s`: the Kubernetes objects of a distributed run, as data and as YAML. Pure: options in,
 * objects and text out; the CLI (cli/k8s.ts) bundles the scenario and prints the text.
 *
 * A distributed run is N shards of one plan (`loadlens run --shard i/N`), scheduled by one Indexed Job
 * (pod i runs shard i) and joined afterwards by the run id: every shard exports the same
 * `loadlens.run.id`, and `loadlens merge` adds up the reports the pods print as their last line. No
 * coordinator: the Job controller is the only thing that knows about all the shards.
 *
 * The objects are typed with kubernetes-models' interfaces (generated from the Kubernetes OpenAPI
 * schema), so a misspelt field is a compile error; the tests validate the generated YAML against the
 * same schema at run time.
 */
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { Document } from 'yaml';
import { MAX_SHARDS, runIdProblem } from '../run/shard.ts';

/** What `loadlens k8s` was asked for, checked by {@link k8sOptionsProblem}. */
export interface K8sRunOptions {
  /** Name of the Job and of the ConfigMap (a DNS label: the pods are named `NAME-INDEX-xxxxx`). */
  name: string;
  /** Namespace of both objects; undefined: the one kubectl's context uses. */
  namespace?: string;
  /** How many shards, hence pods: completions = parallelism = shards. */
  shards: number;
  /** The image with the loadlens CLI (the repository's Dockerfile builds one). */
  image: string;
  /** The run id every shard exports as `loadlens.run.id`, also the pods' label. */
  runId: string;
  /** Key of the bundled scenario in the ConfigMap, hence its file name in the pod, e.g. 'shop.load.mjs'. */
  scenarioKey: string;
  /** The bundled scenario: one self-contained ES module importing nothing but 'loadlens' and Node built-ins. */
  scenarioCode: string;
  /** The scenario to run (its export name); undefined when the file has exactly one. */
  scenario?: string;
  /** OTLP/HTTP base URL for OTEL_EXPORTER_OTLP_ENDPOINT; undefined: the image's environment or the Secret decides. */
  otelEndpoint?: string;
  /** The user's scenario file as they named it, for the header comment only. */
  sourceFile: string;
  /**
   * `--host`, `--users`, `--spawn-rate`, `--run-time` for every pod, as typed (already checked against
   * the scenario): the cluster usually reaches the target by another name than the author's machine.
   */
  overrides?: RunFlags;
}

/** The run flags `loadlens k8s` passes on to each pod's `loadlens run`. */
export interface RunFlags {
  host?: string;
  users?: string;
  spawnRate?: string;
  runTime?: string;
}

/** Where the ConfigMap is mounted in each pod. */
export const SCENARIO_DIR = '/scenario';
/** The container's name, which the pod failure policy and `kubectl logs -c` refer to. */
export const CONTAINER_NAME = 'loadlens';
/** The label every object and pod of a run carries: `kubectl get pods -l loadlens.dev/run-id=ID`. */
export const RUN_ID_LABEL = 'loadlens.dev/run-id';
/**
 * An optional Secret whose keys become the pods' environment (envFrom): OTLP headers with an API token
 * (`OTEL_EXPORTER_OTLP_HEADERS`), or the endpoint itself, stay out of the YAML and out of the shell history.
 */
export const OTEL_SECRET = 'loadlens-otel';
/** The annotation the Job controller sets on each pod of an Indexed Job: its completion index. */
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/**
 * A ConfigMap holds at most 1 MiB of data (the API server rejects more); a little is left for the key
 * and the object's own fields.
 */
export const MAX_SCENARIO_BYTES = 1024 * 1024 - 4096;

/** The exit code of `loadlens run` for an invalid scenario or invalid arguments (cli/common.ts EXIT.invalid). */
const EXIT_INVALID = 2;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * What is wrong with the options, naming the flag, or undefined when Kubernetes will accept them.
 * Kubernetes' own rules: names are DNS labels (at most 63 characters, and an Indexed Job's pod hostname
 * is `NAME-INDEX`, which must be one too); the run id is a label value. The number of shards is the
 * engine's limit for `--shard i/N` (Kubernetes allows 100,000 indexes).
 */
export function k8sOptionsProblem(options: K8sRunOptions): string | undefined {
  return flagsProblem(options) ?? scenarioProblem(options);
}

/** {@link k8sOptionsProblem} for the flags alone, those given: checked before the scenario is bundled. */
export function flagsProblem(flags: Partial<Pick<K8sRunOptions, 'name' | 'namespace' | 'image' | 'runId' | 'otelEndpoint'>> & { shards: number }): string | undefined {
  const { name, namespace, shards, image, runId, otelEndpoint } = flags;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
    return `--shards: '${shards}' must be a whole number from 1 to ${MAX_SHARDS}`;
  }
  const hostname = `${name}-${shards - 1}`;
  if (name !== undefined && (!DNS_LABEL.test(name) || hostname.length > 63)) {
    return `--name: '${name}' must be lower-case letters, digits and '-', start and end with a letter or digit, and leave room for the pod hostname '${hostname}' (at most 63 characters)`;
  }
  if (namespace !== undefined && (!DNS_LABEL.test(namespace) || namespace.length > 63)) {
    return `--namespace: '${namespace}' is not a namespace name (lower-case letters, digits and '-', at most 63 characters)`;
  }
  // The engine's own rule (`loadlens run --run-id`), which is Kubernetes' for a label value.
  const badRunId = runId === undefined ? undefined : runIdProblem(runId);
  if (badRunId) return `--run-id: ${badRunId}`;
  if (image !== undefined && (image === '' || /\s/.test(image))) return `--image: '${image}' is not an image reference, e.g. registry.example/loadlens:0.1.0`;
  if (otelEndpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(otelEndpoint);
    } catch {
      return `--otel-endpoint: '${otelEndpoint}' is not a URL, e.g. http://otel-collector.observability:4318`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `--otel-endpoint: '${otelEndpoint}' must be an http:// or https:// URL (OTLP/HTTP)`;
    // The YAML is printed, applied, committed: a password in it would leak everywhere.
    if (url.username || url.password) {
      return `--otel-endpoint: the URL carries credentials; put them in the Secret '${OTEL_SECRET}' instead (see loadlens k8s --help), never in the YAML`;
    }
  }
  return undefined;
}

function scenarioProblem({ scenarioKey, scenarioCode }: K8sRunOptions): string | undefined {
  if (!CONFIG_MAP_KEY.test(scenarioKey)) return `the scenario's file name '${scenarioKey}' is not a ConfigMap key`;
  const bytes = Buffer.byteLength(scenarioCode);
  if (bytes > MAX_SCENARIO_BYTES) {
    return `the bundled scenario is ${Math.ceil(bytes / 1024)} KiB and a ConfigMap holds at most 1 MiB: load large data at run time instead of importing it`;
  }
  return undefined;
}

/** The ConfigMap and the Job of a run. Assumes options that {@link k8sOptionsProblem} accepts. */
export function k8sObjects(options: K8sRunOptions): { configMap: IConfigMap; job: IJob } {
  const { name, namespace, shards, image, runId, scenarioKey, scenarioCode, otelEndpoint } = options;
  const labels = {
    'app.kubernetes.io/name': 'loadlens',
    'app.kubernetes.io/instance': name,
    [RUN_ID_LABEL]: runId,
  };
  const metadata = { name, ...(namespace !== undefined ? { namespace } : {}), labels };

  const configMap: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata,
    data: { [scenarioKey]: scenarioCode },
  };

  const env: IEnvVar[] = [
    // The Job controller adds this variable itself, but only to the pods it creates, and only when the
    // container does not define it: defined here, the $(JOB_COMPLETION_INDEX) in args below does not
    // depend on that (and reads the same annotation the controller would).
    { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } },
    { name: 'K8S_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'K8S_NAMESPACE_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    // The OTel semantic conventions' k8s.* resource attributes: each shard's spans and metrics say which
    // pod and node sent them. (An env value may refer to variables defined above it.)
    {
      name: 'OTEL_RESOURCE_ATTRIBUTES',
      value: `k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.job.name=${name},k8s.pod.name=$(K8S_POD_NAME),k8s.node.name=$(K8S_NODE_NAME)`,
    },
    ...(otelEndpoint !== undefined ? [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: otelEndpoint }] : []),
  ];

  const job: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata,
    spec: {
      completionMode: 'Indexed',
      completions: shards,
      parallelism: shards,
      // A shard is a share of the load over time: run again later, it would not be the same run, and
      // `loadlens merge` takes one report per shard. So a failed pod is not replaced (one pod per index,
      // ever), and its failure stays its own: the other shards go on, where reaching the Job's
      // backoffLimit would stop them all. A pod stopped by the cluster (a node drain) gets SIGTERM: the
      // engine stops gracefully and prints the report of what it ran.
      backoffLimitPerIndex: 0,
      podFailurePolicy: {
        // Invalid scenario or arguments: every shard fails alike, stop them all at once.
        rules: [{ action: 'FailJob', onExitCodes: { containerName: CONTAINER_NAME, operator: 'In', values: [EXIT_INVALID] } }],
      },
      // A day to collect the reports from the pods' logs; then the cluster deletes the Job and its pods.
      ttlSecondsAfterFinished: 24 * 60 * 60,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          // The engine talks to the target and the OTLP endpoint, never to the Kubernetes API.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: CONTAINER_NAME,
            image,
            imagePullPolicy: 'IfNotPresent',
            command: ['loadlens'],
            args: shardArgs(options),
            env,
            envFrom: [{ secretRef: { name: OTEL_SECRET, optional: true } }],
            resources: {
              // The engine's users run on one core (one worker thread; the main thread only aggregates).
              // No CPU limit: CFS throttling would pause the load generator mid-request, and the pauses
              // would show up as the target's latency.
              requests: { cpu: '1', memory: '1Gi' },
              limits: { memory: '1Gi' },
            },
            // A pod that failed shows the end of its log in `kubectl describe`.
            terminationMessagePolicy: 'FallbackToLogsOnError',
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            volumeMounts: [
              { name: 'scenario', mountPath: SCENARIO_DIR, readOnly: true },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          }],
          volumes: [
            { name: 'scenario', configMap: { name } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
  return { configMap, job };
}

/**
 * The container's arguments (after the `loadlens` command): shard `$(JOB_COMPLETION_INDEX)/N` of the
 * plan, the run id, telemetry on, and `--json`, whose last stdout line is the report (NDJSON: a snapshot
 * a second, then the report). Kubernetes expands `$(VAR)` in args from the container's environment and
 * turns `$$` into `$`, so every other `$` is doubled to reach the engine as written.
 */
function shardArgs({ shards, runId, scenarioKey, scenario, overrides = {} }: K8sRunOptions): string[] {
  const flag = (name: string, value: string | undefined) => (value !== undefined ? [name, literal(value)] : []);
  return [
    'run', literal(`${SCENARIO_DIR}/${scenarioKey}`),
    ...flag('--scenario', scenario),
    ...flag('--host', overrides.host), ...flag('--users', overrides.users),
    ...flag('--spawn-rate', overrides.spawnRate), ...flag('--run-time', overrides.runTime),
    '--shard', `$(JOB_COMPLETION_INDEX)/${shards}`,
    '--run-id', literal(runId),
    '--headless', '--otel', '--json',
  ];
}

/** `text` as a literal in a container's command or args: `$$` is Kubernetes' escape for `$`. */
export function literal(text: string): string {
  return text.replaceAll('$', () => '$$');
}

/**
 * The YAML for `kubectl apply -f`: a comment with the run id and the commands to collect and merge the
 * shards' reports, then the ConfigMap, then the Job.
 */
export function k8sYaml(options: K8sRunOptions): string {
  const { configMap, job } = k8sObjects(options);
  // Without aliases: the labels object shared by the Job and its pod template is written out twice, as a person would.
  const first = new Document(configMap, { aliasDuplicateObjects: false });
  first.commentBefore = headerComment(options);
  const second = new Document(job, { aliasDuplicateObjects: false });
  // lineWidth 0: no folding, so a long value (the OTEL_RESOURCE_ATTRIBUTES template) stays on one line.
  const text = (doc: Document) => doc.toString({ lineWidth: 0 });
  return `${text(first)}---\n${text(second)}`;
}

/** The commands to wait for the run, collect each pod's report and merge them, for the comment and the README. */
export function collectCommands({ name, namespace, runId }: Pick<K8sRunOptions, 'name' | 'namespace' | 'runId'>): string[] {
  const ns = namespace !== undefined ? ` -n ${namespace}` : '';
  return [
    `until kubectl get job/${name}${ns} -o jsonpath='{.status.conditions[*].type}' | grep -qwE 'Complete|Failed'; do sleep 10; done`,
    // Not `kubectl logs --tail=1`: the container runtime stores a long line (the report) in 16 KiB
    // pieces, and --tail counts pieces, so it would return the report's last piece only.
    `for pod in $(kubectl get pods${ns} -l ${RUN_ID_LABEL}=${runId} -o name); do kubectl logs${ns} "$pod" | tail -n 1 > "\${pod#pod/}.json"; done`,
    `loadlens merge ${name}-*.json --report ${name}.html --report ${name}.json`,
  ];
}

function headerComment(options: K8sRunOptions): string {
  const { name, shards, runId, scenario, sourceFile, otelEndpoint } = options;
  const [wait, collect, merge] = collectCommands(options);
  const what = `${scenario !== undefined ? `scenario '${scenario}' of ` : ''}${sourceFile}`;
  return [
    ` Loadlens: ${what} in ${shards} shard${shards === 1 ? '' : 's'}, run id ${runId}`,
    ` (generated by loadlens k8s; Kubernetes >= 1.29 for backoffLimitPerIndex).`,
    '',
    ` Start:    kubectl apply -f FILE.yaml (this file)`,
    ` Wait:     ${wait}`,
    ` Collect:  ${collect}`,
    ` Merge:    ${merge}`,
    ` Telemetry: ${otelEndpoint !== undefined ? `sent to ${otelEndpoint}` : `to the OTLP endpoint of the Secret '${OTEL_SECRET}' (key OTEL_EXPORTER_OTLP_ENDPOINT), else http://localhost:4318`};`,
    `   in your platform, filter on loadlens.run.id = ${runId}; loadlens.shard tells the shards apart.`,
    ` Job and pods are deleted a day after the run ends (ttlSecondsAfterFinished); ${name} names both objects.`,
  ].join('\n');
}
