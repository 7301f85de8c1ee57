/**
 * The shop's knobs, from command-line flags and environment variables (a flag wins over its
 * variable). Pure: takes argv and env, returns options or throws one message listing every error.
 */
import type { ShopOptions } from './shop.ts';

export const USAGE = `usage: node examples/shop/main.ts [options]
  --port N          port to listen on; 0 picks a free one (env SHOP_PORT, default 8080)
  --host ADDR       address to listen on (env SHOP_HOST, default 127.0.0.1)
  --latency-ms N    latency added to every response (env SHOP_LATENCY_MS, default 0)
  --jitter-ms N     up to N ms more, uniformly at random (env SHOP_JITTER_MS, default 0)
  --error-rate F    fraction 0..1 of requests answered 500 (env SHOP_ERROR_RATE, default 0)
Telemetry: the standard OTEL_* variables, e.g. OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318`;

interface Knob {
  flag: string;
  variable: string;
  option: 'port' | 'host' | 'latencyMs' | 'jitterMs' | 'errorRate';
}

const KNOBS: readonly Knob[] = [
  { flag: '--port', variable: 'SHOP_PORT', option: 'port' },
  { flag: '--host', variable: 'SHOP_HOST', option: 'host' },
  { flag: '--latency-ms', variable: 'SHOP_LATENCY_MS', option: 'latencyMs' },
  { flag: '--jitter-ms', variable: 'SHOP_JITTER_MS', option: 'jitterMs' },
  { flag: '--error-rate', variable: 'SHOP_ERROR_RATE', option: 'errorRate' },
];

export type ShopCliOptions = Required<Pick<ShopOptions, 'port' | 'host' | 'latencyMs' | 'jitterMs' | 'errorRate'>>;

/** Parses `--flag value` and `--flag=value`; throws an Error whose message lists every problem, then the usage. */
export function parseShopOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ShopCliOptions {
  const raw = new Map<Knob, string>();
  const errors: string[] = [];
  for (const knob of KNOBS) {
    const value = env[knob.variable];
    if (value !== undefined && value !== '') raw.set(knob, value);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const knob = KNOBS.find(candidate => candidate.flag === flag);
    if (knob === undefined) {
      errors.push(`unknown argument '${arg}'`);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) errors.push(`${flag} needs a value`);
    else raw.set(knob, value);
  }

  const options: ShopCliOptions = { port: 8080, host: '127.0.0.1', latencyMs: 0, jitterMs: 0, errorRate: 0 };
  for (const knob of KNOBS) {
    const value = raw.get(knob);
    if (value === undefined) continue;
    if (knob.option === 'host') {
      options.host = value;
      continue;
    }
    const number = Number(value);
    const where = `${knob.flag} (${knob.variable})`;
    if (value.trim() === '' || !Number.isFinite(number) || number < 0) errors.push(`${where} must be a number ≥ 0, got '${value}'`);
    else if (knob.option === 'port' && (!Number.isInteger(number) || number > 65535)) errors.push(`${where} must be an integer 0..65535, got '${value}'`);
    else if (knob.option === 'errorRate' && number > 1) errors.push(`${where} must be between 0 and 1, got '${value}'`);
    else options[knob.option] = number;
  }
  if (errors.length > 0) throw new Error(`${errors.join('\n')}\n${USAGE}`);
  return options;
}
