import { type DiagnosticRecord, diag } from '@dynotel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { generateLogBuckets } from '../src/buckets/log-buckets.ts';
import { createMetricsRoot } from '../src/index.ts';
import { errorTypeFromHttpStatus } from '../src/sets/frontend-labels.ts';
import { createFrontendMetrics, resolveFrontendPrefix } from '../src/sets/frontend-metrics.ts';
import { manualClock, scrapeParsed } from './sets-helpers.ts';

const P = 'dynamo_frontend';

function setup(options: Parameters<typeof createFrontendMetrics>[1] = {}) {
  const clock = manualClock();
  const root = createMetricsRoot({ workerId: 0xabcn });
  const metrics = createFrontendMetrics(root, { clock: clock.now, ...options });
  return { clock, root, metrics };
}

afterEach(() => diag.reset());

describe('createFrontendMetrics: names, types and labels of reference §2.7', () => {
  it('creates every metric with the default prefix, no auto-labels and the documented label names', () => {
    const { metrics } = setup();
    const shape = (m: { name: string; type: string; labelNames: readonly string[] }) => [
      m.name,
      m.type,
      m.labelNames,
    ];
    expect(
      [
        metrics.requests,
        metrics.inflightRequests,
        metrics.activeRequests,
        metrics.queuedRequests,
        metrics.disconnectedClients,
        metrics.requestDuration,
        metrics.inputSequenceTokens,
        metrics.outputSequenceTokens,
        metrics.outputTokens,
        metrics.timeToFirstToken,
        metrics.interTokenLatency,
        metrics.cachedTokens,
        metrics.tokenizerLatency,
        metrics.modelTotalKvBlocks,
        metrics.modelMaxNumSeqs,
        metrics.modelMaxNumBatchedTokens,
        metrics.modelContextLength,
        metrics.modelKvCacheBlockSize,
        metrics.modelMigrationLimit,
        metrics.modelMigrations,
        metrics.modelMigrationMaxSeqLenExceeded,
        metrics.modelCancellations,
        metrics.modelRejections,
      ].map(shape),
    ).toEqual([
      [`${P}_requests_total`, 'counter', ['model', 'endpoint', 'request_type', 'status', 'error_type']],
      [`${P}_inflight_requests`, 'gauge', ['model']],
      [`${P}_active_requests`, 'gauge', ['model']],
      [`${P}_queued_requests`, 'gauge', ['model']],
      [`${P}_disconnected_clients`, 'gauge', []],
      [`${P}_request_duration_seconds`, 'histogram', ['model']],
      [`${P}_input_sequence_tokens`, 'histogram', ['model']],
      [`${P}_output_sequence_tokens`, 'histogram', ['model']],
      [`${P}_output_tokens_total`, 'counter', ['model']],
      [`${P}_time_to_first_token_seconds`, 'histogram', ['model']],
      [`${P}_inter_token_latency_seconds`, 'histogram', ['model']],
      [`${P}_cached_tokens`, 'histogram', ['model']],
      [`${P}_tokenizer_latency_ms`, 'histogram', ['operation']],
      [`${P}_model_total_kv_blocks`, 'gauge', ['model']],
      [`${P}_model_max_num_seqs`, 'gauge', ['model']],
      [`${P}_model_max_num_batched_tokens`, 'gauge', ['model']],
      [`${P}_model_context_length`, 'gauge', ['model']],
      [`${P}_model_kv_cache_block_size`, 'gauge', ['model']],
      [`${P}_model_migration_limit`, 'gauge', ['model']],
      [`${P}_model_migration_total`, 'counter', ['model', 'migration_type']],
      [`${P}_model_migration_max_seq_len_exceeded_total`, 'counter', ['model']],
      [`${P}_model_cancellation_total`, 'counter', ['model', 'endpoint', 'request_type']],
      [`${P}_model_rejection_total`, 'counter', ['model', 'endpoint']],
    ]);
  });

  it('carries no hierarchy labels and no worker_id', async () => {
    const { root, metrics } = setup();
    metrics.disconnectedClients.inc();
    const s = await scrapeParsed(root);
    expect(s.value(`${P}_disconnected_clients`)).toBe(1);
  });

  it('has the exact bucket lists by default', () => {
    const { metrics } = setup();
    expect(metrics.requestDuration.buckets).toEqual([0, 2, 4, 8, 16, 32, 64, 130, 260, 510]);
    const isl = [0, 100, 210, 430, 870, 1800, 3600, 7400, 15000, 31000, 63000, 130000];
    expect(metrics.inputSequenceTokens.buckets).toEqual(isl);
    expect(metrics.cachedTokens.buckets).toEqual(isl);
    expect(metrics.outputSequenceTokens.buckets).toEqual([
      0, 100, 210, 430, 880, 1800, 3700, 7600, 16000, 32000,
    ]);
    expect(metrics.timeToFirstToken.buckets).toEqual([
      0, 0.0022, 0.0047, 0.01, 0.022, 0.047, 0.1, 0.22, 0.47, 1, 2.2, 4.7, 10, 22, 48, 100, 220, 480,
    ]);
    expect(metrics.interTokenLatency.buckets).toEqual([
      0, 0.0019, 0.0035, 0.0067, 0.013, 0.024, 0.045, 0.084, 0.16, 0.3, 0.56, 1.1, 2,
    ]);
    expect(metrics.tokenizerLatency.buckets).toEqual([0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  });

  it('takes resolved bucket overrides per histogram; an invalid one falls back with a warning', () => {
    const records: DiagnosticRecord[] = [];
    diag.setSink((record) => records.push(record));
    const { metrics } = setup({
      buckets: {
        ttft: { min: 0.01, max: 10, count: 5 },
        itl: { min: 2, max: 1, count: 5 },
        inputSequence: { count: 3 },
      },
    });
    expect(metrics.timeToFirstToken.buckets).toEqual(generateLogBuckets(0.01, 10, 5));
    expect(metrics.interTokenLatency.buckets).toEqual([
      0, 0.0019, 0.0035, 0.0067, 0.013, 0.024, 0.045, 0.084, 0.16, 0.3, 0.56, 1.1, 2,
    ]);
    expect(metrics.inputSequenceTokens.buckets).toEqual(generateLogBuckets(50, 128000, 3));
    expect(records.map((r) => r.fields?.variables)).toEqual(['DYN_METRICS_ITL_{MIN,MAX,COUNT}']);
  });

  it.each([
    [undefined, 'dynamo_frontend'],
    ['', 'dynamo_frontend'],
    ['nim', 'nim'],
    ['my.prefix', 'my_prefix'],
    ['123metrics', '_123metrics'],
    ['@#$%', 'dynamo_frontend'],
  ])('prefix %j becomes %j', (prefix, expected) => {
    expect(resolveFrontendPrefix(prefix)).toBe(expected);
  });

  it('uses the configured prefix in every name', () => {
    const { metrics } = setup({ prefix: 'nim' });
    expect(metrics.prefix).toBe('nim');
    expect(metrics.requests.name).toBe('nim_requests_total');
    expect(metrics.timeToFirstToken.name).toBe('nim_time_to_first_token_seconds');
  });
});

describe('FrontendRequest: the InflightGuard / HttpQueueGuard rules', () => {
  it('tracks inflight, active and queued for the lower-cased model, and ends as success', async () => {
    const { clock, root, metrics } = setup();
    const request = metrics.startRequest('Llama-3-70B', 'chat_completions', 'stream');
    const model = { model: 'llama-3-70b' };
    let s = await scrapeParsed(root);
    expect(s.value(`${P}_inflight_requests`, model)).toBe(1);
    expect(s.value(`${P}_active_requests`, model)).toBe(1);
    expect(s.value(`${P}_queued_requests`, model)).toBe(1);
    clock.advance(50);
    const tracker = request.responseTracker();
    expect(request.responseTracker()).toBe(tracker);
    clock.advance(200);
    tracker.observe({ inputTokens: 10, chunkTokens: 1 });
    s = await scrapeParsed(root);
    expect(s.value(`${P}_queued_requests`, model)).toBe(0); // prefill time counted as queued, then released
    expect(s.value(`${P}_time_to_first_token_seconds_sum`, model)).toBeCloseTo(0.2, 12); // from tracker creation
    clock.advance(2750);
    request.markOk();
    request.end();
    request.end();
    s = await scrapeParsed(root);
    expect(
      s.value(`${P}_requests_total`, {
        ...model,
        endpoint: 'chat_completions',
        request_type: 'stream',
        status: 'success',
        error_type: '',
      }),
    ).toBe(1);
    expect(s.value(`${P}_request_duration_seconds_sum`, model)).toBe(3);
    expect(s.value(`${P}_request_duration_seconds_bucket`, { ...model, le: '2' })).toBe(0);
    expect(s.value(`${P}_request_duration_seconds_bucket`, { ...model, le: '4' })).toBe(1);
    expect(s.value(`${P}_inflight_requests`, model)).toBe(0);
    expect(s.value(`${P}_active_requests`, model)).toBe(0);
    expect(s.value(`${P}_queued_requests`, model)).toBe(0);
    expect(s.value(`${P}_output_sequence_tokens_sum`, model)).toBe(1);
  });

  it('an unmarked request ends as status="error", error_type="internal", and releases its queued slot', async () => {
    const { root, metrics } = setup();
    metrics.startRequest('m', 'completions', 'unary').end();
    const s = await scrapeParsed(root);
    const labels = { model: 'm', endpoint: 'completions', request_type: 'unary', status: 'error' };
    expect(s.value(`${P}_requests_total`, { ...labels, error_type: 'internal' })).toBe(1);
    expect(s.value(`${P}_queued_requests`, { model: 'm' })).toBe(0);
  });

  it.each([
    [400, 'Validation: max_tokens too large', 'validation'],
    [404, undefined, 'not_found'],
    [503, undefined, 'overload'],
  ] as const)('markHttpError(%i) ends with error_type %s', async (status, message, errorType) => {
    const { root, metrics } = setup();
    const request = metrics.startRequest('m', 'completions', 'unary');
    request.markHttpError(status, message);
    request.end();
    const s = await scrapeParsed(root);
    const labels = {
      model: 'm',
      endpoint: 'completions',
      request_type: 'unary',
      status: 'error',
      error_type: errorType,
    };
    expect(s.value(`${P}_requests_total`, labels)).toBe(1);
  });

  it('a client disconnect counts disconnected_clients, model_cancellation_total and error_type cancelled', async () => {
    const { root, metrics } = setup();
    const request = metrics.startRequest('m', 'chat_completions', 'stream');
    request.clientDisconnected();
    request.end();
    const s = await scrapeParsed(root);
    expect(s.value(`${P}_disconnected_clients`)).toBe(1);
    expect(
      s.value(`${P}_model_cancellation_total`, {
        model: 'm',
        endpoint: 'chat_completions',
        request_type: 'stream',
      }),
    ).toBe(1);
    expect(
      s.value(`${P}_requests_total`, {
        model: 'm',
        endpoint: 'chat_completions',
        request_type: 'stream',
        status: 'error',
        error_type: 'cancelled',
      }),
    ).toBe(1);
  });

  it('a rejection counts model_rejection_total and ends as overload', async () => {
    const { root, metrics } = setup();
    const request = metrics.startRequest('m', 'completions', 'unary');
    request.rejected();
    request.end();
    const s = await scrapeParsed(root);
    expect(s.value(`${P}_model_rejection_total`, { model: 'm', endpoint: 'completions' })).toBe(1);
    expect(s.samples(`${P}_requests_total`)[0]?.labels.error_type).toBe('overload');
  });
});

describe('model configuration, migration and tokenizer metrics', () => {
  it('runtime fields update on every registration, card fields only on the first; the display name is kept', async () => {
    const { root, metrics } = setup();
    metrics.registerModel('Qwen/Qwen3-0.6B', {
      totalKvBlocks: 100,
      maxNumSeqs: 8,
      contextLength: 4096,
      kvCacheBlockSize: 16,
    });
    metrics.registerModel('Qwen/Qwen3-0.6B', { totalKvBlocks: 200, contextLength: 8192, migrationLimit: 3 });
    const s = await scrapeParsed(root);
    const model = { model: 'Qwen/Qwen3-0.6B' };
    expect(s.value(`${P}_model_total_kv_blocks`, model)).toBe(200);
    expect(s.value(`${P}_model_max_num_seqs`, model)).toBe(8);
    expect(s.value(`${P}_model_context_length`, model)).toBe(4096);
    expect(s.value(`${P}_model_kv_cache_block_size`, model)).toBe(16);
    expect(s.samples(`${P}_model_migration_limit`)).toEqual([]);
    expect(s.samples(`${P}_model_max_num_batched_tokens`)).toEqual([]);
  });

  it('counts migrations by type and the max-seq-len stop, and observes tokenizer latency by operation', async () => {
    const { root, metrics } = setup();
    metrics.migration('M', 'new_request');
    metrics.migration('M', 'ongoing_request');
    metrics.migration('M', 'ongoing_request');
    metrics.migrationMaxSeqLenExceeded('M');
    metrics.tokenizerLatencyMs('tokenize', 3);
    metrics.tokenizerLatencyMs('detokenize', 0.2);
    const s = await scrapeParsed(root);
    expect(s.value(`${P}_model_migration_total`, { model: 'm', migration_type: 'new_request' })).toBe(1);
    expect(s.value(`${P}_model_migration_total`, { model: 'm', migration_type: 'ongoing_request' })).toBe(2);
    expect(s.value(`${P}_model_migration_max_seq_len_exceeded_total`, { model: 'm' })).toBe(1);
    expect(s.value(`${P}_tokenizer_latency_ms_bucket`, { operation: 'tokenize', le: '4' })).toBe(1);
    expect(s.value(`${P}_tokenizer_latency_ms_bucket`, { operation: 'detokenize', le: '0.5' })).toBe(1);
  });
});

describe('errorTypeFromHttpStatus (openai.rs L104-124)', () => {
  it.each([
    [400, 'Validation: bad', 'validation'],
    [400, 'something else', 'internal'],
    [400, undefined, 'internal'],
    [404, undefined, 'not_found'],
    [501, undefined, 'not_implemented'],
    [429, undefined, 'overload'],
    [503, undefined, 'overload'],
    [500, undefined, 'internal'],
    [499, undefined, 'cancelled'],
    [401, undefined, 'validation'],
    [422, undefined, 'validation'],
    [502, undefined, 'internal'],
    [200, undefined, 'internal'],
  ] as const)('%i %j → %s', (status, message, expected) => {
    expect(errorTypeFromHttpStatus(status, message)).toBe(expected);
  });
});
