import { isDynotelError, selfMetrics } from '@dynotel/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { injectLabels } from '../src/foreign/inject.ts';
import { parseExposition } from '../src/foreign/parser.ts';
import { processForeignText } from '../src/foreign/process.ts';

// Inputs are what prometheus_client (0.0.4 writer) produces for the metrics Dynamo's test file creates
// (tests/serve/test_prometheus_exposition_format_injection.py), so each case below runs the same data
// through our processForeignText as get_prometheus_expfmt runs it through Python.
const lines = (...l: string[]) => `${l.join('\n')}\n`;

const counterRequests = lines(
  '# HELP requests_total Total requests',
  '# TYPE requests_total counter',
  'requests_total 5.0',
  '# HELP requests_created Total requests',
  '# TYPE requests_created gauge',
  'requests_created 1.7633712345e+09',
);

function process(text: string, options: Parameters<typeof processForeignText>[1]): string {
  const result = processForeignText(text, options);
  if (!result.ok) throw new Error(`dropped (${result.reason}): ${result.message}`);
  return result.text;
}

function dropped(reason: string): number {
  return selfMetrics.counter('dynotel_metrics_foreign_text_dropped_total', '').get({ reason });
}

beforeEach(() => selfMetrics.reset());

describe("Dynamo's ten label-injection cases (test_prometheus_exposition_format_injection.py)", () => {
  it('1: injects hierarchy labels into a counter', () => {
    const out = process(counterRequests, {
      injectLabels: {
        dynamo_namespace: 'prod',
        dynamo_component: 'vllm-worker',
        dynamo_endpoint: 'generate',
      },
    });
    for (const pair of [
      'dynamo_namespace="prod"',
      'dynamo_component="vllm-worker"',
      'dynamo_endpoint="generate"',
    ]) {
      expect(out).toContain(pair);
    }
    expect(out.includes('requests_total_total') || out.includes('requests_total{')).toBe(true);
    expect(out).toContain('# HELP requests_total');
    expect(out).toContain('# TYPE requests_total counter');
    expect(out).toBe(
      lines(
        '# HELP requests_total Total requests',
        '# TYPE requests_total counter',
        'requests_total{dynamo_component="vllm-worker",dynamo_endpoint="generate",dynamo_namespace="prod"} 5',
        '# HELP requests_created Total requests',
        '# TYPE requests_created gauge',
        'requests_created{dynamo_component="vllm-worker",dynamo_endpoint="generate",dynamo_namespace="prod"} 1763371234.5',
      ),
    );
  });

  it('2: injects labels into a gauge', () => {
    const out = process(
      lines('# HELP active_requests Active requests', '# TYPE active_requests gauge', 'active_requests 10.0'),
      {
        injectLabels: { model: 'llama-3-70b', instance_id: 'worker-0' },
      },
    );
    expect(out).toContain('model="llama-3-70b"');
    expect(out).toContain('instance_id="worker-0"');
    expect(out).toContain('active_requests');
    expect(out).toContain('active_requests{instance_id="worker-0",model="llama-3-70b"} 10\n');
  });

  it('3: injects labels into a histogram and keeps le last', () => {
    const bounds = [
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.075',
      '0.1',
      '0.25',
      '0.5',
      '0.75',
      '1.0',
      '2.5',
      '5.0',
      '7.5',
      '10.0',
      '+Inf',
    ];
    const counts = bounds.map((le) => (le === '+Inf' || Number(le) >= 1.5 ? 2 : Number(le) >= 0.5 ? 1 : 0));
    const text = lines(
      '# HELP request_duration_seconds Request duration',
      '# TYPE request_duration_seconds histogram',
      ...bounds.map((le, i) => `request_duration_seconds_bucket{le="${le}"} ${counts[i]}.0`),
      'request_duration_seconds_count 2.0',
      'request_duration_seconds_sum 2.0',
    );
    const out = process(text, { injectLabels: { dynamo_namespace: 'prod', dynamo_endpoint: 'generate' } });
    expect(out).toContain('dynamo_namespace="prod"');
    expect(out).toContain('dynamo_endpoint="generate"');
    expect(out).toContain('_bucket');
    expect(out).toContain('le=');
    expect(out).toContain('_sum');
    expect(out).toContain('_count');
    expect(out).toContain(
      'request_duration_seconds_bucket{dynamo_endpoint="generate",dynamo_namespace="prod",le="+Inf"} 2\n',
    );
    expect(out).toContain(
      'request_duration_seconds_bucket{dynamo_endpoint="generate",dynamo_namespace="prod",le="0.5"} 1\n',
    );
  });

  const vllmAndPython = lines(
    '# HELP vllm:requests_total vLLM requests',
    '# TYPE vllm:requests_total counter',
    'vllm:requests_total 5.0',
    '# HELP vllm:requests_created vLLM requests',
    '# TYPE vllm:requests_created gauge',
    'vllm:requests_created 1.7e+09',
    '# HELP python_gc_objects_total GC objects',
    '# TYPE python_gc_objects_total counter',
    'python_gc_objects_total 100.0',
    '# HELP python_gc_objects_created GC objects',
    '# TYPE python_gc_objects_created gauge',
    'python_gc_objects_created 1.7e+09',
  );

  it('4: include prefix keeps only vllm: families and injects into them', () => {
    const out = process(vllmAndPython, {
      includePrefixes: ['vllm:'],
      injectLabels: { dynamo_namespace: 'prod', model: 'llama-3-70b' },
    });
    expect(out).toContain('vllm:requests');
    expect(out).toContain('dynamo_namespace="prod"');
    expect(out).toContain('model="llama-3-70b"');
    expect(out).not.toContain('python_gc_objects');
    const parsed = parseExposition(out);
    expect(parsed.ok && parsed.exposition.families.map((f) => f.name)).toEqual([
      'vllm:requests_total',
      'vllm:requests_created',
    ]);
  });

  it('5: exclude prefix drops python_ families', () => {
    const text = vllmAndPython.replaceAll('vllm:requests', 'app_requests');
    const out = process(text, {
      excludePrefixes: ['python_'],
      injectLabels: { dynamo_component: 'test-component' },
    });
    expect(out).toContain('app_requests');
    expect(out).toContain('dynamo_component="test-component"');
    expect(out).not.toContain('python_gc_objects');
  });

  it('6: include prefix for TRT-LLM metrics', () => {
    const text = lines(
      '# HELP trtllm_requests_total r',
      '# TYPE trtllm_requests_total counter',
      'trtllm_requests_total 5.0',
    );
    const out = process(text, {
      includePrefixes: ['trtllm_'],
      injectLabels: { dynamo_namespace: 'prod', model: 'qwen-32b' },
    });
    expect(out).toContain('trtllm_requests');
    expect(out).toContain('dynamo_namespace="prod"');
    expect(out).toContain('model="qwen-32b"');
  });

  it('7: keeps the existing labels next to the injected ones', () => {
    const text = lines(
      '# HELP requests_total r',
      '# TYPE requests_total counter',
      'requests_total{status="success",method="GET"} 10.0',
    );
    const out = process(text, {
      injectLabels: { dynamo_namespace: 'prod', dynamo_component: 'vllm-worker' },
    });
    for (const pair of [
      'status="success"',
      'method="GET"',
      'dynamo_namespace="prod"',
      'dynamo_component="vllm-worker"',
    ]) {
      expect(out).toContain(pair);
    }
    expect(out).toContain(
      'requests_total{dynamo_component="vllm-worker",dynamo_namespace="prod",method="GET",status="success"} 10\n',
    );
  });

  it('8: injects seven labels at once', () => {
    const labels = {
      dynamo_namespace: 'prod',
      dynamo_component: 'vllm-worker',
      dynamo_endpoint: 'generate',
      model: 'llama-3-70b',
      instance_id: 'worker-0',
      rank: '0',
      gpu_id: '0',
    };
    const out = process(
      lines('# HELP memory_usage_bytes m', '# TYPE memory_usage_bytes gauge', 'memory_usage_bytes 1024.0'),
      {
        injectLabels: labels,
      },
    );
    for (const [k, v] of Object.entries(labels)) expect(out).toContain(`${k}="${v}"`);
  });

  it('9: no labels to inject is a no-op, and repeatable', () => {
    const first = process(counterRequests, { injectLabels: undefined });
    const second = process(counterRequests, { injectLabels: undefined });
    expect(first).toBe(second);
    expect(first).toContain('requests');
    expect(first).not.toContain('{');
    // The empty object, which Dynamo's test mentions but never runs, behaves the same.
    expect(process(counterRequests, { injectLabels: {} })).toBe(first);
    expect(injectLabels(counterRequests, {})).toBe(counterRequests);
  });

  it('10: labels line up with the Rust hierarchy labels', () => {
    const text = lines(
      '# HELP vllm:requests_total r',
      '# TYPE vllm:requests_total counter',
      'vllm:requests_total 100.0',
    );
    const out = process(text, {
      includePrefixes: ['vllm:'],
      injectLabels: {
        dynamo_namespace: 'prod-inference',
        dynamo_component: 'vllm-decode-worker',
        dynamo_endpoint: 'generate',
      },
    });
    expect(out).toContain('dynamo_namespace="prod-inference"');
    expect(out).toContain('dynamo_component="vllm-decode-worker"');
    expect(out).toContain('dynamo_endpoint="generate"');
    expect(out).toContain('vllm:requests');
  });
});

