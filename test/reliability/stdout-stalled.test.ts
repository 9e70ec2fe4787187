/**
 * stdout stalled (not closed) under the service: a child process running init() with JSONL logs on
 * stdout, whose reader stops reading (the parent pauses the pipe, so the kernel's pipe buffer fills and
 * the child's writes answer EAGAIN). While it is stalled:
 * - every request is answered, with bounded latency: no request waits on the log writer;
 * - readiness stays 200;
 * - memory is bounded: heapUsed after GC grows by at most the destination's buffer (16 MiB of
 *   characters) plus a margin, and stops growing once the buffer is full;
 * - lines beyond the buffer are counted in dynotel_log_lines_dropped_total{reason="buffer_full"}.
 * After the reader resumes, everything buffered arrives, as valid JSONL only (no torn line), and the
 * count is exact: lines that arrived + lines counted as dropped = lines the service produced. New
 * requests log again. SIGTERM then ends in exit 0 within the shutdown budget.
 *
 * And SIGTERM while stdout is still stalled: exit 0 within the budget (the log flush hook gives up
 * within its share of the hook timeout), and complete lines that arrived + lines counted as dropped
 * (buffer_full while serving, exit_timeout when the exit flush gave up) = lines produced, exactly. The
 * one line the kernel may have taken only the head of when the exit flush gave up is an unterminated
 * fragment at the end of the stream, counted as dropped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Child, parseJsonl, startFixture } from './support/child.ts';
import { quantile, runLoad, until } from './support/load.ts';
import { recordFigures } from './support/report.ts';
import { scrapedCounter } from './support/self-metrics.ts';
import { sized } from './support/settings.ts';

/** Requests while stalled, each with a handler line padded to PAD characters. */
const STALLED = sized(1200, 4000);
/** The destination's buffer is 16 MiB of characters (createLogger's default maxBufferBytes). */
const BUFFER_CHARS = 16 * 1024 * 1024;
const PAD = 16 * 1024;
const WARMUP = 50;
const SHUTDOWN_TIMEOUT_S = 5;
/** Far above the normal p99; only a request waiting on the stalled writer would reach it. */
const P99_CEILING_MS = 2000;
const MiB = 1024 * 1024;
/** What dynotel writes on a clean shutdown (no hook failed, nothing cut). */
const SHUTDOWN_MESSAGES = ['shutdown started: readiness is notready, draining', 'shutdown complete'];

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The logging self-metrics the exit-report fixture prints on exit, `reason → value`. */
function droppedAtExit(stderr: string): Record<string, number> {
  const line = stderr.split('\n').find((l) => l.startsWith('SELF_METRICS '));
  if (line === undefined) throw new Error(`no SELF_METRICS line on stderr:\n${stderr.slice(-2000)}`);
  const families = JSON.parse(line.slice('SELF_METRICS '.length)) as Record<string, Sample[]>;
  const out: Record<string, number> = {};
  for (const sample of families.dynotel_log_lines_dropped_total ?? [])
    out[sample.labels.reason ?? '?'] = sample.value;
  return out;
}

let child: Child | undefined;

afterEach(() => {
  child?.kill();
});

