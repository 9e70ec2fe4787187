import { isDynotelError } from '@dynotel/core';
import { describe, expect, it } from 'vitest';
import { tracingErrors } from '../src/errors.ts';
import { SpanExportError } from '../src/export/otlp-span-exporter.ts';

describe('SpanExportError', () => {
  it('is a DynotelError with a catalogued code, its drop reason and count in details', () => {
    const error = new SpanExportError('UNAVAILABLE: connection refused', 'non_retryable', 3);
    expect(isDynotelError(error)).toBe(true);
    expect(isDynotelError(error, tracingErrors)).toBe(true);
    expect(error).toMatchObject({
      name: 'SpanExportError',
      code: 'ERR_DYNOTEL_TRACING_EXPORT_FAILED',
      dropReason: 'non_retryable',
      droppedSpans: 3,
      details: { dropReason: 'non_retryable', droppedSpans: 3 },
    });
    expect(String(error)).toBe(
      'SpanExportError [ERR_DYNOTEL_TRACING_EXPORT_FAILED]: UNAVAILABLE: connection refused',
    );
  });
});
