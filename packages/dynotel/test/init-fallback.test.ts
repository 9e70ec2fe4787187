import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { init, resetTelemetryForTests, type Telemetry } from '../src/index.ts';

// Found by the reliability suite (test/reliability/hostile-env.test.ts): DYN_NAMESPACE with characters
// that sanitise to nothing passes the config reader but makes the metrics package throw; the fallback
// re-read the same environment, threw again, and init() threw to the caller.

let telemetry: Telemetry | undefined;

afterEach(async () => {
  await telemetry?.shutdown('test');
  telemetry = undefined;
  resetTelemetryForTests();
});

it('returns a degraded handle on defaults when the environment itself makes wiring fail', async () => {
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
  expect(telemetry.degraded).toBe(true);
  expect(telemetry.config.identity.namespace).toBeUndefined();
  expect(() => telemetry!.logger.info('still logging')).not.toThrow();
  expect(await telemetry.metrics.scrape(undefined)).toBeDefined();
});
