/**
 * The knobs of the shop and of the inventory service, from command-line flags and environment
 * variables (a flag wins over its variable). Pure: takes argv and env, returns options or throws one
 * message listing every error, then the usage.
 */
import type { InventoryOptions } from './inventory.ts';
import type { ShopOptions } from './shop.ts';

const TELEMETRY = `Telemetry (zero-code): start it with
  --require @opentelemetry/auto-instrumentations-node/register
and the standard OTEL_* variables, e.g. OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318`;

export const USAGE = `usage: node examples/shop/main.ts [options]
  --port N          port to listen on; 0 picks a free one (env SHOP_PORT, default 8080)
  --host ADDR       address to listen on (env SHOP_HOST, default 127.0.0.1)
  --latency-ms N    latency added to every response (env SHOP_LATENCY_MS, default 0)
  --jitter-ms N     up to N ms more, uniformly at random (env SHOP_JITTER_MS, default 0)
  --error-rate F    fraction 0..1 of requests answered 500 (env SHOP_ERROR_RATE, default 0)
  --inventory URL   the inventory service (examples/shop/inventory-main.ts) that /product/:id,
                    /checkout/confirm and /slowdb call (env SHOP_INVENTORY_URL); none: the shop
                    answers from its own catalogue and /slowdb is 404
${TELEMETRY}`;

export const INVENTORY_USAGE = `usage: node examples/shop/inventory-main.ts [options]
  --port N            port to listen on; 0 picks a free one (env INVENTORY_PORT, default 8081)
  --host ADDR         address to listen on (env INVENTORY_HOST, default 127.0.0.1)
  --db-latency-ms N   time every database query takes, at least (env INVENTORY_DB_LATENCY_MS, default 0)
  --slow-db-ms N      time the stock report's query takes, at least (env INVENTORY_SLOW_DB_MS, default 150)
  --error-rate F      fraction 0..1 of queries failing 'database is locked' (env INVENTORY_ERROR_RATE, default 0)
  --clock-skew-ms N   shifts this process's wall clock by N ms, e.g. -5: its spans then start before
                      their parents, as on a host whose clock is off (env INVENTORY_CLOCK_SKEW_MS, default 0)
${TELEMETRY}`;

type Kind = 'port' | 'text' | 'url' | 'ms' | 'rate' | 'skew';

interface Knob<O> {
  flag: string;
  variable: string;
  option: keyof O & string;
  kind: Kind;
}

export type ShopCliOptions = Required<Pick<ShopOptions, 'port' | 'host' | 'latencyMs' | 'jitterMs' | 'errorRate'>> & Pick<ShopOptions, 'inventoryUrl'>;

export type InventoryCliOptions = Required<Pick<InventoryOptions, 'port' | 'host' | 'dbLatencyMs' | 'slowDbMs' | 'errorRate'>> & { clockSkewMs: number };

const SHOP_KNOBS: readonly Knob<ShopCliOptions>[] = [
  { flag: '--port', variable: 'SHOP_PORT', option: 'port', kind: 'port' },
  { flag: '--host', variable: 'SHOP_HOST', option: 'host', kind: 'text' },
  { flag: '--latency-ms', variable: 'SHOP_LATENCY_MS', option: 'latencyMs', kind: 'ms' },
  { flag: '--jitter-ms', variable: 'SHOP_JITTER_MS', option: 'jitterMs', kind: 'ms' },
  { flag: '--error-rate', variable: 'SHOP_ERROR_RATE', option: 'errorRate', kind: 'rate' },
  { flag: '--inventory', variable: 'SHOP_INVENTORY_URL', option: 'inventoryUrl', kind: 'url' },
];

const INVENTORY_KNOBS: readonly Knob<InventoryCliOptions>[] = [
  { flag: '--port', variable: 'INVENTORY_PORT', option: 'port', kind: 'port' },
  { flag: '--host', variable: 'INVENTORY_HOST', option: 'host', kind: 'text' },
  { flag: '--db-latency-ms', variable: 'INVENTORY_DB_LATENCY_MS', option: 'dbLatencyMs', kind: 'ms' },
  { flag: '--slow-db-ms', variable: 'INVENTORY_SLOW_DB_MS', option: 'slowDbMs', kind: 'ms' },
  { flag: '--error-rate', variable: 'INVENTORY_ERROR_RATE', option: 'errorRate', kind: 'rate' },
  { flag: '--clock-skew-ms', variable: 'INVENTORY_CLOCK_SKEW_MS', option: 'clockSkewMs', kind: 'skew' },
];

/** The shop's options; `--flag value` and `--flag=value`. */
export function parseShopOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ShopCliOptions {
  return parseKnobs(SHOP_KNOBS, argv, env, { port: 8080, host: '127.0.0.1', latencyMs: 0, jitterMs: 0, errorRate: 0 }, USAGE);
}

/** The inventory service's options; `--flag value` and `--flag=value`. */
export function parseInventoryOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): InventoryCliOptions {
  return parseKnobs(INVENTORY_KNOBS, argv, env, { port: 8081, host: '127.0.0.1', dbLatencyMs: 0, slowDbMs: 150, errorRate: 0, clockSkewMs: 0 }, INVENTORY_USAGE);
}

function parseKnobs<O extends object>(knobs: readonly Knob<O>[], argv: readonly string[], env: NodeJS.ProcessEnv, defaults: O, usage: string): O {
  const raw = new Map<Knob<O>, string>();
  const errors: string[] = [];
  for (const knob of knobs) {
    const value = env[knob.variable];
    if (value !== undefined && value !== '') raw.set(knob, value);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const knob = knobs.find(candidate => candidate.flag === flag);
    if (knob === undefined) {
      errors.push(`unknown argument '${arg}'`);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) errors.push(`${flag} needs a value`);
    else raw.set(knob, value);
  }

  const options = { ...defaults } as Record<string, unknown>;
  for (const knob of knobs) {
    const value = raw.get(knob);
    if (value === undefined) continue;
    const where = `${knob.flag} (${knob.variable})`;
    if (knob.kind === 'text') {
      options[knob.option] = value;
      continue;
    }
    if (knob.kind === 'url') {
      if (!/^https?:\/\/[^/\s]+/.test(value)) errors.push(`${where} must be an http:// or https:// URL, got '${value}'`);
      else options[knob.option] = value.replace(/\/+$/, '');
      continue;
    }
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) errors.push(`${where} must be a number${knob.kind === 'skew' ? '' : ' ≥ 0'}, got '${value}'`);
    else if (knob.kind !== 'skew' && number < 0) errors.push(`${where} must be a number ≥ 0, got '${value}'`);
    else if (knob.kind === 'port' && (!Number.isInteger(number) || number > 65535)) errors.push(`${where} must be an integer 0..65535, got '${value}'`);
    else if (knob.kind === 'rate' && number > 1) errors.push(`${where} must be between 0 and 1, got '${value}'`);
    else options[knob.option] = number;
  }
  if (errors.length > 0) throw new Error(`${errors.join('\n')}\n${usage}`);
  return options as O;
}
