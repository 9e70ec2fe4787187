import { afterEach, expect, it } from 'vitest';
import { init, type Telemetry } from '../src/index.ts';
import { resetTelemetryForTests } from '../src/testing.ts';
import { Lines } from './support/lines.ts';

let telemetry: Telemetry | undefined;

afterEach(async () => {
  await telemetry?.shutdown('test');
  telemetry = undefined;
  resetTelemetryForTests();
});

it("init({ logRedact }) redacts pino's way in the service's JSONL lines, children included", () => {
  const lines = new Lines();
  telemetry = init({
    env: { DYN_LOGGING_JSONL: '1', DYN_SHUTDOWN_DRAIN_DELAY: '0' },
    handleSignals: false,
    logDestination: lines,
    logRedact: { paths: ['password', 'headers.authorization'], censor: '<hidden>' },
  });
  telemetry.logger
    .child({ target: 'auth' })
    .info({ password: 'p4ss', headers: { authorization: 'Bearer t' } }, 'login');
  const line = lines.json().find((record) => record.message === 'login');
  expect(line).toMatchObject({
    target: 'auth',
    password: '<hidden>',
    headers: { authorization: '<hidden>' },
  });
  expect(lines.text.join('\n')).not.toMatch(/p4ss|Bearer t/);
});
