import { diag } from '@dynotel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, routeDiagnosticsToLogger } from '../src/index.ts';
import { capture } from './support/capture.ts';

afterEach(() => diag.reset());

describe('routeDiagnosticsToLogger', () => {
  it("writes dynotel's own diagnostics in the logger's format, with the diagnostic's target", () => {
    const out = capture();
    const logger = createLogger({
      format: 'jsonl',
      destination: out.stream,
      logUncaughtExceptions: false,
      filter: 'info,dynotel.noisy=error',
    });
    const restore = routeDiagnosticsToLogger(logger);
    diag.warn('dynotel.tracing', 'exporter failing', { attempts: 3, trace_id: 'spoof' });
    diag.once('k', {
      level: 'error',
      target: 'dynotel.config',
      message: 'bad variable',
      fields: { variable: 'DYN_LOG' },
    });
    diag.once('k', { level: 'error', target: 'dynotel.config', message: 'bad variable' });
    diag.warn('dynotel.noisy', 'filtered by the per-target level');
    restore();
    diag.warn('dynotel.tracing', 'after restore goes to stderr');
    const records = out.records();
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      level: 'WARN',
      target: 'dynotel.tracing',
      message: 'exporter failing',
      attempts: 3,
    });
    expect(records[0]).not.toHaveProperty('trace_id');
    expect(records[1]).toMatchObject({
      level: 'ERROR',
      target: 'dynotel.config',
      message: 'bad variable',
      variable: 'DYN_LOG',
    });
  });
});
