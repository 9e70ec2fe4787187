import { describe, expect, it } from 'vitest';
import { isDynotelError, readConfig } from '../src/index.ts';

// Derived values are computed in core's config only, and again after code overrides.
describe('derived config values', () => {
  it('identity.served: the identity, each part else Dynamo backend defaults', () => {
    expect(readConfig({}).config.identity.served).toEqual({
      namespace: 'dynamo',
      component: 'backend',
      endpoint: 'generate',
    });
    expect(readConfig({ DYN_ENDPOINT: 'dyn://prod.worker.chat' }).config.identity.served).toEqual({
      namespace: 'prod',
      component: 'worker',
      endpoint: 'chat',
    });
    expect(
      readConfig({ DYN_NAMESPACE: 'ns', DYN_NAMESPACE_WORKER_SUFFIX: 'v2' }).config.identity.served,
    ).toEqual({
      namespace: 'ns-v2',
      component: 'backend',
      endpoint: 'generate',
    });
  });

  it('follows overrides of what it comes from', () => {
    const { config } = readConfig(
      { DYN_NAMESPACE: 'env' },
      { overrides: { identity: { namespace: 'code', component: 'c' }, shutdown: { timeoutMs: 10_000 } } },
    );
    expect(config.identity.served).toEqual({ namespace: 'code', component: 'c', endpoint: 'generate' });
    expect(config.shutdown).toMatchObject({
      inFlightTimeoutMs: 6000,
      hookTimeoutMs: 1000,
      flushBudgetMs: 900,
    });
  });

  it('refuses an override of a derived key, naming the key to set instead', () => {
    for (const [overrides, source] of [
      [{ identity: { served: { namespace: 'x' } } }, 'identity.namespace'],
      [{ shutdown: { flushBudgetMs: 5 } }, 'shutdown.timeoutMs'],
    ] as const) {
      let error: unknown;
      try {
        readConfig({}, { overrides: overrides as never });
      } catch (caught) {
        error = caught;
      }
      expect(isDynotelError(error) && error.code === 'ERR_DYNOTEL_CONFIG_UNKNOWN_OPTION').toBe(true);
      expect((error as Error).message).toContain(`set overrides.${source} instead`);
    }
  });
});
