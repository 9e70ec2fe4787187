import { describe, expect, it } from 'vitest';
import {
  createFrontendInstances,
  endpointPath,
  frontendHealthBody,
  type HealthReport,
} from '../src/index.ts';

const ready: HealthReport = {
  ready: true,
  body: { endpoints: {}, status: 'ready', uptime: { nanos: 5, secs: 2 } },
};

describe("Dynamo's frontend /health body", () => {
  it('lists sorted, de-duplicated dyn:// paths and the instances in serde order, u64 ids exact', () => {
    const instances = createFrontendInstances();
    instances.add({
      namespace: 'prod',
      component: 'vllm',
      endpoint: 'generate',
      instanceId: 7587888160958628000n,
      transport: { nats_tcp: 'dynamo_backend.generate-694d' },
      deviceType: 'cuda',
    });
    instances.add({
      namespace: 'prod',
      component: 'vllm',
      endpoint: 'generate',
      instanceId: '12',
      transport: { http: 'http://w:1' },
    });
    instances.add({
      namespace: 'a',
      component: 'b',
      endpoint: 'clear_kv',
      instanceId: 3,
      transport: { tcp: '10.0.0.1:9' },
    });
    const text = frontendHealthBody(ready, 'running', instances.list(), ['dyn://prod.vllm.generate']);
    const body = JSON.parse(text);
    expect(body.status).toBe('healthy');
    expect(body.endpoints).toEqual(['dyn://a.b.clear_kv', 'dyn://prod.vllm.generate']);
    expect(body.instances).toHaveLength(3);
    expect(text).toContain(
      '{"component":"vllm","endpoint":"generate","namespace":"prod","instance_id":7587888160958628000,"transport":{"nats_tcp":"dynamo_backend.generate-694d"},"device_type":"cuda"}',
    );
    expect(text).toContain('"instance_id":12,"transport":{"http":"http://w:1"}}');
    expect(body.uptime).toEqual({ nanos: 5, secs: 2 });
  });

  it('replaces an instance with the same identity and removes it', () => {
    const instances = createFrontendInstances();
    const one = {
      namespace: 'n',
      component: 'c',
      endpoint: 'generate',
      instanceId: 1n,
      transport: { http: 'x' },
    };
    instances.add(one);
    instances.add({ ...one, transport: { http: 'y' } });
    expect(instances.list()).toHaveLength(1);
    expect(instances.list()[0]?.transport).toEqual({ http: 'y' });
    expect(instances.remove(one)).toBe(true);
    expect(instances.list()).toHaveLength(0);
    expect(endpointPath(one)).toBe('dyn://n.c.generate');
  });

  it('refuses an instance id that is not a u64, naming the option', () => {
    const instances = createFrontendInstances();
    expect(() =>
      instances.add({ namespace: 'n', component: 'c', endpoint: 'e', instanceId: -1, transport: {} }),
    ).toThrow(/instanceId/);
    expect(() =>
      instances.add({
        namespace: 'n',
        component: 'c',
        endpoint: 'e',
        instanceId: '18446744073709551616',
        transport: {},
      }),
    ).toThrow(/unsigned 64-bit/);
  });

  it('answers not_ready with the stage and dynotel detail when readiness fails', () => {
    const failing: HealthReport = {
      ready: false,
      body: {
        checks: { db: 'notready' },
        endpoints: { generate: 'ready' },
        status: 'notready',
        uptime: { nanos: 0, secs: 1 },
      },
    };
    expect(JSON.parse(frontendHealthBody(failing, 'running', []))).toEqual({
      checks: { db: 'notready' },
      local_endpoints: { generate: 'ready' },
      message: 'Service is not ready',
      stage: 'readiness_checks',
      status: 'not_ready',
    });
    const { checks: _checks, ...withoutChecks } = failing.body;
    const draining: HealthReport = { ready: false, body: withoutChecks };
    expect(JSON.parse(frontendHealthBody(draining, 'draining', [])).stage).toBe('draining');
  });
});
