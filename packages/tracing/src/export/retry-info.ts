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

import { fields } from './protobuf/proto-reader.ts';

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

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
