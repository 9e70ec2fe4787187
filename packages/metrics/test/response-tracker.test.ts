import { describe, expect, it } from 'vitest';
import { createMetricsRoot } from '../src/index.ts';
import { createFrontendMetrics } from '../src/sets/frontend-metrics.ts';
import { ResponseTracker } from '../src/sets/response-tracker.ts';
import { manualClock, scrapeParsed } from './sets-helpers.ts';

const P = 'dynamo_frontend';
const M = { model: 'm' };

function setup() {
  const clock = manualClock();
  const root = createMetricsRoot();
  const metrics = createFrontendMetrics(root, { clock: clock.now });
  let dequeued = 0;
  const tracker = new ResponseTracker(metrics, 'm', { clock: clock.now, onDequeue: () => dequeued++ });
  return { clock, root, metrics, tracker, dequeued: () => dequeued };
}

describe("ResponseTracker: Dynamo's ResponseMetricCollector rules (reference §2.8)", () => {
  it('TTFT runs from tracker creation to the first chunk with tokens, which also observes the ISL', async () => {
    const { clock, root, tracker } = setup();
    clock.advance(250);
    tracker.observe({ inputTokens: 42, chunkTokens: 1 });
    const s = await scrapeParsed(root);
    expect(s.value(`${P}_time_to_first_token_seconds_sum`, M)).toBeCloseTo(0.25, 12);
    expect(s.value(`${P}_time_to_first_token_seconds_count`, M)).toBe(1);
    expect(s.value(`${P}_input_sequence_tokens_sum`, M)).toBe(42);
    expect(s.value(`${P}_input_sequence_tokens_count`, M)).toBe(1);
  });

  it('all tokens of the first chunk count toward TTFT and none toward ITL', async () => {
    const { clock, root, tracker } = setup();
    clock.advance(100);
    tracker.observe({ inputTokens: 5, chunkTokens: 4 });
    const s = await scrapeParsed(root);
    expect(s.value(`${P}_time_to_first_token_seconds_count`, M)).toBe(1);
    expect(s.value(`${P}_inter_token_latency_seconds_count`, M)).toBeUndefined();
    expect(s.value(`${P}_output_tokens_total`, M)).toBe(4);
  });

  it('a later chunk of n tokens observes ITL n times with Δt/n', async () => {
    const { clock, root, tracker } = setup();
    clock.advance(100);
    tracker.observe({ inputTokens: 5, chunkTokens: 1 });
    clock.advance(30);
    tracker.observe({ inputTokens: 5, chunkTokens: 3 });
    clock.advance(8);
    tracker.observe({ inputTokens: 5, chunkTokens: 1 });
    const s = await scrapeParsed(root);
    expect(s.value(`${P}_inter_token_latency_seconds_count`, M)).toBe(4);
    expect(s.value(`${P}_inter_token_latency_seconds_sum`, M)).toBeCloseTo(0.01 * 3 + 0.008, 12);
    // 0.01 s lands in the 0.013 bucket, 0.008 as well; nothing below 0.0067.
    expect(s.value(`${P}_inter_token_latency_seconds_bucket`, { ...M, le: '0.0067' })).toBe(0);
    expect(s.value(`${P}_inter_token_latency_seconds_bucket`, { ...M, le: '0.013' })).toBe(4);
    expect(s.value(`${P}_time_to_first_token_seconds_count`, M)).toBe(1);
    expect(s.value(`${P}_input_sequence_tokens_count`, M)).toBe(1);
    expect(s.value(`${P}_output_tokens_total`, M)).toBe(5);
  });

  it('ITL is measured from the previous chunk with tokens; zero-token chunks are ignored', async () => {
    const { clock, root, tracker } = setup();
    clock.advance(10);
    tracker.observe({ inputTokens: 5, chunkTokens: 0 });
    clock.advance(10);
    tracker.observe({ inputTokens: 5, chunkTokens: 1 });
    clock.advance(10);
    tracker.observe({ inputTokens: 5, chunkTokens: 0 });
    clock.advance(10);
    tracker.observe({ inputTokens: 5, chunkTokens: 2 });
    const s = await scrapeParsed(root);
    expect(s.value(`${P}_time_to_first_token_seconds_sum`, M)).toBeCloseTo(0.02, 12);
    expect(s.value(`${P}_inter_token_latency_seconds_sum`, M)).toBeCloseTo(0.02, 12); // 2 × (20 ms / 2)
    expect(s.value(`${P}_inter_token_latency_seconds_count`, M)).toBe(2);
  });

  it('OSL is the last outputTokens value seen, observed once at finish', async () => {
    const { root, tracker } = setup();
    tracker.observe({ inputTokens: 5, chunkTokens: 2, outputTokens: 2 });
    tracker.observe({ inputTokens: 5, chunkTokens: 3, outputTokens: 5 });
    tracker.observe({ inputTokens: 5, chunkTokens: 0, outputTokens: 7 });
    let s = await scrapeParsed(root);
    expect(s.value(`${P}_output_sequence_tokens_count`, M)).toBeUndefined();
    tracker.finish();
    tracker.finish();
    s = await scrapeParsed(root);
    expect(s.value(`${P}_output_sequence_tokens_count`, M)).toBe(1);
    expect(s.value(`${P}_output_sequence_tokens_sum`, M)).toBe(7);
  });

  it('without outputTokens the OSL is the sum of chunk tokens', async () => {
    const { root, tracker } = setup();
    tracker.observeResponse(5, 2);
    tracker.observeResponse(5, 3);
    tracker.finish();
    expect((await scrapeParsed(root)).value(`${P}_output_sequence_tokens_sum`, M)).toBe(5);
  });

  it('OSL is not observed when it is 0, and a request without tokens adds no TTFT series', async () => {
    const { root, tracker } = setup();
    tracker.observe({ inputTokens: 5, chunkTokens: 0 });
    tracker.finish();
    const s = await scrapeParsed(root);
    expect(s.samples(`${P}_output_sequence_tokens_count`)).toEqual([]);
    expect(s.samples(`${P}_time_to_first_token_seconds_count`)).toEqual([]);
  });

  it('the queued slot is released at the first chunk with tokens, once', () => {
    const { tracker, dequeued } = setup();
    tracker.observe({ inputTokens: 5, chunkTokens: 0 });
    expect(dequeued()).toBe(0);
    tracker.observe({ inputTokens: 5, chunkTokens: 1 });
    tracker.observe({ inputTokens: 5, chunkTokens: 1 });
    tracker.finish();
    expect(dequeued()).toBe(1);
  });

  it('the queued slot is released at finish when no token came', () => {
    const { tracker, dequeued } = setup();
    tracker.finish();
    expect(dequeued()).toBe(1);
  });

  it('cached tokens are observed once per request, the first time they are present', async () => {
    const { root, tracker } = setup();
    tracker.observe({ inputTokens: 5, chunkTokens: 0 });
    tracker.observe({ inputTokens: 5, chunkTokens: 1, cachedTokens: 64 });
    tracker.observe({ inputTokens: 5, chunkTokens: 1, cachedTokens: 128 });
    const s = await scrapeParsed(root);
    expect(s.value(`${P}_cached_tokens_count`, M)).toBe(1);
    expect(s.value(`${P}_cached_tokens_sum`, M)).toBe(64);
  });

  it('ignores invalid token counts and chunks after finish', async () => {
    const { root, tracker } = setup();
    tracker.observe({ inputTokens: 5, chunkTokens: -1 });
    tracker.observe({ inputTokens: 5, chunkTokens: Number.NaN });
    tracker.observe({ inputTokens: 5, chunkTokens: 1.5 });
    tracker.finish();
    tracker.observe({ inputTokens: 5, chunkTokens: 3 });
    const s = await scrapeParsed(root);
    expect(s.samples(`${P}_output_tokens_total`)).toEqual([]);
    expect(s.samples(`${P}_time_to_first_token_seconds_count`)).toEqual([]);
  });

  it('summarises the request for the span fields (ttft_ms, avg_itl_ms, tokens)', () => {
    const { clock, tracker } = setup();
    expect(tracker.summary()).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      ttftMs: undefined,
      avgItlMs: undefined,
    });
    clock.advance(120);
    tracker.observe({ inputTokens: 9, chunkTokens: 1 });
    clock.advance(40);
    tracker.observe({ inputTokens: 9, chunkTokens: 4 });
    expect(tracker.finish()).toEqual({ inputTokens: 9, outputTokens: 5, ttftMs: 120, avgItlMs: 10 });
    expect(tracker.finished).toBe(true);
  });
});
