/**
 * How many bytes of V8 heap a stored span keeps alive, estimated from its shape, and the limits that
 * keep one span from blowing a memory budget (a 10 MB attribute is cut to a few KB, with a marker).
 *
 * The estimate follows V8's layout on 64-bit Node (8-byte pointers; Node ships without pointer
 * compression): a plain object is 3 header words plus one word per field; a sequential string is 16
 * bytes of header plus 1 byte a character (2 when any character is beyond Latin-1), rounded up to 8;
 * an array is a 4-word JSArray plus a FixedArray of 2 header words and one word per element; a
 * non-integer number is a 16-byte HeapNumber. Property names are internalized (one copy for every
 * span), so attribute keys cost their slot, not their text. `test/unit/trace-store.test.ts` compares
 * this estimate with the heap growth measured after a forced GC.
 */
import type { AttributeValue, Attributes, ReceivedSpan, SpanEvent, SpanLink } from './types.ts';

const WORD = 8;
const OBJECT_HEADER = 3 * WORD;
const ARRAY_HEADER = 4 * WORD + 2 * WORD;
const STRING_HEADER = 16;
const HEAP_NUMBER = 16;
/** Fields of a ReceivedSpan (see types.ts): the object itself, its status object. */
const SPAN_FIELDS = 15;
const STATUS_FIELDS = 3;
const EVENT_FIELDS = 3;
const LINK_FIELDS = 3;
/**
 * A dynamically built attribute object keeps its fields in a separate PropertyArray that grows with
 * slack, and V8 turns objects with many added properties into dictionaries (3 words an entry, at a
 * load factor of about 1/2): a word and a half a property is the middle of those cases.
 */
const ATTRIBUTE_SLOT = 12;

const NON_LATIN1 = /[^\u0000-\u00ff]/;

/** Bytes of a flat string of this text, shared constants (the empty string) excluded. */
export function stringBytes(text: string): number {
  if (text.length === 0) return 0;
  const perChar = NON_LATIN1.test(text) ? 2 : 1;
  return roundUp(STRING_HEADER + text.length * perChar);
}

/** Bytes of one attribute value, recursively. */
export function valueBytes(value: AttributeValue): number {
  if (typeof value === 'string') return stringBytes(value);
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? 0 : HEAP_NUMBER;
  if (value === null || typeof value === 'boolean') return 0;
  if (Array.isArray(value)) {
    let bytes = ARRAY_HEADER + value.length * WORD;
    for (const item of value) bytes += valueBytes(item);
    return bytes;
  }
  return attributesBytes(value);
}

/** Bytes of an attribute object and its values. */
export function attributesBytes(attributes: Attributes): number {
  let bytes = OBJECT_HEADER + 2 * WORD; // header, and the PropertyArray's own header
  for (const key in attributes) bytes += ATTRIBUTE_SLOT + valueBytes(attributes[key]!);
  return bytes;
}

/**
 * The heap a span keeps alive on its own. Its `resource` and `scope` are not counted: the store keeps
 * one copy of each per distinct value and counts it once (see TraceStore).
 */
export function spanBytes(span: ReceivedSpan): number {
  let bytes = OBJECT_HEADER + SPAN_FIELDS * WORD;
  bytes += stringBytes(span.traceId) + stringBytes(span.spanId) + stringBytes(span.parentSpanId) + stringBytes(span.traceState) + stringBytes(span.name);
  bytes += stringBytes(span.startTimeUnixNano) + stringBytes(span.endTimeUnixNano);
  bytes += attributesBytes(span.attributes);
  bytes += ARRAY_HEADER + span.events.length * WORD;
  for (const event of span.events) bytes += eventBytes(event);
  bytes += ARRAY_HEADER + span.links.length * WORD;
  for (const link of span.links) bytes += linkBytes(link);
  bytes += OBJECT_HEADER + STATUS_FIELDS * WORD + stringBytes(span.status.message);
  return bytes;
}

function eventBytes(event: SpanEvent): number {
  return OBJECT_HEADER + EVENT_FIELDS * WORD + stringBytes(event.name) + stringBytes(event.timeUnixNano) + attributesBytes(event.attributes);
}

function linkBytes(link: SpanLink): number {
  return OBJECT_HEADER + LINK_FIELDS * WORD + stringBytes(link.traceId) + stringBytes(link.spanId) + attributesBytes(link.attributes);
}

function roundUp(bytes: number): number {
  return Math.ceil(bytes / WORD) * WORD;
}

