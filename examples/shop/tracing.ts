/**
 * Whether zero-code auto-instrumentation is running in this process: started with
 * `--require @opentelemetry/auto-instrumentations-node/register`, it registered a tracer provider;
 * without it the global one is the API's no-op.
 */
import { trace, type ProxyTracerProvider } from '@opentelemetry/api';

export function tracingOn(): boolean {
  const provider = trace.getTracerProvider() as Partial<ProxyTracerProvider>;
  const delegate = provider.getDelegate?.() ?? provider;
  return delegate.constructor.name !== 'NoopTracerProvider';
}

/**
 * Stops a service on SIGINT or SIGTERM: `close` lets in-flight requests finish, bounded by 5 s; a
 * second signal exits at once. The auto-instrumentation flushes the spans itself (on SIGTERM, and
 * before the process exits).
 */
export function stopOnSignals(name: string, close: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`${name}: ${signal}, stopping`);
    // Bounded: a client holding a request open must not keep the service alive forever.
    const deadline = setTimeout(() => {
      console.error(`${name}: did not stop within 5 s, exiting`);
      process.exit(1);
    }, 5000);
    deadline.unref();
    await close();
    clearTimeout(deadline);
    process.exitCode = 0;
  };
  process.on('SIGINT', signal => void stop(signal));
  process.on('SIGTERM', signal => void stop(signal));
}