/** Waits until stdout has not grown for `quietMs` (everything the child had buffered has arrived). */
async function settled(c: Child, quietMs: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  for (;;) {
    const now = c.stdoutLines();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return now;
    if (Date.now() > deadline) throw new Error(`stdout still growing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(sized(['express'], ['express', 'fastify']))('stdout stalled under %s', (framework) => {
  it(`keeps serving ${STALLED} requests with a stalled reader, then delivers or counts every line exactly`, async () => {
    child = await startFixture(
      'service.ts',
      {
        FRAMEWORK: framework,
        DYN_LOGGING_JSONL: '1',
        DYN_SHUTDOWN_DRAIN_DELAY: '0',
        DYN_SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT_S),
      },
      { nodeFlags: ['--expose-gc'] },
    );
    const c = child;
    const base = `http://127.0.0.1:${c.ready}`;
    const heap = async () =>
      (await (await fetch(`${base}/debug/heap`)).json()) as { heapUsed: number; rss: number };
    const scrape = async () => (await fetch(`${base}/metrics`)).text();
    const health = async () => (await fetch(`${base}/health`)).status;
    // Requests that write lines besides the load: each heap probe writes one access line.
    let probeLines = 0;

    const warm = await runLoad({
      url: (i) => `${base}/v1/items/${i}`,
      total: WARMUP,
      concurrency: 8,
      idPrefix: 'warm',
    });
    expect(warm.every((r) => r.status === 200)).toBe(true);
    const heapBefore = await heap();
    probeLines++;
    const linesBefore = await settled(c, 300, 10_000);
    expect(linesBefore).toBe(1 + 2 * WARMUP + probeLines);

    // Stall: the parent stops reading; its stream buffer, then the kernel pipe, fill up.
    c.process.stdout?.pause();
    const healthStatuses: number[] = [];
    let heapMid: { heapUsed: number; rss: number } | undefined;
    const stalled = await runLoad({
      url: (i) => `${base}/v1/items/${i}?pad=${PAD}`,
      total: STALLED,
      concurrency: 8,
      idPrefix: 'stalled',
      onResult: (_r, done) => {
        if (done % 200 === 0)
          void health().then(
            (s) => healthStatuses.push(s),
            () => healthStatuses.push(0),
          );
        if (done === Math.floor(STALLED * 0.75) && heapMid === undefined) {
          probeLines++;
          void heap().then((h) => (heapMid = h));
        }
      },
    });
    await until(() => heapMid !== undefined, 10_000, 'mid-stall heap probe');
    const heapEnd = await heap();
    probeLines++;
    expect(stalled.filter((r) => r.status !== 200)).toEqual([]);
    expect(await health()).toBe(200);
    expect(healthStatuses.length).toBeGreaterThan(0);
    expect(healthStatuses.every((s) => s === 200)).toBe(true);
    const latencies = stalled.map((r) => r.latencyMs);
    const p99 = quantile(latencies, 0.99);
    expect(p99).toBeLessThan(P99_CEILING_MS);
    const droppedWhileStalled = scrapedCounter(
      await scrape(),
      'dynotel_log_lines_dropped_total',
      'reason="buffer_full"',
    );
    // The buffer really filled: the lines produced exceed it, and the overflow was counted.
    expect(droppedWhileStalled).toBeGreaterThan(0);
    // Bounded memory: at most the buffer (one byte per character here) plus a margin, and flat once full.
    expect(heapEnd.heapUsed - heapBefore.heapUsed).toBeLessThan(BUFFER_CHARS + 24 * MiB);
    expect(heapEnd.heapUsed - heapMid!.heapUsed).toBeLessThan(8 * MiB);
    const linesDuringStall = c.stdoutLines() - linesBefore;

    // Resume: everything buffered arrives; the count is exact.
    c.process.stdout?.resume();
    const linesAfterResume = await settled(c, 500, 30_000);
    const body = await scrape(); // scrapes write no line
    const dropped = scrapedCounter(body, 'dynotel_log_lines_dropped_total', 'reason="buffer_full"');
    expect(scrapedCounter(body, 'dynotel_log_lines_dropped_total', 'reason="closed"')).toBe(0);
    expect(scrapedCounter(body, 'dynotel_log_lines_dropped_total', 'reason="write_error"')).toBe(0);
    const produced = linesBefore + 2 * STALLED + (probeLines - 1);
    expect(linesAfterResume + dropped).toBe(produced);
    expect(await settled(c, 300, 10_000)).toBe(linesAfterResume);

    // Every line is valid JSON (no torn line at the stall boundary); each stalled request has its
    // access line and handler line at most once, and every line that arrived belongs to a request.
    const records = parseJsonl(c.stdout());
    expect(records).toHaveLength(linesAfterResume);
    const perRequest = new Map<string, number>();
    for (const record of records) {
      const id = record.x_request_id ?? record.request_id;
      if (typeof id === 'string' && id.startsWith('stalled-'))
        perRequest.set(id, (perRequest.get(id) ?? 0) + 1);
    }
    expect([...perRequest.values()].every((n) => n === 1 || n === 2)).toBe(true);
    const padded = records.filter((r) => r.message === 'handling item' && typeof r.pad === 'string');
    expect(padded.every((r) => (r.pad as string).length === PAD)).toBe(true);

    // Output resumes: new requests log again, every line arrives.
    const after = await runLoad({
      url: (i) => `${base}/v1/items/${i}`,
      total: 50,
      concurrency: 8,
      idPrefix: 'resumed',
    });
    expect(after.every((r) => r.status === 200)).toBe(true);
    expect(await settled(c, 300, 10_000)).toBe(linesAfterResume + 100);
    expect(scrapedCounter(await scrape(), 'dynotel_log_lines_dropped_total', 'reason="buffer_full"')).toBe(
      dropped,
    );

    const signalAt = performance.now();
    c.process.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    const shutdownMs = performance.now() - signalAt;
    expect(shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_S * 1000);
    // dynotel's own lines of a clean shutdown: exactly these two.
    const shutdownLines = parseJsonl(c.stdout()).slice(linesAfterResume + 100);
    expect(shutdownLines.map((l) => l.message)).toEqual(SHUTDOWN_MESSAGES);

    recordFigures(`stdout-stalled-${framework}`, {
      requestsWhileStalled: STALLED,
      padChars: PAD,
      p99Ms: Math.round(p99 * 10) / 10,
      maxMs: Math.round(Math.max(...latencies) * 10) / 10,
      healthProbes: healthStatuses.length + 1,
      linesArrivedDuringStall: linesDuringStall,
      produced,
      arrived: linesAfterResume,
      droppedBufferFull: dropped,
      heapUsedMiB: {
        before: +(heapBefore.heapUsed / MiB).toFixed(1),
        mid: +(heapMid!.heapUsed / MiB).toFixed(1),
        end: +(heapEnd.heapUsed / MiB).toFixed(1),
      },
      rssMiB: { before: +(heapBefore.rss / MiB).toFixed(1), end: +(heapEnd.rss / MiB).toFixed(1) },
      exit: 0,
      sigtermToExitMs: Math.round(shutdownMs),
    });
  });
});

