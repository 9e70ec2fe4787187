import { isDynotelError } from '@dynotel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { init, type Telemetry } from '../src/index.ts';
import {
  AdmissionWebhook,
  fastifyAdmissionWebhook,
  observeReconcile,
  ResourceInventory,
} from '../src/kubernetes.ts';
import { resetTelemetryForTests } from '../src/testing.ts';
import { Lines } from './support/lines.ts';

let telemetry: Telemetry | undefined;

afterEach(async () => {
  await telemetry?.shutdown('test');
  telemetry = undefined;
  resetTelemetryForTests();
});

function start(): Telemetry {
  telemetry = init({
    env: { DYN_SHUTDOWN_DRAIN_DELAY: '0' },
    handleSignals: false,
    logDestination: new Lines(),
  });
  return telemetry;
}

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isDynotelError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('did not throw');
}

describe('dynotel/kubernetes options', () => {
  it('reject a missing resource type, naming the helper, the option and the value', () => {
    const t = start();
    expect(thrown(() => observeReconcile({ telemetry: t, resourceType: '' }, () => undefined))).toEqual({
      code: 'ERR_DYNOTEL_KUBERNETES_INVALID_OPTION',
      message:
        'observeReconcile: option "resourceType" must be a non-empty string (the Kubernetes kind), got ""',
    });
    expect(
      thrown(() => new ResourceInventory({ telemetry: t, resourceType: undefined as unknown as string }))
        .message,
    ).toBe(
      'ResourceInventory: option "resourceType" must be a non-empty string (the Kubernetes kind), got undefined',
    );
  });

  it('reject a webhook without a validator, a bad body limit or a path that is not a route', () => {
    const t = start();
    const validate = () => ({ allowed: true as const });
    expect(thrown(() => new AdmissionWebhook({ telemetry: t, validate: 'yes' as never })).message).toBe(
      'admission webhook: option "validate" must be a function, got "yes"',
    );
    expect(thrown(() => new AdmissionWebhook({ telemetry: t, validate, maxBodyBytes: 0 })).message).toBe(
      'admission webhook: option "maxBodyBytes" must be a positive integer, got 0',
    );
    expect(
      thrown(() =>
        fastifyAdmissionWebhook({} as never, { telemetry: t, validate, path: 'validate' }, () => {}),
      ).message,
    ).toBe('fastifyAdmissionWebhook: option "path" must be a route starting with "/", got "validate"');
    expect(new AdmissionWebhook({ telemetry: t, validate }).maxBodyBytes).toBe(3 * 1024 * 1024);
  });
});
