import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/index.ts';

const identity = (env: Record<string, string>) => readConfig(env).config.identity;

describe('DYN_ENDPOINT in Dynamo’s dyn:// form', () => {
  it('dyn://namespace.component.endpoint sets all three', () => {
    expect(identity({ DYN_ENDPOINT: 'dyn://prod.vllm_worker.generate' })).toMatchObject({
      namespace: 'prod',
      component: 'vllm_worker',
      endpoint: 'generate',
    });
  });

  it('DYN_NAMESPACE and DYN_COMPONENT win over the path’s parts; the endpoint comes from the path', () => {
    expect(
      identity({ DYN_ENDPOINT: 'dyn://a.b.generate', DYN_NAMESPACE: 'ns', DYN_COMPONENT: 'comp' }),
    ).toMatchObject({ namespace: 'ns', component: 'comp', endpoint: 'generate' });
  });

  it('a plain name is the endpoint only', () => {
    expect(identity({ DYN_ENDPOINT: 'generate' })).toMatchObject({
      namespace: undefined,
      component: undefined,
      endpoint: 'generate',
    });
  });

  it.each([
    ['dyn://ns.backend', 'has 2 dot-separated part(s) after dyn://, not 3'],
    ['dyn://a.b.c.d', 'has 4 dot-separated part(s)'],
    ['dyn://ns..generate', "invalid component part ''"],
    ['http://ns.backend.generate', 'scheme other than dyn://'],
    ['ns.backend.generate', 'dots but not the dyn:// scheme'],
    ['dyn://ns.back end.generate', 'invalid component part'],
  ])('%s is refused with a warning naming the variable, the value and the accepted form', (value, reason) => {
    const { config, problems } = readConfig({ DYN_ENDPOINT: value, DYN_NAMESPACE: 'kept' });
    expect(config.identity.endpoint).toBeUndefined();
    expect(config.identity.namespace).toBe('kept');
    const problem = problems.find((p) => p.variable === 'DYN_ENDPOINT');
    expect(problem?.value).toBe(value);
    expect(problem?.message).toContain('DYN_ENDPOINT');
    expect(problem?.message).toContain(reason);
    expect(problem?.accepted).toContain('dyn://<namespace>.<component>.<endpoint>');
  });

  it('strict mode turns a bad DYN_ENDPOINT into a start-up error', () => {
    expect(() => readConfig({ DYN_ENDPOINT: 'dyn://x', DYN_CONFIG_STRICT: '1' })).toThrow(/DYN_ENDPOINT/);
  });
});

describe('namespace suffix and prefix (Dynamo operator variables)', () => {
  it('DYN_NAMESPACE_WORKER_SUFFIX is appended as <namespace>-<suffix>', () => {
    expect(identity({ DYN_NAMESPACE: 'prod', DYN_NAMESPACE_WORKER_SUFFIX: 'abc12345' }).namespace).toBe(
      'prod-abc12345',
    );
    expect(
      identity({ DYN_ENDPOINT: 'dyn://pool.backend.generate', DYN_NAMESPACE_WORKER_SUFFIX: 'new' }).namespace,
    ).toBe('pool-new');
  });

  it('an empty suffix means none (the operator pins it empty to keep namespaces equal)', () => {
    expect(identity({ DYN_NAMESPACE: 'prod', DYN_NAMESPACE_WORKER_SUFFIX: '' }).namespace).toBe('prod');
  });

  it('a suffix without any namespace applies to Dynamo’s default namespace', () => {
    expect(identity({ DYN_NAMESPACE_WORKER_SUFFIX: 'abc' }).namespace).toBe('dynamo-abc');
  });

  it('DYN_NAMESPACE_PREFIX is the namespace only when nothing else names one', () => {
    expect(identity({ DYN_NAMESPACE_PREFIX: 'ns-base' })).toMatchObject({
      namespace: 'ns-base',
      namespacePrefix: 'ns-base',
    });
    expect(identity({ DYN_NAMESPACE_PREFIX: 'ns-base', DYN_NAMESPACE: 'ns-own' }).namespace).toBe('ns-own');
    expect(identity({ DYN_NAMESPACE_PREFIX: 'p', DYN_ENDPOINT: 'dyn://e.c.generate' }).namespace).toBe('e');
  });

  it('a bad suffix falls back alone, with a warning', () => {
    const { config, problems } = readConfig({ DYN_NAMESPACE: 'prod', DYN_NAMESPACE_WORKER_SUFFIX: '___' });
    expect(config.identity.namespace).toBe('prod');
    expect(problems.map((p) => p.variable)).toEqual(['DYN_NAMESPACE_WORKER_SUFFIX']);
  });
});