it(`exits 0 within the shutdown budget when SIGTERM arrives with stdout still stalled, and counts what it could not write`, async () => {
  child = await startFixture('service-exit-report.ts', {
    FRAMEWORK: 'express',
    DYN_LOGGING_JSONL: '1',
    DYN_SHUTDOWN_DRAIN_DELAY: '0',
    DYN_SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT_S),
  });
  const c = child;
  // 'exit' can come before the pipes are drained; 'close' comes after both stdout and stderr ended.
  const closed = new Promise((resolve) => c.process.once('close', resolve));
  const base = `http://127.0.0.1:${c.ready}`;
  const warm = await runLoad({
    url: (i) => `${base}/v1/items/${i}`,
    total: WARMUP,
    concurrency: 8,
    idPrefix: 'warm',
  });
  expect(warm.every((r) => r.status === 200)).toBe(true);
  const linesBefore = await settled(c, 300, 10_000);
  expect(linesBefore).toBe(1 + 2 * WARMUP);

  c.process.stdout?.pause();
  const stalled = await runLoad({
    url: (i) => `${base}/v1/items/${i}?pad=${PAD}`,
    total: STALLED,
    concurrency: 8,
    idPrefix: 'stalled',
  });
  expect(stalled.filter((r) => r.status !== 200)).toEqual([]);

  // SIGTERM with the reader still stalled: the log flush hook must give up within its budget (not
  // time out and fail the sequence), and the exit flush waits for the reader only its own bounded time.
  const signalAt = performance.now();
  c.process.kill('SIGTERM');
  const exitCode = await c.exited;
  const shutdownMs = performance.now() - signalAt;
  // Now read what the pipe still holds.
  c.process.stdout?.resume();
  await closed;
  const stderr = c.stderr();
  expect(exitCode, stderr.slice(-3000)).toBe(0);
  expect(shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_S * 1000);

  // Every complete line is valid JSONL. When the exit flush gives up, the kernel may have taken only
  // the head of a line: that fragment has no newline, ends the stream, and its line is counted as
  // dropped (exit_timeout) like the lines that were not written at all.
  const text = c.stdout();
  const cut = text.lastIndexOf('\n') + 1;
  const records = parseJsonl(text.slice(0, cut));
  const fragment = text.slice(cut);
  if (fragment !== '') expect(fragment.startsWith('{"time":"')).toBe(true);
  const dropped = droppedAtExit(stderr);
  expect(dropped.buffer_full ?? 0).toBeGreaterThan(0);
  expect(dropped.exit_timeout ?? 0).toBeGreaterThan(0);
  expect(dropped.closed ?? 0).toBe(0);
  expect(dropped.write_error ?? 0).toBe(0);
  const produced = linesBefore + 2 * STALLED + SHUTDOWN_MESSAGES.length;
  expect(records.length + (dropped.buffer_full ?? 0) + (dropped.exit_timeout ?? 0)).toBe(produced);
  expect(records.some((r) => /shutdown hook .* timed out/.test(String(r.message)))).toBe(false);

  recordFigures('stdout-stalled-at-sigterm', {
    requestsWhileStalled: STALLED,
    produced,
    arrived: records.length,
    cutAtExit: fragment === '' ? 0 : 1,
    droppedBufferFull: dropped.buffer_full,
    droppedExitTimeout: dropped.exit_timeout,
    exit: exitCode,
    sigtermToExitMs: Math.round(shutdownMs),
  });
});
