/**
 * A single-pass protobuf writer over one growing buffer, reused from batch to batch.
 *
 * Length-delimited fields reserve one byte for their length and move the body when the length needs
 * more (the same trick as @opentelemetry/otlp-transformer's writer). Unlike that writer it does not run
 * the whole message through a size-estimating pass first: growing the buffer a few times in its life
 * is cheaper than encoding every batch twice.
 */
const TWO_POW_32 = 4294967296;

export class ProtoWriter {
  private buffer: Buffer;
  private dataView: DataView;
  /** Write position: the encoded message is `[0, pos)`. */
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafeSlow(initialBytes);
    this.dataView = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  }

  /** Starts a new message at position 0 (the buffer is kept). */
  reset(): void {
    this.pos = 0;
  }

  /** A copy of the encoded bytes: the caller may hold it while the writer encodes the next batch. */
  finish(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buffer, 0, this.pos);
  }

  private ensure(bytes: number): void {
    const needed = this.pos + bytes;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafeSlow(size);
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
    this.dataView = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  /** A field tag; field numbers up to 15 take one byte, up to 2047 two. */
  tag(field: number, wireType: number): void {
    const tag = (field << 3) | wireType;
    if (tag > 127) {
      this.varint32(tag);
      return;
    }
    this.ensure(1);
    this.buffer[this.pos++] = tag;
  }

  /** An unsigned 32-bit varint. */
  varint32(value: number): void {
    this.ensure(5);
    const buffer = this.buffer;
    let pos = this.pos;
    let v = value >>> 0;
    while (v > 127) {
      buffer[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buffer[pos++] = v;
    this.pos = pos;
  }

  /**
   * A varint of any safe integer (int64 semantics: negatives take ten bytes, two's complement), as
   * the reference serializer encodes `int_value`.
   */
  varint64(value: number): void {
    if (value >= 0 && value <= 4294967295) {
      this.varint32(value);
      return;
    }
    let low: number;
    let high: number;
    if (value >= 0) {
      low = value >>> 0;
      high = (value / TWO_POW_32) >>> 0;
    } else {
      const abs = Math.abs(value);
      low = ~(abs >>> 0) >>> 0;
      high = ~((abs / TWO_POW_32) >>> 0) >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    this.ensure(10);
    const buffer = this.buffer;
    let pos = this.pos;
    while (high > 0 || low > 127) {
      buffer[pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buffer[pos++] = low & 127;
    this.pos = pos;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.dataView.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  fixed64(low: number, high: number): void {
    this.ensure(8);
    const view = this.dataView;
    view.setUint32(this.pos, low >>> 0, true);
    view.setUint32(this.pos + 4, high >>> 0, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.dataView.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** A UTF-8 string with its length prefix (lone surrogates become U+FFFD, as with TextEncoder). */
  string(value: string): void {
    const length = value.length;
    this.ensure(length + 5);
    const start = this.pos;
    this.varint32(length);
    const buffer = this.buffer;
    let pos = this.pos;
    // Attribute keys, names and ids are ASCII: copy char codes and fall back on the first other one.
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code > 127) {
        this.pos = start;
        this.utf8String(value);
        return;
      }
      buffer[pos++] = code;
    }
    this.pos = pos;
  }

  private utf8String(value: string): void {
    const byteLength = Buffer.byteLength(value, 'utf8');
    this.varint32(byteLength);
    this.ensure(byteLength);
    this.pos += this.buffer.write(value, this.pos, byteLength, 'utf8');
  }

  /**
   * A length-prefixed `KeyValue` whose value is an AnyValue `string_value`, when the whole message is
   * shorter than 128 bytes and `value` is ASCII: `keyAndValueTag` is its encoded key field followed by
   * the value field's tag. Returns false, having written nothing, for any other value (the caller
   * encodes it field by field).
   */
  shortAsciiKeyValue(keyAndValueTag: Uint8Array, value: string): boolean {
    const length = value.length;
    // KeyValue: the key field and value tag, the AnyValue's length, its tag and length, the bytes.
    const messageLength = keyAndValueTag.length + 3 + length;
    if (messageLength > 127) return false;
    this.ensure(messageLength + 1);
    const buffer = this.buffer;
    const start = this.pos;
    let pos = start + 1 + keyAndValueTag.length;
    buffer[pos++] = length + 2;
    buffer[pos++] = 0x0a; // AnyValue.string_value: field 1, length-delimited
    buffer[pos++] = length;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code > 127) return false;
      buffer[pos++] = code;
    }
    buffer[start] = messageLength;
    buffer.set(keyAndValueTag, start + 1);
    this.pos = pos;
    return true;
  }

  /** Bytes as they are (already encoded fields), without a length prefix. */
  raw(value: Uint8Array): void {
    this.ensure(value.length);
    this.buffer.set(value, this.pos);
    this.pos += value.length;
  }

  /** A view of `[start, end)` of what was written: valid until the next write. */
  view(start: number, end: number): Uint8Array {
    return this.buffer.subarray(start, end);
  }

  /** Drops `[0, end)` and moves the rest to the front (a queue of encoded messages consumed in order). */
  discardPrefix(end: number): void {
    this.buffer.copyWithin(0, end, this.pos);
    this.pos -= end;
  }

  bytes(value: Uint8Array): void {
    this.varint32(value.length);
    this.ensure(value.length);
    this.buffer.set(value, this.pos);
    this.pos += value.length;
  }

  /** Lower-case or upper-case hex (trace and span ids) as raw bytes with their length prefix. */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.varint32(length);
    this.ensure(length);
    const buffer = this.buffer;
    let pos = this.pos;
    for (let i = 0; i < 2 * length; i += 2) {
      const high = hex.charCodeAt(i);
      const low = hex.charCodeAt(i + 1);
      buffer[pos++] =
        ((high < 128 ? NIBBLES[high]! : nibble(high)) << 4) | (low < 128 ? NIBBLES[low]! : nibble(low));
    }
    this.pos = pos;
  }

  /** Reserves the length byte of a nested message; pass the result to `endLengthDelimited`. */
  beginLengthDelimited(): number {
    this.ensure(1);
    return this.pos++;
  }

  endLengthDelimited(lengthAt: number): void {
    const length = this.pos - lengthAt - 1;
    if (length < 128) {
      this.buffer[lengthAt] = length;
      return;
    }
    const size = varintSize(length);
    this.ensure(size - 1);
    this.buffer.copyWithin(lengthAt + size, lengthAt + 1, this.pos);
    this.pos += size - 1;
    const saved = this.pos;
    this.pos = lengthAt;
    this.varint32(length);
    this.pos = saved;
  }
}

/** The reference hex decoder's mapping (digits, a–f, and A–F by subtraction). */
function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return code - 55;
}

const NIBBLES = Int8Array.from({ length: 128 }, (_, code) => nibble(code));

function varintSize(value: number): number {
  if (value < 128) return 1;
  if (value < 16384) return 2;
  if (value < 2097152) return 3;
  if (value < 268435456) return 4;
  return 5;
}
