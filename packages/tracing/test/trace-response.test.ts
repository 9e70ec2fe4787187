import { expect, test } from 'vitest';
import { decodeTracePartialSuccess } from '../src/export/protobuf/trace-response.ts';

// ExportTraceServiceResponse { partial_success (1) { rejected_spans (1, int64), error_message (2) } }
function response(rejected: number, message: string): Uint8Array {
  const text = Buffer.from(message, 'utf8');
  const partial = Buffer.from([0x08, rejected, 0x12, text.length, ...text]);
  return Buffer.from([0x0a, partial.length, ...partial]);
}

test('reads rejected_spans and error_message of the partial success', () => {
  expect(decodeTracePartialSuccess(response(3, 'too old'))).toEqual({
    rejectedSpans: 3,
    errorMessage: 'too old',
  });
});

test('an empty body (full success) and unknown fields read as nothing rejected', () => {
  expect(decodeTracePartialSuccess(new Uint8Array())).toEqual({ rejectedSpans: 0, errorMessage: '' });
  // Field 2 (varint 7), not part of the message: skipped.
  expect(decodeTracePartialSuccess(Uint8Array.from([0x10, 0x07]))).toEqual({
    rejectedSpans: 0,
    errorMessage: '',
  });
});

test('malformed input never throws', () => {
  const whole = response(2, 'partial');
  for (let cut = 0; cut < whole.length; cut++) {
    expect(() => decodeTracePartialSuccess(whole.subarray(0, cut))).not.toThrow();
  }
  expect(decodeTracePartialSuccess(Uint8Array.from([0xff, 0xff, 0xff]))).toEqual({
    rejectedSpans: 0,
    errorMessage: '',
  });
});
