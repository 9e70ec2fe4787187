/**
 * Runs the checks in checklist order. When the service does not answer at all, the checks that need it
 * are reported as skipped under that one failure, so the list shows the cause instead of three echoes.
 */
import type { DoctorOptions } from './args.ts';
import { checkHealth, checkLive } from './check-health.ts';
import { checkMetrics } from './check-metrics.ts';
import { checkOtlp } from './check-otlp.ts';
import { checkPrometheus } from './check-prometheus.ts';
import { type CheckResult, type DoctorReport, makeReport } from './report.ts';

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  const health = await checkHealth(options.baseUrl, options.healthPath, options.timeoutMs);
  checks.push(health);
  const unreachable = health.status === 'fail' && !/^\d{3}/.test(health.detail);
  if (unreachable) {
    for (const [id, title] of [
      ['live', `liveness ${options.livePath}`],
      ['metrics.format', `metrics ${options.metricsPath}`],
      ['metrics.families', 'expected metric families'],
    ] as const) {
      checks.push({ id, title, status: 'skip', detail: 'the service does not answer' });
    }
  } else {
    checks.push(await checkLive(options.baseUrl, options.livePath, options.timeoutMs));
    checks.push(
      ...(await checkMetrics(
        options.baseUrl,
        options.metricsPath,
        options.role,
        options.expectFamilies,
        options.timeoutMs,
      )),
    );
  }
  checks.push(
    options.prometheusUrl === undefined
      ? {
          id: 'prometheus.target',
          title: 'Prometheus scrapes the service',
          status: 'skip',
          detail: 'no --prometheus given',
        }
      : await checkPrometheus(options.prometheusUrl, options.baseUrl, options.metricsPath, options.timeoutMs),
  );
  checks.push(
    options.otlpEndpoint === undefined
      ? {
          id: 'otlp.export',
          title: 'OTLP endpoint accepts a span',
          status: 'skip',
          detail: 'no --otlp given',
        }
      : await checkOtlp(options.otlpEndpoint, options.otlpProtocol, options.timeoutMs),
  );
  return makeReport(options.baseUrl.href, checks);
}
