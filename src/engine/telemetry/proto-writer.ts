/**
 * A protobuf writer for OTLP messages, fast enough for the span hot path: a growable buffer reused
 * from batch to batch, nested lengths back-patched in place, strings and ids written without
 * intermediate copies. The engine's span encoder (otlp-spans.ts) and the editor's connection probe
 * both write with it.
 */
import type { AttributeValue } from '@opentelemetry/api';

/** Protobuf wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const FIXED32 = 5;

/** A field's key byte(s): (field << 3) | wire type; fields here are < 16 unless noted. */
export const key = (field: number, wireType: number): number => (field << 3) | wireType;

/** A growable byte buffer that writes protobuf primitives; reused from batch to batch. */
export class ProtoWriter {
  buffer: Buffer;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.pos + bytes));
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.pos++] = value;
  }

  /** A non-negative integer up to 2^53. */
  varint(value: number): void {
    this.ensure(10);
    const buffer = this.buffer;
    while (value > 127) {
      buffer[this.pos++] = (value & 127) | 128;
      value = Math.floor(value / 128);
    }
    buffer[this.pos++] = value;
  }

  double(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  /** Epoch milliseconds (fractional) as fixed64 nanoseconds, exactly: no 64-bit product ever passes through a double. */
  epochNanos(epochMs: number): void {
    let seconds = Math.floor(epochMs / 1000);
    let nanos = Math.round((epochMs - seconds * 1000) * 1e6);
    if (nanos >= 1e9) {
      seconds++;
      nanos -= 1e9;
    }
    // seconds × 1e9 + nanos from 16-bit limbs of seconds, so every product stays below 2^53
    // (floor-divisions, not %, which is a slow fmod on doubles).
    const secondsHigh = Math.floor(seconds / 65536);
    const low = (seconds - secondsHigh * 65536) * 1e9 + nanos;
    const high = secondsHigh * 1e9; // to be shifted left by 16 bits
    const highOver16 = Math.floor(high / 65536);
    const sum = low + (high - highOver16 * 65536) * 65536;
    const carry = Math.floor(sum / 4294967296);
    const lowWord = sum - carry * 4294967296;
    const highWord = highOver16 + carry;
    this.ensure(8);
    const buffer = this.buffer;
    const pos = this.pos;
    buffer[pos] = lowWord & 255;
    buffer[pos + 1] = (lowWord >>> 8) & 255;
    buffer[pos + 2] = (lowWord >>> 16) & 255;
    buffer[pos + 3] = lowWord >>> 24;
    buffer[pos + 4] = highWord & 255;
    buffer[pos + 5] = (highWord >>> 8) & 255;
    buffer[pos + 6] = (highWord >>> 16) & 255;
    buffer[pos + 7] = highWord >>> 24;
    this.pos = pos + 8;
  }

  /** A length-prefixed UTF-8 string. */
  string(value: string): void {
    const mark = this.begin();
    this.chars(value);
    this.end(mark);
  }

  /** A string's UTF-8 bytes without a length prefix (inside a message whose length is back-patched). */
  chars(value: string): void {
    const length = value.length;
    this.ensure(length * 3);
    const buffer = this.buffer;
    let pos = this.pos;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code > 127) {
        this.pos += buffer.write(value, this.pos, 'utf8');
        return;
      }
      buffer[pos++] = code;
    }
    this.pos = pos;
  }

  /** 2n hex digits as n raw bytes (ids). */
  hex(value: string, bytes: number): void {
    this.ensure(bytes);
    this.pos += this.buffer.write(value, this.pos, bytes, 'hex');
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /**
   * Starts a length-delimited body, reserving `reserve` bytes for its length; returns the mark for
   * `end`. Reserve what the body usually needs (1 byte up to 127, 2 up to 16 383): `end` moves the
   * body when the guess was wrong, so any reserve is correct and a good one is free.
   */
  begin(reserve = 1): number {
    this.ensure(reserve);
    const mark = this.pos;
    this.pos += reserve;
    return mark * 8 + reserve; // the reserve rides in the mark's low 3 bits
  }

  end(mark: number): void {
    const reserve = mark % 8;
    const start = (mark - reserve) / 8;
    const bodyStart = start + reserve;
    const length = this.pos - bodyStart;
    const size = varintSize(length);
    if (size !== reserve) {
      this.ensure(size - reserve);
      this.buffer.copyWithin(start + size, bodyStart, this.pos);
      this.pos += size - reserve;
    }
    let at = start;
    let value = length;
    while (value > 127) {
      this.buffer[at++] = (value & 127) | 128;
      value = Math.floor(value / 128);
    }
    this.buffer[at] = value;
  }

  /** What was written, as a view of the buffer (valid until the writer writes again). */
  written(): Buffer {
    return this.buffer.subarray(0, this.pos);
  }

  /** A copy of what was written. */
  finish(): Buffer {
    return Buffer.from(this.written());
  }
}

function varintSize(value: number): number {
  let size = 1;
  while (value > 127) {
    size++;
    value = Math.floor(value / 128);
  }
  return size;
}

/** A KeyValue's key, encoded once: field 1 (key) with its string, then field 2's key byte (AnyValue follows). */
export function keyPrefix(name: string): Buffer {
  const writer = new ProtoWriter(64);
  writer.byte(key(1, LENGTH_DELIMITED));
  writer.string(name);
  writer.byte(key(2, LENGTH_DELIMITED));
  return Buffer.from(writer.finish());
}

/** Writes one KeyValue as field `field` of the enclosing message; values as the SDK's serializer types them. */
export function writeKeyValue(writer: ProtoWriter, fieldKey: number, prefix: Buffer, value: AttributeValue): void {
  writer.byte(fieldKey);
  const keyValue = writer.begin();
  writer.raw(prefix);
  const anyValue = writer.begin();
  writeAnyValue(writer, value);
  writer.end(anyValue);
  writer.end(keyValue);
}

function writeAnyValue(writer: ProtoWriter, value: AttributeValue): void {
  if (typeof value === 'string') {
    writer.byte(key(1, LENGTH_DELIMITED));
    writer.string(value);
  } else if (typeof value === 'boolean') {
    writer.byte(key(2, VARINT));
    writer.byte(value ? 1 : 0);
  } else if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) {
      writer.byte(key(3, VARINT));
      writer.varint(value);
    } else {
      writer.byte(key(4, FIXED64));
      writer.double(value);
    }
  } else if (Array.isArray(value)) {
    writer.byte(key(5, LENGTH_DELIMITED));
    const array = writer.begin(2);
    for (const item of value) {
      writer.byte(key(1, LENGTH_DELIMITED));
      const itemValue = writer.begin();
      if (item !== null && item !== undefined) writeAnyValue(writer, item);
      writer.end(itemValue);
    }
    writer.end(array);
  }
}
