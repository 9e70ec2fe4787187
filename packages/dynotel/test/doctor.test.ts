/**
 * `dynotel doctor` run as the real command (a child process on the TypeScript sources) against a real
 * dynotel service (init() with its system server and a registered endpoint), a real Prometheus and the
 * real OTLP receiver of test/support, plus the failures it must explain: a service that is not there,
 * invalid /metrics text, /health answering 503, a target Prometheus cannot scrape, a collector that is down.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinaryInCi } from '../../../test/support/binaries.ts';
import { freePort } from '../../../test/support/free-port.ts';
import { listen, type RunningServer } from '../../../test/support/http-server.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import { PrometheusServer } from '../../../test/support/prometheus.ts';
import type { CheckResult, DoctorReport } from '../src/cli/report.ts';
import { init, type Telemetry } from '../src/index.ts';
import { resetTelemetryForTests } from '../src/testing.ts';

const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `dynotel …` to its end; killed after 20 s so a hang fails the test instead of blocking it. */
async function dynotel(...args: string[]): Promise<CliRun> {
  const child = spawn(process.execPath, ['--conditions=@dynotel/source', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

async function doctorJson(...args: string[]): Promise<{ code: number | null; report: DoctorReport }> {
  const run = await dynotel('doctor', ...args, '--json');
  try {
    return { code: run.code, report: JSON.parse(run.stdout) as DoctorReport };
  } catch {
    throw new Error(`not JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
}

function check(report: DoctorReport, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no check ${id} in ${JSON.stringify(report)}`);
  return found;
}

class Discard extends Writable {
  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    callback();
  }
}

describe('dynotel doctor', () => {
  let telemetry: Telemetry;
  let serviceUrl: string;
  let databaseUp = true;
  let badMetrics: RunningServer;
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    telemetry = init({
      env: {
        DYN_SYSTEM_PORT: '0',
        DYN_SYSTEM_HOST: '127.0.0.1',
        DYN_LOGGING_JSONL: '1',
        DYN_SHUTDOWN_DRAIN_DELAY: '0',
        DYN_NAMESPACE: 'dynamo',
        DYN_COMPONENT: 'backend',
        // As Dynamo's operator sets it on workers: readiness is the readiness of `generate`.
        DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: '["generate"]',
      },
      handleSignals: false,
      logDestination: new Discard(),
    });
    const generate = telemetry.endpoint('generate');
    await generate.handle(10, () => 'token');
    telemetry.health.addReadinessCheck('database', () => databaseUp);
    serviceUrl = (await telemetry.systemServer)!.url;
    // A service whose probes answer but whose /metrics Prometheus would reject.
    badMetrics = await listen((req, res) => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end('# TYPE requests_total counter\nrequests_total{path="/"} not-a-number\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
    });
    receiver = await startOtlpReceiver();
  }, 20_000);

  afterAll(async () => {
    await telemetry?.shutdown('test');
    resetTelemetryForTests();
    await badMetrics?.close();
    await receiver?.close();
  });

  it('passes every check of a healthy worker and prints a checklist (exit 0)', async () => {
    const run = await dynotel('doctor', serviceUrl, '--role', 'worker');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('[ok]   readiness /health: 200, status ready');
    expect(run.stdout).toContain('[ok]   liveness /live: 200');
    expect(run.stdout).toMatch(/\[ok] {3}metrics \/metrics: valid Prometheus text, \d+ families/);
    expect(run.stdout).toMatch(
      /\[ok] {3}expected metric families \(role worker\): .*dynamo_component_\*: [1-9]/,
    );
    expect(run.stdout).toContain('[skip] Prometheus scrapes the service: no --prometheus given');
    expect(run.stdout).toContain('All checks passed.');
  });

  it('reports the missing families of another role with what to fix (exit 1)', async () => {
    const { code, report } = await doctorJson(serviceUrl, '--role', 'frontend', '--expect', 'my_queue_depth');
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    const families = check(report, 'metrics.families');
    expect(families.status).toBe('fail');
    expect(families.detail).toContain('missing my_queue_depth');
    expect(families.fix).toContain('no dynamo_frontend_* families');
    expect(check(report, 'health').status).toBe('pass');
  });

  it('explains a 503 on /health by the readiness check that fails', async () => {
    databaseUp = false;
    try {
      const { code, report } = await doctorJson(serviceUrl);
      expect(code).toBe(1);
      const health = check(report, 'health');
      expect(health.status).toBe('fail');
      expect(health.detail).toMatch(/^503: readiness checks failing: database/);
      expect(health.fix).toContain('addReadinessCheck');
      expect(check(report, 'metrics.format').status).toBe('pass');
    } finally {
      databaseUp = true;
    }
  });

  it('names the invalid line of /metrics', async () => {
    const run = await dynotel('doctor', badMetrics.url);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/\[FAIL] metrics \/metrics: invalid exposition \(line 2: .+\)/);
    expect(run.stdout).toContain('fix: Prometheus rejects the whole scrape');
    expect(run.stdout).toContain('[skip] expected metric families: /metrics is not usable');
  });

  it('reports a service that does not answer once, skipping what depends on it', async () => {
    const port = await freePort();
    const { code, report } = await doctorJson(`http://127.0.0.1:${port}`, '--timeout', '1000');
    expect(code).toBe(1);
    expect(check(report, 'health')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('ECONNREFUSED'),
    });
    expect(check(report, 'health').fix).toContain('DYN_SYSTEM_PORT');
    expect(report.checks.filter((c) => c.status === 'skip').map((c) => c.id)).toEqual([
      'live',
      'metrics.format',
      'metrics.families',
      'prometheus.target',
      'otlp.export',
    ]);
  });

  it('rejects bad arguments with the usage text (exit 2)', async () => {
    const run = await dynotel('doctor', 'localhost:8081', '--role', 'router');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "<service-url> 'localhost:8081' is not accepted: an http:// or https:// URL",
    );
    expect(run.stderr).toContain("--role 'router' is not accepted: one of auto, worker, frontend, http");
    expect(run.stderr).toContain('Usage: dynotel doctor');
  });

  describe('OTLP', () => {
    it('sends a test span the receiver gets over gRPC', async () => {
      const { code, report } = await doctorJson(serviceUrl, '--otlp', receiver.grpcEndpoint);
      expect(code, JSON.stringify(report.checks)).toBe(0);
      expect(check(report, 'otlp.export')).toMatchObject({
        status: 'pass',
        title: expect.stringContaining('grpc'),
      });
      const span = receiver.spans().find((s) => s.name === 'dynotel-doctor test span');
      expect(span?.resource['service.name']).toBe('dynotel-doctor');
    });

    it('sends a test span over http/protobuf', async () => {
      const before = receiver.spans().length;
      const { code, report } = await doctorJson(
        serviceUrl,
        '--otlp',
        receiver.httpEndpoint,
        '--otlp-protocol',
        'http/protobuf',
      );
      expect(code, JSON.stringify(report.checks)).toBe(0);
      expect(check(report, 'otlp.export').status).toBe('pass');
      expect(receiver.spans().length).toBe(before + 1);
    });

    it('fails with what to fix when no collector listens, within the timeout', async () => {
      const port = await freePort();
      const started = Date.now();
      const { code, report } = await doctorJson(
        serviceUrl,
        '--otlp',
        `http://127.0.0.1:${port}`,
        '--timeout',
        '1000',
      );
      expect(code).toBe(1);
      const otlp = check(report, 'otlp.export');
      expect(otlp.status).toBe('fail');
      expect(otlp.detail).toMatch(/failed attempt .*code=(NETWORK|UNAVAILABLE)/);
      expect(otlp.fix).toContain('is the collector running');
      expect(Date.now() - started).toBeLessThan(15_000);
    });
  });

  const prometheusBinary = requireBinaryInCi('prometheus');

  describe.skipIf(prometheusBinary === undefined)('with a real Prometheus', () => {
    let prometheus: PrometheusServer;

    beforeAll(async () => {
      prometheus = await PrometheusServer.start({
        binary: prometheusBinary!,
        jobs: [
          { jobName: 'dynamo-backend', targets: [new URL(serviceUrl).host] },
          { jobName: 'broken', targets: [badMetrics.hostPort] },
        ],
      });
      await prometheus.waitFor('both targets scraped', async () => {
        const targets = await prometheus.targets();
        return targets.length === 2 && targets.every((t) => t.health !== 'unknown') ? targets : undefined;
      });
    }, 30_000);

    afterAll(async () => {
      await prometheus?.stop();
    });

    it('finds the service up with no scrape error', async () => {
      const { code, report } = await doctorJson(serviceUrl, '--prometheus', prometheus.url);
      expect(code, JSON.stringify(report.checks)).toBe(0);
      expect(check(report, 'prometheus.target')).toMatchObject({
        status: 'pass',
        detail: expect.stringMatching(/^job dynamo-backend: up, no scrape error/),
      });
    });

    it('reports the scrape error Prometheus sees', async () => {
      const { code, report } = await doctorJson(badMetrics.url, '--prometheus', prometheus.url);
      expect(code).toBe(1);
      const target = check(report, 'prometheus.target');
      expect(target.status).toBe('fail');
      expect(target.detail).toMatch(/^job broken: down, last error: .+/);
      expect(target.fix).toContain('Prometheus rejects the exposition');
    });

    it('says when no job scrapes the service', async () => {
      const other = await listen((_req, res) => {
        res.writeHead(200).end('{}');
      });
      try {
        const { code, report } = await doctorJson(other.url, '--prometheus', prometheus.url);
        expect(code).toBe(1);
        expect(check(report, 'prometheus.target')).toMatchObject({
          status: 'fail',
          detail: expect.stringContaining(`no target scrapes ${other.url}/metrics`),
          fix: expect.stringContaining('add'),
        });
      } finally {
        await other.close();
      }
    });

    it('fails when Prometheus itself does not answer', async () => {
      const port = await freePort();
      const { code, report } = await doctorJson(serviceUrl, '--prometheus', `http://127.0.0.1:${port}`);
      expect(code).toBe(1);
      expect(check(report, 'prometheus.target').detail).toMatch(/^Prometheus does not answer: ECONNREFUSED/);
    });
  });
});
