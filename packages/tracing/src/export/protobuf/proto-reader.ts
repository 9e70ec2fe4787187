/**
 * Protobuf wire-format reading, just enough for the few small messages the exporter reads back
 * (the gRPC status details, the export response's partial success): no protobuf runtime is loaded.
 */

export interface Field {
  readonly number: number;
  readonly varint?: number;
  readonly bytes?: Uint8Array;
}

/** Yields the fields of one message; stops (without throwing) at malformed input. */
export function* fields(buffer: Uint8Array): Generator<Field> {
  let offset = 0;
  const varint = (): number | undefined => {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10 && offset < buffer.length; i++) {
      const byte = buffer[offset++] as number;
      result += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) return result;
      multiplier *= 128;
    }
    return undefined;
  };
  while (offset < buffer.length) {
    const key = varint();
    if (key === undefined) return;
    const number = Math.floor(key / 8);
    const wireType = key & 7;
    if (wireType === 0) {
      const value = varint();
      if (value === undefined) return;
      yield { number, varint: value };
    } else if (wireType === 2) {
      const length = varint();
      if (length === undefined || offset + length > buffer.length) return;
      yield { number, bytes: buffer.subarray(offset, offset + length) };
      offset += length;
    } else if (wireType === 1) {
      offset += 8;
    } else if (wireType === 5) {
      offset += 4;
    } else {
      return;
    }
  }
}
