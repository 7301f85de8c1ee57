/**
 * The leaves of OTLP messages, read from either encoding (protobufjs message objects or OTLP/JSON):
 * ids, 64-bit integers, bytes, enums and attribute values, each accepting either form and rejecting
 * anything else with an OtlpDecodeError. Shared by the span (decode.ts) and metric (decode-metrics.ts)
 * normalisers.
 */
import type { AttributeValue, Attributes, ReceivedSpan } from './types.ts';

/** The body is not a valid export request in its declared encoding; the receiver answers 400 with this message. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

/** A field a message may leave out: absent, or null in OTLP/JSON. */
export type Opt<T> = T | null | undefined;

export interface Resource { attributes?: unknown }
export interface InstrumentationScope { name?: unknown; version?: unknown }
export interface KeyValue { key?: unknown; value?: Opt<AnyValue> }
/** `oneof value`: the one set field says which. */
export interface AnyValue {
  stringValue?: unknown;
  boolValue?: unknown;
  intValue?: unknown;
  doubleValue?: unknown;
  arrayValue?: Opt<{ values?: unknown }>;
  kvlistValue?: Opt<{ values?: unknown }>;
  bytesValue?: unknown;
}

export function scopeOf(raw: Opt<InstrumentationScope>): ReceivedSpan['scope'] {
  return { name: str(raw?.name), version: str(raw?.version) };
}

export function attributes(raw: unknown): Attributes {
  const result: Attributes = {};
  for (const keyValue of messages<KeyValue>(raw, 'attributes')) {
    const key = str(keyValue.key);
    const value = anyValue(keyValue.value);
    // A plain assignment of '__proto__' would replace the object's prototype instead of adding a key.
    if (key === '__proto__') Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
    else result[key] = value;
  }
  return result;
}

/** An AnyValue; null for one with no value set, or for anything that is not a message (lenient inside arrays, as before). */
export function anyValue(message: unknown): AttributeValue {
  if (message === null || typeof message !== 'object') return null;
  const raw: AnyValue = message;
  if (has(raw, 'stringValue')) return str(raw.stringValue);
  if (has(raw, 'boolValue')) return raw.boolValue === true;
  if (has(raw, 'intValue')) return int64Value(raw.intValue);
  if (has(raw, 'doubleValue')) return double(raw.doubleValue);
  if (has(raw, 'arrayValue')) return values(raw.arrayValue?.values, 'arrayValue.values').map(anyValue);
  if (has(raw, 'kvlistValue')) return attributes(raw.kvlistValue?.values);
  if (has(raw, 'bytesValue')) return typeof raw.bytesValue === 'string' ? raw.bytesValue : bufferOf(raw.bytesValue).toString('base64');
  return null;
}

// ---- leaves --------------------------------------------------------------------------------------

/** A set field: an own property in JSON and in protobufjs messages alike (defaults live on the prototype). */
export function has(raw: unknown, key: string): boolean {
  return raw !== null && typeof raw === 'object' && Object.hasOwn(raw, key) && (raw as Record<string, unknown>)[key] != null;
}

const EMPTY: readonly never[] = [];

/** A repeated scalar field (counts, bounds): its values, each still to be read by a leaf reader. */
export function values(raw: unknown, field: string): readonly unknown[] {
  if (raw == null) return EMPTY;
  if (!Array.isArray(raw)) throw new OtlpDecodeError(`'${field}' must be an array`);
  return raw;
}

/**
 * A repeated message field: its messages, each checked to be an object (in OTLP/JSON anything can
 * stand in a list). `T` is the message's shape; its leaves are still read by the leaf readers.
 */
export function messages<T extends object>(raw: unknown, field: string): readonly T[] {
  const list = values(raw, field);
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new OtlpDecodeError(`'${field}[${i}]' must be an object`);
  }
  return list as readonly T[];
}

export function str(raw: unknown): string {
  return raw == null ? '' : String(raw);
}

