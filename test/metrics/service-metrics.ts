import {
  createComponentMetrics,
  createFrontendMetrics,
  createMetricsRoot,
  createProcessMetrics,
  type MetricsRoot,
  processForeignText,
} from '@dynotel/metrics';

/** A service exposing every standard metric set, with known traffic, for the real-Prometheus tests. */
export interface ServiceMetrics {
  readonly root: MetricsRoot;
  simulateTraffic(): void;
  readonly expected: { readonly componentRequests: number };
}

// What an engine (vLLM) would expose beside us: one family we keep, one the filter drops.
const ENGINE_TEXT = `# HELP vllm:num_requests_running Number of requests running.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="llama-3-8b"} 3
# HELP python_gc_objects_collected_total Objects collected during gc
# TYPE python_gc_objects_collected_total counter
python_gc_objects_collected_total{generation="0"} 42
`;

export function buildServiceMetrics(): ServiceMetrics {
  const root = createMetricsRoot({ workerId: 0x694d98147d54be25n });
  const endpoint = root.namespace('dynamo').component('backend').endpoint('generate');
  const component = createComponentMetrics(endpoint, { uptimeLevel: root });
  const frontend = createFrontendMetrics(root);
  createProcessMetrics(root);
  endpoint.addExpositionCallback(() => {
    const result = processForeignText(ENGINE_TEXT, {
      includePrefixes: ['vllm:'],
      injectLabels: { dynamo_namespace: 'dynamo', dynamo_component: 'backend', model: 'llama-3-8b' },
    });
    return result.ok ? result.text : '';
  });

  return {
    root,
    expected: { componentRequests: 3 },
    simulateTraffic() {
      for (let i = 0; i < 3; i++) {
        const request = component.startRequest(128);
        request.responseBytes(512);
        if (i === 2) request.error('generate');
        request.end();
      }
      const ok = frontend.startRequest('Llama-3-8B', 'chat_completions', 'stream');
      const tracker = ok.responseTracker();
      for (let chunk = 0; chunk < 5; chunk++) tracker.observe({ inputTokens: 40, chunkTokens: 2 });
      ok.markOk();
      ok.end();
      const overloaded = frontend.startRequest('llama-3-8b', 'chat_completions', 'stream');
      overloaded.rejected();
      overloaded.end();
    },
  };
}
