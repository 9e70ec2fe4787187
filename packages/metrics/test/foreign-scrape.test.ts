import { diag, selfMetrics } from '@dynotel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMetricsRoot, processForeignText } from '../src/index.ts';
import { scrapeParsed } from './sets-helpers.ts';

const engineText = [
  '# HELP vllm:num_requests_running Number of requests running',
  '# TYPE vllm:num_requests_running gauge',
  'vllm:num_requests_running{model_name="llama"} 3.0',
  '# HELP python_gc_objects_collected_total Objects collected during gc',
  '# TYPE python_gc_objects_collected_total counter',
  'python_gc_objects_collected_total{generation="0"} 120.0',
  '',
].join('\n');

beforeEach(() => {
  selfMetrics.reset();
  diag.setSink(() => {});
});
afterEach(() => diag.reset());

describe('engine metrics through processForeignText on a real scrape', () => {
  it('appends the filtered, labelled engine text, and a broken source drops alone', async () => {
    const root = createMetricsRoot({ workerId: 0xbeefn });
    const endpoint = root.namespace('prod').component('vllm-worker').endpoint('generate');
    endpoint.counter({ name: 'requests_total', help: 'Requests' }).inc();
    // The level's own auto-labels (sanitised the Rust way: vllm-worker → vllm_worker), so engine series line
    // up with the hierarchy series; Dynamo's Python path injects the raw, unsanitised names instead.
    const labels = endpoint.autoLabels;
    expect(labels).toEqual({
      dynamo_namespace: 'prod',
      dynamo_component: 'vllm_worker',
      dynamo_endpoint: 'generate',
      worker_id: 'beef',
    });
    endpoint.addExpositionCallback(() => {
      const result = processForeignText(engineText, {
        includePrefixes: ['vllm:'],
        injectLabels: labels,
        source: 'vllm',
      });
      return result.ok ? result.text : '';
    });
    endpoint.addExpositionCallback(() => {
      const result = processForeignText('sglang:x{a="unterminated} 1\n', { source: 'sglang' });
      return result.ok ? result.text : '';
    });
    const s = await scrapeParsed(root);
    expect(s.value('vllm:num_requests_running', { ...labels, model_name: 'llama' })).toBe(3);
    expect(s.samples('python_gc_objects_collected_total')).toEqual([]);
    expect(s.samples('sglang:x')).toEqual([]);
    expect(s.value('dynamo_component_requests_total', labels)).toBe(1);
    expect(
      selfMetrics.counter('dynotel_metrics_foreign_text_dropped_total', '').get({ reason: 'invalid_text' }),
    ).toBe(1);
  });
});