/** A double; OTLP/JSON may spell the non-finite ones as "NaN", "Infinity", "-Infinity". */
export function double(raw: unknown): number {
  return raw == null ? 0 : Number(raw);
}

export function optionalDouble<K extends 'sum' | 'min' | 'max'>(raw: Partial<Record<K, unknown>>, key: K): number | undefined {
  return has(raw, key) ? double(raw[key]) : undefined;
}

const HEX = /^[0-9a-f]*$/i;

/** Span and trace ids: bytes in protobuf, hex strings in OTLP/JSON; '' when absent. */
export function hexId(raw: unknown, field: string): string {
  if (raw == null) return '';
  if (typeof raw === 'string') {
    if (!HEX.test(raw)) throw new OtlpDecodeError(`'${field}' must be hex in OTLP/JSON, got '${raw.slice(0, 40)}'`);
    return raw.toLowerCase();
  }
  const bytes = bufferOf(raw);
  return bytes.length === 0 ? '' : bytes.toString('hex');
}

export function bufferOf(raw: unknown): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (Array.isArray(raw)) return Buffer.from(raw as number[]);
  throw new OtlpDecodeError(`expected bytes, got ${typeof raw}`);
}

interface LongLike {
  low: number;
  high: number;
}

function isLong(raw: unknown): raw is LongLike {
  return raw !== null && typeof raw === 'object' && typeof (raw as LongLike).low === 'number' && typeof (raw as LongLike).high === 'number';
}

const TWO_32 = 4294967296;
const DECIMAL = /^-?\d+$/;

function decimal(raw: string): string {
  if (!DECIMAL.test(raw)) throw new OtlpDecodeError(`expected a decimal integer, got '${raw.slice(0, 40)}'`);
  return raw;
}

/** An unsigned 64-bit integer (fixed64 nanoseconds) as an exact decimal string; '0' when absent. */
export function uint64String(raw: unknown): string {
  if (isLong(raw)) {
    const high = raw.high >>> 0;
    const low = raw.low >>> 0;
    // Below 2^53 a double is exact and much cheaper than a bigint.
    if (high < 0x200000) return String(high * TWO_32 + low);
    return ((BigInt(high) << 32n) | BigInt(low)).toString();
  }
  if (typeof raw === 'string') return BigInt(decimal(raw)).toString();
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? String(raw) : BigInt(Math.trunc(raw)).toString();
  return '0';
}

/** An unsigned 64-bit count as a number (counts never approach 2^53). */
export function uint64Number(raw: unknown): number {
  if (isLong(raw)) return (raw.high >>> 0) * TWO_32 + (raw.low >>> 0);
  if (typeof raw === 'string') return Number(decimal(raw));
  return typeof raw === 'number' ? raw : 0;
}

/** A signed 64-bit integer: a number when exact, else a decimal string. */
export function int64Value(raw: unknown): number | string {
  if (isLong(raw)) {
    const high = raw.high | 0;
    if (high >= -0x200000 && high < 0x200000) return high * TWO_32 + (raw.low >>> 0);
    return BigInt.asIntN(64, (BigInt(raw.high >>> 0) << 32n) | BigInt(raw.low >>> 0)).toString();
  }
  if (typeof raw === 'string') {
    const value = Number(decimal(raw));
    return Number.isSafeInteger(value) ? value : BigInt(raw).toString();
  }
  return typeof raw === 'number' ? raw : 0;
}

/** An enum: an integer on the wire and in OTLP/JSON; a name such as 'SPAN_KIND_SERVER' is accepted too. */
export function enumNumber(raw: unknown, prefix: string, names: readonly string[]): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    const index = names.indexOf(raw.startsWith(prefix) ? raw.slice(prefix.length) : raw);
    if (index >= 0) return index;
    if (DECIMAL.test(raw)) return Number(raw);
    throw new OtlpDecodeError(`unknown enum value '${raw.slice(0, 40)}'`);
  }
  return 0;
}