describe('label injection: the edge cases Dynamo does not test', () => {
  it('an existing label beats the injected one', () => {
    expect(injectLabels('a{model="orig"} 1\n', { model: 'injected' })).toBe('a{model="orig"} 1\n');
  });

  it('escapes quote, backslash and newline in injected values', () => {
    expect(injectLabels('a 1\n', { v: 'a"b\\c\nd' })).toBe('a{v="a\\"b\\\\c\\nd"} 1\n');
  });

  it('a value that tries to close the label set and forge a series stays inside one label', () => {
    const out = injectLabels('a 1\n', { v: 'x"} 1\nevil_total{a="b' });
    expect(out).toBe('a{v="x\\"} 1\\nevil_total{a=\\"b"} 1\n');
    const parsed = parseExposition(out);
    expect(parsed.ok && parsed.exposition.families.map((f) => f.name)).toEqual(['a']);
  });

  it('a value ending in a backslash cannot escape the closing quote', () => {
    const out = injectLabels('a 1\n', { v: 'trailing\\' });
    expect(out).toBe('a{v="trailing\\\\"} 1\n');
    expect(parseExposition(out).ok).toBe(true);
  });

  it('re-escapes existing escaped values correctly', () => {
    expect(injectLabels('a{p="C:\\\\x\\"y\\n"} 1\n', { z: '1' })).toBe('a{p="C:\\\\x\\"y\\n",z="1"} 1\n');
  });

  it.each(['le', 'quantile'])('rejects the reserved label %s with a DynotelError', (name) => {
    let caught: unknown;
    try {
      injectLabels('a 1\n', { [name]: '1' });
    } catch (error) {
      caught = error;
    }
    expect(isDynotelError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe('ERR_DYNOTEL_METRICS_RESERVED_LABEL');
    expect((caught as Error).message).toContain(name);
  });

  it.each(['bad-name', '1abc', '__reserved', ''])('rejects the label name %j', (name) => {
    expect(() => injectLabels('a 1\n', { [name]: 'v' })).toThrow(
      expect.objectContaining({ code: 'ERR_DYNOTEL_METRICS_INVALID_LABEL_NAME' }),
    );
  });

  it('rejects a value with an unpaired surrogate', () => {
    expect(() => injectLabels('a 1\n', { v: 'x\uD800' })).toThrow(
      expect.objectContaining({ code: 'ERR_DYNOTEL_METRICS_INVALID_LABEL_VALUE' }),
    );
  });

  it('rejects text that does not parse', () => {
    expect(() => injectLabels('a{ 1\n', { v: '1' })).toThrow(
      expect.objectContaining({
        code: 'ERR_DYNOTEL_METRICS_EXPOSITION_INVALID',
        message: expect.stringContaining('line 1'),
      }),
    );
  });

  it('processForeignText drops the text and counts it when le is injected (Dynamo returns "")', () => {
    const result = processForeignText(counterRequests, { injectLabels: { le: '1' } });
    expect(result).toEqual({ ok: false, reason: 'invalid_labels', message: expect.stringContaining('le') });
    expect(dropped('invalid_labels')).toBe(1);
  });

  it('two series that injection would make identical are dropped, not emitted twice', () => {
    const result = processForeignText('a{x="1"} 1\na{x="1",m="m"} 2\n', { injectLabels: { m: 'm' } });
    expect(result).toMatchObject({ ok: false, reason: 'duplicate_after_inject' });
    expect(dropped('duplicate_after_inject')).toBe(1);
  });

  it('labels come out sorted with le and quantile last', () => {
    const out = injectLabels('# TYPE s summary\ns{quantile="0.5",z="1"} 1\ns_sum 1\ns_count 1\n', { a: 'x' });
    expect(out).toContain('s{a="x",z="1",quantile="0.5"} 1\n');
  });
});
