import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { init, type Telemetry } from '../src/index.ts';
import { resetTelemetryForTests } from '../src/testing.ts';

// Found by the reliability suite (test/reliability/hostile-env.test.ts): DYN_NAMESPACE with characters
// that sanitise to nothing passed the config reader but made the metrics package throw; the fallback
// re-read the same environment, threw again, and init() threw to the caller. Now the config table
// rejects such a name, so that variable alone falls back and every other setting is kept.

let telemetry: Telemetry | undefined;

afterEach(async () => {
  await telemetry?.shutdown('test');
  telemetry = undefined;
  resetTelemetryForTests();
});

it('lets a hierarchy name that sanitises to nothing fall back alone, keeping every other setting', async () => {
  const stderrWrite = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    telemetry = init({
      env: { DYN_NAMESPACE: '\u{1e619}\u{42b3c}', DYN_SHUTDOWN_DRAIN_DELAY: '0', DYN_LOGGING_JSONL: '1' },
      handleSignals: false,
      logDestination: new Writable({ write: (_c, _e, callback) => callback() }),
    });
  } finally {
    process.stderr.write = stderrWrite;
  }
  expect(telemetry.degraded).toBe(false);
  expect(telemetry.config.identity.namespace).toBeUndefined();
  expect(telemetry.config.shutdown.drainDelayMs).toBe(0);
  expect(telemetry.config.logging.jsonl).toBe(true);
  expect(() => telemetry!.logger.info('still logging')).not.toThrow();
  expect(await telemetry.metrics.scrape(undefined)).toBeDefined();
});