/** What one span may hold; past these, values are cut and items dropped, and each cut is counted. */
export interface SpanLimits {
  /** Characters of one string (a name, an attribute value, a status message). Default 8192. */
  maxStringChars: number;
  /** Characters of all the strings of one span together. Default 65 536. */
  maxSpanChars: number;
  /** Attributes, events, links and array elements of one span together. Default 1000. */
  maxSpanItems: number;
}

export const DEFAULT_SPAN_LIMITS: SpanLimits = Object.freeze({ maxStringChars: 8192, maxSpanChars: 65_536, maxSpanItems: 1000 });

/** The mark left where a value was cut; the full length is said so nobody mistakes a cut value for the real one. */
export function truncationMarker(originalChars: number): string {
  return ` …[truncated by Loadlens: ${originalChars} characters]`;
}

/**
 * The span within `limits`: the same object when nothing needed cutting (the common case costs one
 * walk and no copy), else a copy with long strings cut (marker appended) and surplus attributes,
 * events, links and array elements left out. `cuts` is how many values were cut or left out.
 */
export function limitSpan(span: ReceivedSpan, limits: SpanLimits = DEFAULT_SPAN_LIMITS): { span: ReceivedSpan; cuts: number } {
  if (withinLimits(span, limits)) return { span, cuts: 0 };
  const cutter = new Cutter(limits);
  const limited: ReceivedSpan = {
    ...span,
    name: cutter.string(span.name),
    attributes: cutter.attributes(span.attributes),
    events: cutter.items(span.events).map(event => ({ name: cutter.string(event.name), timeUnixNano: event.timeUnixNano, attributes: cutter.attributes(event.attributes) })),
    links: cutter.items(span.links).map(link => ({ traceId: link.traceId, spanId: link.spanId, attributes: cutter.attributes(link.attributes) })),
    status: { ...span.status, message: cutter.string(span.status.message) },
  };
  return { span: limited, cuts: cutter.cuts };
}

/** One pass that only counts; no allocation. */
function withinLimits(span: ReceivedSpan, limits: SpanLimits): boolean {
  let chars = 0;
  let items = 0;
  const string = (text: string) => {
    chars += text.length;
    return text.length <= limits.maxStringChars;
  };
  const value = (v: AttributeValue): boolean => {
    if (typeof v === 'string') return string(v);
    if (v === null || typeof v !== 'object') return true;
    if (Array.isArray(v)) {
      items += v.length;
      return v.every(value);
    }
    return attributes(v);
  };
  const attributes = (a: Attributes): boolean => {
    for (const key in a) {
      items++;
      if (!string(key) || !value(a[key]!)) return false;
    }
    return true;
  };
  if (!string(span.name) || !string(span.status.message) || !attributes(span.attributes)) return false;
  items += span.events.length + span.links.length;
  for (const event of span.events) if (!string(event.name) || !attributes(event.attributes)) return false;
  for (const link of span.links) if (!attributes(link.attributes)) return false;
  return chars <= limits.maxSpanChars && items <= limits.maxSpanItems;
}

/** Cuts values in the order it meets them, spending the span's character and item allowances. */
class Cutter {
  cuts = 0;
  private charsLeft: number;
  private itemsLeft: number;
  private readonly limits: SpanLimits;

  constructor(limits: SpanLimits) {
    this.limits = limits;
    this.charsLeft = limits.maxSpanChars;
    this.itemsLeft = limits.maxSpanItems;
  }

  string(text: string): string {
    const allowed = Math.max(0, Math.min(this.limits.maxStringChars, this.charsLeft));
    if (text.length <= allowed) {
      this.charsLeft -= text.length;
      return text;
    }
    this.cuts++;
    this.charsLeft -= allowed;
    // A copy through a Buffer: a plain slice of a long string is a SlicedString that keeps the whole
    // original (the 10 MB) alive.
    return Buffer.from(text.slice(0, allowed) + truncationMarker(text.length), 'utf8').toString('utf8');
  }

  items<T>(list: readonly T[]): T[] {
    if (list.length <= this.itemsLeft) {
      this.itemsLeft -= list.length;
      return [...list];
    }
    const kept = list.slice(0, Math.max(0, this.itemsLeft));
    this.cuts += list.length - kept.length;
    this.itemsLeft -= kept.length;
    return kept;
  }

  attributes(attributes: Attributes): Attributes {
    const out: Attributes = {};
    for (const key in attributes) {
      if (this.itemsLeft <= 0) {
        this.cuts++;
        continue;
      }
      this.itemsLeft--;
      out[this.string(key)] = this.value(attributes[key]!);
    }
    return out;
  }

  private value(value: AttributeValue): AttributeValue {
    if (typeof value === 'string') return this.string(value);
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return this.items(value).map(item => this.value(item));
    return this.attributes(value);
  }
}
