import { describe, expect, it } from 'vitest';
import { createMetricsRoot } from '../src/index.ts';
import { expectLine, parseBody } from './support.ts';

describe('registry hierarchy and auto-labels', () => {
  it('exports an endpoint counter exactly as Dynamo does (metrics.rs L1448-1451)', async () => {
    const root = createMetricsRoot({ workerId: 0x694d98147d54be25n });
    const ep = root.namespace('ns345').component('comp345').endpoint('ep345');
    ep.counter({ name: 'testcounter', help: 'A test counter' }).inc(123.456789);
    const { body } = await root.scrape();
    expect(body).toContain(
      '# HELP dynamo_component_testcounter A test counter\n# TYPE dynamo_component_testcounter counter\n' +
        'dynamo_component_testcounter{dynamo_component="comp345",dynamo_endpoint="ep345",dynamo_namespace="ns345",worker_id="694d98147d54be25"} 123.456789\n',
    );
    parseBody(body);
  });

  it('gives each level its own label set', async () => {
    const root = createMetricsRoot({ workerId: 255 });
    const ns = root.namespace('ns');
    const comp = ns.component('comp');
    const ep = comp.endpoint('ep');
    root.gauge({ name: 'g', help: 'h' }).set(1);
    ns.gauge({ name: 'g', help: 'h' }).set(2);
    comp.gauge({ name: 'g', help: 'h' }).set(3);
    ep.gauge({ name: 'g', help: 'h' }).set(4);
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_component_g{worker_id="ff"} 1');
    expectLine(body, 'dynamo_component_g{dynamo_namespace="ns",worker_id="ff"} 2');
    expectLine(body, 'dynamo_component_g{dynamo_component="comp",dynamo_namespace="ns",worker_id="ff"} 3');
    expectLine(
      body,
      'dynamo_component_g{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",worker_id="ff"} 4',
    );
    expect(ep.autoLabels).toEqual({
      dynamo_namespace: 'ns',
      dynamo_component: 'comp',
      dynamo_endpoint: 'ep',
      worker_id: 'ff',
    });
  });

  it('has no worker_id without an instance id, and none on a root metric', async () => {
    const root = createMetricsRoot();
    root.counter({ name: 'c_total', help: 'h' }).inc();
    root.namespace('a').counter({ name: 'c_total', help: 'h' }).inc(2);
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_component_c_total 1');
    expectLine(body, 'dynamo_component_c_total{dynamo_namespace="a"} 2');
  });

  it('shifts label positions with nested namespaces, as Dynamo (metrics.rs L1366-1403)', async () => {
    const root = createMetricsRoot();
    const comp = root.namespace('ns1').namespace('ns2').namespace('ns3').component('comp');
    comp.counter({ name: 'n_total', help: 'h' }).inc();
    const { body } = await root.scrape();
    expectLine(
      body,
      'dynamo_component_n_total{dynamo_component="ns2",dynamo_endpoint="ns3",dynamo_namespace="ns1"} 1',
    );
  });

  it('sanitises hierarchy names used as label values (metrics.rs L1304-1322)', async () => {
    const root = createMetricsRoot();
    root.namespace('my-ns').component('@@123').counter({ name: 'x.y', help: 'h' }).inc();
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_component_x_y{dynamo_component="_123",dynamo_namespace="my_ns"} 1');
    expect(() => root.namespace('---')).toThrow(
      expect.objectContaining({ code: 'ERR_DYNOTEL_METRICS_INVALID_HIERARCHY_NAME' }),
    );
  });

  it('attaches each child once and returns the same level for the same name', async () => {
    const root = createMetricsRoot();
    const a = root.namespace('ns').component('c');
    const b = root.namespace('ns').component('c');
    expect(a).toBe(b);
    expect(a.endpoint('e')).toBe(b.endpoint('e'));
    a.endpoint('e').addExpositionCallback(() => '# TYPE once_total counter\nonce_total 1\n');
    const { body } = await root.scrape();
    expect(body.match(/^once_total 1$/gm)).toHaveLength(1);
  });

  it('scrapes only the subtree of the scraped level', async () => {
    const root = createMetricsRoot();
    root.counter({ name: 'top_total', help: 'h' }).inc();
    const ns = root.namespace('ns');
    ns.component('c').counter({ name: 'low_total', help: 'h' }).inc();
    root.namespace('other').counter({ name: 'other_total', help: 'h' }).inc();
    const { body } = await ns.scrape();
    expect(body).toContain('dynamo_component_low_total');
    expect(body).not.toContain('top_total');
    expect(body).not.toContain('other_total');
    expect(body).not.toContain('dynotel_'); // self-metrics only on a root scrape
  });

  it('creates frontend metrics without prefix or hierarchy labels, and RED metrics without prefix', async () => {
    const root = createMetricsRoot({ workerId: '0xABC' });
    const ep = root.namespace('ns').component('c').endpoint('e');
    ep.counter({ name: 'dynamo_frontend_requests_total', help: 'h', prefix: false, autoLabels: false }).inc();
    ep.counter({ name: 'http_requests_total', help: 'h', prefix: false, labelNames: ['method'] })
      .labels('GET')
      .inc();
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_frontend_requests_total 1');
    expectLine(
      body,
      'http_requests_total{dynamo_component="c",dynamo_endpoint="e",dynamo_namespace="ns",method="GET",worker_id="abc"} 1',
    );
  });

  it('formats worker ids as lowercase hex and rejects what is not a u64', () => {
    expect(createMetricsRoot({ workerId: 2n ** 64n - 1n }).autoLabels).toEqual({
      worker_id: 'ffffffffffffffff',
    });
    expect(createMetricsRoot({ workerId: '00FF' }).autoLabels).toEqual({ worker_id: 'ff' });
    expect(createMetricsRoot({ workerId: 0 }).autoLabels).toEqual({ worker_id: '0' });
    for (const bad of [-1, 1.5, 2n ** 64n, 'xyz', '0x']) {
      expect(() => createMetricsRoot({ workerId: bad })).toThrow(
        expect.objectContaining({ code: 'ERR_DYNOTEL_METRICS_INVALID_OPTION' }),
      );
    }
  });
});
