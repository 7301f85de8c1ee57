/**
 * The flags of `loadlens run` for the run's own OTLP receiver: `--receiver PORT`, `--forward URL`,
 * `--span-quiet`, `--span-wait`; checked before the run, and the receiver started from them.
 */
import { forwardUrlProblem } from '../../receiver/forward.ts';
import { formatDuration, tryParseDuration } from '../../shared/duration.ts';
import { EXIT } from './common.ts';
// Types only: the receiver (its decoder, the breakdown) is loaded when a run asks for it.
import type { RunReceiver, RunReceiverOptions } from './receiver.ts';

/**
 * Longer than the 5 s batch delay OpenTelemetry SDKs use by default (OTEL_BSP_SCHEDULE_DELAY): each
 * service's last batch comes up to that long after the load, and services export independently, so a
 * shorter quiet period may end the wait between two services' batches.
 */
export const DEFAULT_SPAN_QUIET_MS = 6000;
export const DEFAULT_SPAN_WAIT_MS = 15_000;

export const RECEIVER_USAGE = `  --receiver PORT     start an OTLP/HTTP receiver on 127.0.0.1:PORT (0: a free port; its URL is
                      printed) for your application's OTEL_EXPORTER_OTLP_ENDPOINT: every span it gets
                      feeds the breakdown (where each row's time went) in the summary and the report;
                      with --otel and no OTEL_EXPORTER_OTLP_*ENDPOINT set, Loadlens's spans go there too
  --forward URL       with --receiver: pass everything received on, unchanged (headers included),
                      to your platform's OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318
  --span-quiet T      after the load, wait for late spans (applications export in batches) until
                      none came for T (default ${formatDuration(DEFAULT_SPAN_QUIET_MS)}: longer than the SDKs' default 5 s batch
                      delay; shorter when your services set a shorter OTEL_BSP_SCHEDULE_DELAY) ...
  --span-wait T       ... but at most T (default ${formatDuration(DEFAULT_SPAN_WAIT_MS)}; 0: no wait); Ctrl+C ends the wait at once`;

interface ReceiverFlags {
  receiver?: string;
  forward?: string;
  'span-quiet'?: string;
  'span-wait'?: string;
}

/** The receiver's options from the flags; undefined without --receiver; or the exit code once the problem is printed. */
export function receiverOptions(values: ReceiverFlags): RunReceiverOptions | undefined | number {
  const problem = (text: string) => {
    process.stderr.write(`loadlens run: ${text}\n`);
    return EXIT.invalid;
  };
  if (values.receiver === undefined) {
    const alone = (['forward', 'span-quiet', 'span-wait'] as const).find(flag => values[flag] !== undefined);
    return alone ? problem(`--${alone} needs --receiver PORT (it is about the spans the receiver gets)`) : undefined;
  }
  const port = Number(values.receiver);
  if (values.receiver.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) return problem(`--receiver must be a port 0..65535 (0: a free one), got '${values.receiver}'`);
  if (values.forward !== undefined) {
    const wrong = forwardUrlProblem(values.forward);
    if (wrong) return problem(`--forward: ${wrong}`);
  }
  const durations: Record<'span-quiet' | 'span-wait', number> = { 'span-quiet': DEFAULT_SPAN_QUIET_MS, 'span-wait': DEFAULT_SPAN_WAIT_MS };
  for (const flag of ['span-quiet', 'span-wait'] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    const parsed = tryParseDuration(text);
    if (!parsed.ok) return problem(`--${flag}: ${parsed.message}`);
    durations[flag] = parsed.ms;
  }
  if (durations['span-quiet'] <= 0) return problem(`--span-quiet must be more than 0, got '${values['span-quiet']}'`);
  return { port, ...(values.forward !== undefined ? { forward: values.forward } : {}), quietMs: durations['span-quiet'], maxWaitMs: durations['span-wait'] };
}

/**
 * Starts the receiver and prints its URL; with `otel` and no endpoint configured, points the engine's
 * own exporter at it (the users' thread and worker processes inherit the environment). Returns the
 * exit code once the problem is printed when it cannot listen.
 */
export async function startRunReceiver(options: RunReceiverOptions, otel: boolean): Promise<RunReceiver | number> {
  const [{ RunReceiver }, { breakdownConsumer }] = await Promise.all([import('./receiver.ts'), import('./breakdown-feed.ts')]);
  let receiver: RunReceiver;
  try {
    receiver = await RunReceiver.start(options, breakdownConsumer());
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const why = code === 'EADDRINUSE' ? `port ${options.port} is taken (--receiver 0 picks a free one)` : code === 'EACCES' ? `port ${options.port} is not allowed here` : message;
    process.stderr.write(`loadlens run: --receiver: cannot listen on 127.0.0.1:${options.port}: ${why}\n`);
    return EXIT.invalid;
  }
  const notes = [`loadlens: OTLP receiver on ${receiver.url}: point your application's OTEL_EXPORTER_OTLP_ENDPOINT there`];
  if (options.forward !== undefined) notes.push(`loadlens: forwarding everything it receives to ${options.forward}`);
  const configured = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'].find(name => (process.env[name] ?? '') !== '');
  if (!otel) notes.push('loadlens: note: without --otel the requests carry no trace context and make no spans, so the breakdown stays empty');
  else if (configured === undefined) process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  else notes.push(`loadlens: note: Loadlens's own spans go to ${configured}, not to the receiver, so the breakdown has no requests to attribute; unset it (and --forward to that platform) to have both`);
  process.stderr.write(`${notes.join('\n')}\n`);
  return receiver;
}
