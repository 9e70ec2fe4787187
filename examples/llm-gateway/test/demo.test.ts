/**
 * Acceptance: runs the demo exactly as `pnpm demo` does (a child process on the TypeScript sources) and
 * checks its printed summary, the JSON copy of it, and that no process it started is left running.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import { DEFAULT_PLAN } from '../src/demo/load.ts';

const DEMO = fileURLToPath(new URL('../src/demo/main.ts', import.meta.url));

/** Runs the demo to its end (killed after 55 s) and returns its exit code and output. */
async function runDemo(env: NodeJS.ProcessEnv, started: (child: ReturnType<typeof spawn>) => void) {
  const demo = spawn(process.execPath, ['--conditions=@dynotel/source', DEMO], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started(demo);
  let stdout = '';
  let stderr = '';
  demo.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  demo.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => demo.kill('SIGKILL'), 55_000);
  const [code] = (await once(demo, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The environment without any OTEL_* variable of the machine running the tests. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_')) delete env[key];
  return { ...env, ...extra };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the demo (pnpm demo)', () => {
  let dir: string | undefined;
  let demo: ReturnType<typeof spawn> | undefined;
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    if (demo !== undefined && demo.exitCode === null) demo.kill('SIGKILL');
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    await receiver?.close();
    receiver = undefined;
  });

  it('drives the load, prints the summary from /metrics, /health, logs and spans, and cleans up', async () => {
    dir = mkdtempSync(join(tmpdir(), 'dynotel-demo-'));
    const summaryFile = join(dir, 'summary.json');
    // The in-process collector is what the demo shows on a fresh clone.
    const { code, stdout, stderr } = await runDemo(cleanEnv({ DEMO_SUMMARY_FILE: summaryFile }), (child) => {
      demo = child;
    });
    expect(code, `demo failed:\n${stdout}\n${stderr}`).toBe(0);

    // Progress while it runs, then the summary sections.
    expect(stdout).toMatch(/\/\d+ done, \d+ in flight/);
    expect(stdout).toContain('worker /health is ready');
    for (const heading of [
      'Gateway /metrics',
      'Worker /metrics',
      'Health:',
      'Logs of request',
      'Spans: the in-process OTLP collector received',
    ]) {
      expect(stdout).toContain(heading);
    }
    expect(stdout).toMatch(/TTFT\s+p50 \d+\.\d ms\s+p95 \d+\.\d ms/);
    expect(stdout).toMatch(/ITL\s+p50 \d+\.\d ms\s+p95 \d+\.\d ms/);
    expect(stdout).toMatch(/errors by type\s+.*cancelled=\d/);

    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    // Every planned request reached the gateway's metrics, each error under Dynamo's error_type.
    const plan = DEFAULT_PLAN.counts;
    const total = Object.values(plan).reduce((a, b) => a + b, 0);
    expect(summary.metrics.requests).toBe(total);
    expect(summary.metrics.byStatus).toEqual({
      success: plan.stream + plan.unary,
      error: total - plan.stream - plan.unary,
    });
    expect(summary.metrics.errorsByType).toEqual({
      cancelled: plan.disconnect,
      overload: plan.worker_overload,
      not_found: plan.unknown_model,
      validation: plan.invalid,
      internal: plan.worker_error + plan.worker_error_midstream,
      response_timeout: plan.worker_stall,
    });
    const client = summary.load.byStatus;
    expect(client['200']).toBe(plan.stream + plan.unary);
    expect(client.disconnected).toBe(plan.disconnect);
    expect(client['400']).toBe(plan.invalid);
    expect(client['404']).toBe(plan.unknown_model);
    expect(client['503']).toBe(plan.worker_overload);
    // Failures after the first streamed token arrive as SSE error events on a 200.
    expect((client['500'] ?? 0) + (client['504'] ?? 0) + (client['200+error event'] ?? 0)).toBe(
      plan.worker_error + plan.worker_error_midstream + plan.worker_stall,
    );
    expect(summary.metrics.disconnectedClients).toBe(plan.disconnect);
    expect(summary.metrics.rejections).toBe(plan.worker_overload);
    expect(summary.metrics.ttftSeconds.p50).toBeGreaterThan(0);
    expect(summary.metrics.ttftSeconds.p95).toBeGreaterThanOrEqual(summary.metrics.ttftSeconds.p50);
    expect(summary.metrics.itlSeconds.p50).toBeGreaterThan(0);
    expect(summary.metrics.islMean).toBeGreaterThan(0);
    expect(summary.metrics.oslMean).toBeGreaterThan(0);
    expect(summary.metrics.requestRatePerSecond).toBeGreaterThan(0);
    // The worker saw what passed the gateway: not the 404s, 400s and overload refusals.
    expect(summary.metrics.worker.requests).toBe(
      total - plan.unknown_model - plan.invalid - plan.worker_overload,
    );
    expect(summary.metrics.worker.errorsByType).toEqual({
      generate: plan.worker_error + plan.worker_error_midstream,
    });
    // Clients that hung up, and stalled requests the gateway gave up on.
    expect(summary.metrics.worker.cancellations).toBe(plan.disconnect + plan.worker_stall);
    expect(summary.metrics.worker.canaries.success).toBeGreaterThanOrEqual(1);
    // The worker generated every token the gateway relayed (and some for requests the gateway dropped).
    expect(summary.metrics.outputTokens).toBeGreaterThan(0);
    expect(summary.metrics.worker.outputTokens).toBeGreaterThanOrEqual(summary.metrics.outputTokens);

    expect(JSON.parse(summary.health.gateway)).toMatchObject({
      status: 'healthy',
      endpoints: ['dyn://dynamo.backend.generate'],
      checks: { worker: 'ready' },
    });
    expect(JSON.parse(summary.health.worker)).toMatchObject({
      status: 'ready',
      endpoints: { generate: 'ready' },
    });

    // One trace across both services, in the logs and in the exported spans.
    expect(summary.traceId).toMatch(/^[0-9a-f]{32}$/);
    const targets = summary.logLines.map((l: Record<string, unknown>) => `${l.target}:${l.message}`);
    expect(targets).toContain('frontend:request completed');
    expect(targets).toContain('worker:request completed');
    for (const line of summary.logLines) expect(line.trace_id).toBe(summary.traceId);
    expect(summary.spans.byService['dynamo-frontend']).toBeGreaterThan(0);
    expect(summary.spans.byService['dynamo-worker']).toBeGreaterThan(0);
    const traceSpans = summary.spans.trace
      .map((s: { service: string; name: string }) => `${s.service}/${s.name}`)
      .sort();
    expect(traceSpans).toEqual([
      'dynamo-frontend/POST', // the CLIENT span of the call to the worker
      'dynamo-frontend/chat_completions',
      'dynamo-frontend/http-request',
      'dynamo-worker/handle_payload',
      'dynamo-worker/http-request',
    ]);

    // Nothing left behind.
    const pids = [...stdout.matchAll(/(?:worker|gateway) pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });

  it('sends the spans to the collector OTEL_EXPORTER_OTLP_ENDPOINT names (OTLP/gRPC, as Dynamo) and says so', async () => {
    receiver = await startOtlpReceiver();
    dir = mkdtempSync(join(tmpdir(), 'dynotel-demo-'));
    const summaryFile = join(dir, 'summary.json');
    const env = cleanEnv({
      DEMO_SUMMARY_FILE: summaryFile,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
    });
    const { code, stdout, stderr } = await runDemo(env, (child) => {
      demo = child;
    });
    expect(code, `demo failed:\n${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain(`spans and logs go to ${receiver.grpcEndpoint} (grpc) over OTLP`);
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    expect(stdout).toContain(
      `Spans: exported over OTLP to ${receiver.grpcEndpoint} (grpc); search trace_id ${summary.traceId}`,
    );
    // The services flushed at shutdown, before the demo printed: the sample trace is there, from both.
    const spans = receiver.spans().filter((s) => s.traceId === summary.traceId);
    expect(new Set(spans.map((s) => `${s.resource['service.name']}/${s.name}`))).toEqual(
      new Set([
        'dynamo-frontend/POST',
        'dynamo-frontend/http-request',
        'dynamo-frontend/chat_completions',
        'dynamo-worker/http-request',
        'dynamo-worker/handle_payload',
      ]),
    );
  });
});
