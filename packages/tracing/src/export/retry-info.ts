/**
 * Reads `google.rpc.RetryInfo.retry_delay` out of the `grpc-status-details-bin` trailer (a serialized
 * `google.rpc.Status` whose `details` are `google.protobuf.Any`). A few lines of protobuf wire-format
 * reading instead of a protobuf runtime: only three tiny messages are involved.
 *
 *   Status    { int32 code = 1; string message = 2; repeated Any details = 3; }
 *   Any       { string type_url = 1; bytes value = 2; }
 *   RetryInfo { Duration retry_delay = 1; }
 *   Duration  { int64 seconds = 1; int32 nanos = 2; }
 */

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

interface Field {
  readonly number: number;
  readonly varint?: number;
  readonly bytes?: Uint8Array;
}

/** Yields the fields of one message; stops (without throwing) at malformed input. */
function* fields(buffer: Uint8Array): Generator<Field> {
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

/** The server's requested retry delay in ms, or `undefined` when the status carries no RetryInfo. */
export function retryDelayFromStatusDetails(details: Uint8Array | undefined): number | undefined {
  if (details === undefined) return undefined;
  for (const status of fields(details)) {
    if (status.number !== 3 || status.bytes === undefined) continue;
    let typeUrl = '';
    let value: Uint8Array | undefined;
    for (const any of fields(status.bytes)) {
      if (any.number === 1 && any.bytes !== undefined) typeUrl = Buffer.from(any.bytes).toString('utf8');
      if (any.number === 2 && any.bytes !== undefined) value = any.bytes;
    }
    if (typeUrl !== RETRY_INFO_TYPE || value === undefined) continue;
    let seconds = 0;
    let nanos = 0;
    for (const retryInfo of fields(value)) {
      if (retryInfo.number !== 1 || retryInfo.bytes === undefined) continue;
      for (const duration of fields(retryInfo.bytes)) {
        if (duration.number === 1 && duration.varint !== undefined) seconds = duration.varint;
        if (duration.number === 2 && duration.varint !== undefined) nanos = duration.varint;
      }
    }
    return seconds * 1000 + nanos / 1e6;
  }
  return undefined;
}
