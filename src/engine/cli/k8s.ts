/**
 * `loadlens k8s FILE --shards N`: the YAML of a Kubernetes Indexed Job running N shards (k8s/).
 */
import { formatDiagnostic } from '../../shared/report.ts';
import { ENGINE_VERSION, EXIT, parseCommand } from './common.ts';

export const K8S_USAGE = `loadlens k8s FILE --shards N [--image IMG] [--namespace NS] [--otel-endpoint URL]
                              [--scenario NAME] [--run-id ID] [--name NAME]
                              [-H HOST] [-u USERS] [-r SPAWN_RATE] [-t RUN_TIME]

Prints the YAML of a distributed run for kubectl apply: a ConfigMap holding the scenario bundled to one
file, and an Indexed Job of N pods, pod i running loadlens run --shard i/N with one run id and --otel,
printing its JSON report as its last line. The YAML's first lines give the commands to collect the
reports and merge them (loadlens merge). The scenario is checked first, as loadlens check does.

Options:
  --shards N          the number of pods (shards of the load), 1 to 10000; required
  --image IMG         the image with the loadlens CLI (see the Dockerfile); default loadlens:VERSION
  --namespace NS      the namespace of the Job and ConfigMap; default: kubectl's current one
  --otel-endpoint URL OTLP/HTTP base URL the pods export to (OTEL_EXPORTER_OTLP_ENDPOINT); API
                      tokens go in a Secret instead, which the pods read when it exists:
                        kubectl create secret generic loadlens-otel \
                          --from-literal=OTEL_EXPORTER_OTLP_HEADERS='x-api-key=...'
  --scenario NAME     the scenario to run; needed when the file has several
  --run-id ID         the run id every shard exports as loadlens.run.id; default a new UUID
  --name NAME         the Job's and ConfigMap's name; default loadlens-SCENARIO-RUNID
  -H, --host URL      the target as the cluster reaches it (e.g. http://shop.default.svc:8080),
                      instead of the scenario's host; -u/--users, -r/--spawn-rate and
                      -t/--run-time likewise, for the whole plan (each pod runs its share)

Exit code: 0 the YAML is printed, 2 the scenario or the arguments are invalid.`;

/** `loadlens k8s`: the YAML on stdout; exit 2 with the problem (the scenario's at file:line:column) on stderr. */
export async function k8sCommand(args: string[]): Promise<number> {
  const parsed = parseCommand('k8s', args, {
    shards: { type: 'string' }, image: { type: 'string' }, namespace: { type: 'string' }, 'otel-endpoint': { type: 'string' },
    scenario: { type: 'string' }, 'run-id': { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    host: { type: 'string', short: 'H' }, users: { type: 'string', short: 'u' }, 'spawn-rate': { type: 'string', short: 'r' }, 'run-time': { type: 'string', short: 't' },
  }, { count: 1, what: 'one scenario file' }, K8S_USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const { k8sManifest } = await import('../k8s/index.ts');
  const result = await k8sManifest({
    file: positionals[0]!, shards: values.shards, image: values.image ?? `loadlens:${ENGINE_VERSION === 'dev' ? 'latest' : ENGINE_VERSION}`,
    namespace: values.namespace, otelEndpoint: values['otel-endpoint'], scenario: values.scenario, runId: values['run-id'], name: values.name,
    overrides: { host: values.host, users: values.users, spawnRate: values['spawn-rate'], runTime: values['run-time'] },
  });
  if (!result.ok) {
    if ('problem' in result) process.stderr.write(`loadlens k8s: ${result.problem}\n`);
    else process.stderr.write(`${result.diagnostics.map(formatDiagnostic).join('\n')}\n`);
    return EXIT.invalid;
  }
  process.stdout.write(result.yaml);
  for (const warning of result.warnings) process.stderr.write(`loadlens k8s: warning: ${warning}\n`);
  const { name, shards, runId, otelEndpoint } = result.options;
  process.stderr.write(`loadlens k8s: Job ${name}, ${shards} shard(s), run id ${runId}; the YAML's first lines say how to collect and merge the reports${otelEndpoint === undefined ? `; no --otel-endpoint: the pods export to the Secret's OTEL_EXPORTER_OTLP_ENDPOINT, else localhost:4318` : ''}\n`);
  return EXIT.passed;
}
