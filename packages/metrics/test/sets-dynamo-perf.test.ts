import { describe, expect, it } from 'vitest';
import {
  createFrontendStageMetrics,
  createFrontendWorkerLastMetrics,
  createMetricsRoot,
  createWorkHandlerMetrics,
  FRONTEND_SEND_TS_HEADER,
} from '../src/index.ts';

function fakeClock() {
  let now = 1000;
  const clock = () => now;
  return { clock, advance: (ms: number) => (now += ms) };
}

describe('frontend stage timings (Dynamo frontend_perf.rs)', () => {
  it('counts requests inside a stage and observes its duration; tokenize/template/detokenize', async () => {
    const root = createMetricsRoot({ workerId: 0xabcn });
    const time = fakeClock();
    const stages = createFrontendStageMetrics(root, { clock: time.clock });
    const timer = stages.startStage('preprocess', 'aggregated');
    let body = (await root.scrape()).body;
    expect(body).toContain('dynamo_frontend_stage_requests{phase="aggregated",stage="preprocess"} 1');
    time.advance(3);
    timer.end();
    timer.end();
    stages.timeTokenize(() => time.advance(2));
    stages.timeTemplate(() => time.advance(0.5));
    stages.timeDetokenize(7, () => time.advance(0.07));
    await stages.timeStage('route', '', () => time.advance(1));
    body = (await root.scrape()).body;
    expect(body).toContain('dynamo_frontend_stage_requests{phase="aggregated",stage="preprocess"} 0');
    expect(body).toContain('dynamo_frontend_stage_duration_seconds_bucket{stage="preprocess",le="0.005"} 1');
    expect(body).toContain('dynamo_frontend_stage_duration_seconds_sum{stage="preprocess"} 0.003');
    expect(body).toContain('dynamo_frontend_stage_duration_seconds_count{stage="route"} 1');
    expect(body).toContain('dynamo_frontend_tokenize_seconds_sum 0.002');
    expect(body).toContain('dynamo_frontend_template_seconds_sum 0.0005');
    expect(body).toMatch(/dynamo_frontend_detokenize_total_us 70(\.0+\d*)?\n/);
    expect(body).toContain('dynamo_frontend_detokenize_token_count 7');
    // Process-global names: no hierarchy labels, no worker_id.
    expect(body).not.toMatch(/dynamo_frontend_(stage|tokenize|template|detokenize)[^\n]*worker_id/);
    expect(body).toContain('# TYPE dynamo_frontend_detokenize_total_us counter');
  });
});

describe('per-worker last-value gauges (Dynamo metrics.rs L50-118)', () => {
  it('sets TTFT, ISL and ITL per worker with a decimal worker_id and dp_rank none', async () => {
    const root = createMetricsRoot();
    const workers = createFrontendWorkerLastMetrics(root);
    workers.record(
      { workerId: '694d98147d54be25' },
      { timeToFirstTokenSeconds: 0.12, inputSequenceTokens: 40.7 },
    );
    workers.record({ workerId: 7n, dpRank: 1, workerType: 'prefill' }, { interTokenLatencySeconds: 0.015 });
    workers.record(
      { workerId: 7n, dpRank: 1, workerType: 'prefill' },
      { interTokenLatencySeconds: Number.NaN },
    );
    const { body } = await root.scrape();
    const id = BigInt('0x694d98147d54be25').toString();
    expect(body).toContain(
      `dynamo_frontend_worker_last_time_to_first_token_seconds{dp_rank="none",worker_id="${id}",worker_type="decode"} 0.12`,
    );
    expect(body).toContain(
      `dynamo_frontend_worker_last_input_sequence_tokens{dp_rank="none",worker_id="${id}",worker_type="decode"} 40`,
    );
    expect(body).toContain(
      'dynamo_frontend_worker_last_inter_token_latency_seconds{dp_rank="1",worker_id="7",worker_type="prefill"} 0.015',
    );
  });

  it('follows the frontend prefix (DYN_METRICS_PREFIX)', async () => {
    const root = createMetricsRoot();
    createFrontendWorkerLastMetrics(root, { prefix: 'nim' }).record(
      { workerId: 1 },
      { inputSequenceTokens: 3 },
    );
    expect((await root.scrape()).body).toContain('nim_worker_last_input_sequence_tokens{');
  });
});

describe('work-handler timings (Dynamo work_handler_perf.rs)', () => {
  it('records network transit from the frontend send stamp and time to first response', async () => {
    const root = createMetricsRoot({ workerId: 0xabcn });
    const handler = createWorkHandlerMetrics(root);
    expect(FRONTEND_SEND_TS_HEADER).toBe('x-frontend-send-ts-ns');
    const now = 1_800_000_000_000_000_000n;
    expect(handler.receivedFrom(String(now - 2_000_000n), now)).toBeCloseTo(0.002, 9);
    expect(handler.receivedFrom('not a number', now)).toBeUndefined();
    expect(handler.receivedFrom(String(now + 5n), now)).toBeUndefined();
    expect(handler.receivedFrom(undefined, now)).toBeUndefined();
    handler.firstResponse(0.3);
    const { body } = await root.scrape();
    expect(body).toContain('dynamo_work_handler_network_transit_seconds_count 1');
    expect(body).toContain('dynamo_work_handler_network_transit_seconds_bucket{le="0.005"} 1');
    expect(body).toContain('dynamo_work_handler_time_to_first_response_seconds_bucket{le="0.5"} 1');
    expect(body).not.toMatch(/dynamo_work_handler[^\n]*worker_id/);
  });
});
