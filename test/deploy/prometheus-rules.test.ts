import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireBinaryInCi } from '../support/binaries.ts';
import {
  ALERT_RULES,
  K8S_DIR,
  PROMETHEUS_CONFIG,
  PROMETHEUS_DIR,
  RECORDING_RULES,
  REPO_ROOT,
  RULE_TESTS,
  readYaml,
  readYamlDocuments,
  ruleGroups,
  run,
} from './support.ts';

/**
 * The Prometheus side of deploy/observability, checked with the real promtool (Debian's, as in CI):
 * config syntax, rule syntax, and the unit tests that make every alert fire and stay quiet.
 */
const promtool = requireBinaryInCi('promtool');

describe.skipIf(promtool === undefined)('promtool', () => {
  it('accepts prometheus.yml and the rule files it loads', async () => {
    const result = await run(promtool!, ['check', 'config', PROMETHEUS_CONFIG]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code, result.output).toBe(0);
  });

  it('accepts the recording and alert rules', async () => {
    const result = await run(promtool!, ['check', 'rules', RECORDING_RULES, ALERT_RULES]);
    expect(result.code, result.output).toBe(0);
  });

  it('accepts the groups of the Kubernetes PrometheusRule', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { stringify } = await import('yaml');
    const [rule] = readYamlDocuments(join(K8S_DIR, 'prometheus-rule.yaml')) as Array<{
      spec: { groups: unknown[] };
    }>;
    const dir = await mkdtemp(join(tmpdir(), 'dynotel-k8s-rules-'));
    try {
      const file = join(dir, 'rules.yml');
      await writeFile(file, stringify({ groups: rule!.spec.groups }));
      const result = await run(promtool!, ['check', 'rules', file]);
      expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
      expect(result.code, result.output).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('passes the alert unit tests', async () => {
    const result = await run(promtool!, ['test', 'rules', RULE_TESTS], 60_000);
    expect(result.output).toContain('SUCCESS');
    expect(result.code, result.output).toBe(0);
  });

  it('fails the unit tests when an alert threshold changes (the tests can fail)', async () => {
    // A copy of the alert rules with the TTFT warning threshold moved from 2s to 20s: the
    // "TTFT p95 between 2s and 10s fires the warning" case must now fail.
    const { mkdtemp, writeFile, mkdir, rm, copyFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'dynotel-rules-'));
    try {
      await mkdir(join(dir, 'rules'));
      await mkdir(join(dir, 'tests'));
      await copyFile(RECORDING_RULES, join(dir, 'rules', 'recording.yml'));
      await copyFile(RULE_TESTS, join(dir, 'tests', 'alerts.test.yml'));
      const alerts = readFileSync(ALERT_RULES, 'utf8');
      const mutated = alerts.replace(
        'job_model:dynamo_frontend_time_to_first_token_seconds:p95_rate5m > 2\n',
        'job_model:dynamo_frontend_time_to_first_token_seconds:p95_rate5m > 20\n',
      );
      expect(mutated).not.toBe(alerts);
      await writeFile(join(dir, 'rules', 'alerts.yml'), mutated);
      const result = await run(promtool!, ['test', 'rules', join(dir, 'tests', 'alerts.test.yml')], 60_000);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('DynamoTimeToFirstTokenP95High');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

interface RuleTestFile {
  rule_files: string[];
  tests: Array<{
    name: string;
    alert_rule_test?: Array<{ alertname: string; exp_alerts: Array<{ exp_labels: Record<string, string> }> }>;
  }>;
}

describe('alert rules', () => {
  const alerts = ruleGroups(ALERT_RULES).flatMap((group) => group.rules);
  const alertNames = [...new Set(alerts.map((rule) => rule.alert))];
  const runbooks = readFileSync(join(REPO_ROOT, 'docs', 'runbooks.md'), 'utf8');
  const runbookAnchors = new Set(
    [...runbooks.matchAll(/^#{2,3} (.+)$/gm)].map((match) =>
      match[1]!
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    ),
  );

  it('covers the alerts the issue asks for', () => {
    expect(alertNames).toEqual(
      expect.arrayContaining([
        'DynamoFrontendErrorRatioHigh',
        'DynotelHttpErrorRatioHigh',
        'DynamoTimeToFirstTokenP95High',
        'DynamoInterTokenLatencyP95High',
        'DynamoRequestDurationP99High',
        'DynotelHttpLatencyP99High',
        'DynamoQueueBacklog',
        'DynotelTargetDown',
        'DynotelReadinessFailing',
        'DynotelCanaryFailing',
        'DynotelSpansDropped',
        'DynotelLogLinesDropped',
        'DynotelLogRecordsDropped',
        'DynotelMetricsCardinalityOverflow',
      ]),
    );
  });

  it.each(alerts.map((rule) => [`${rule.alert} (${rule.labels?.severity})`, rule] as const))(
    '%s has a severity, a for: window, summary, description and a runbook entry',
    (_name, rule) => {
      expect(['warning', 'critical']).toContain(rule.labels?.severity);
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(rule.annotations?.summary?.length).toBeGreaterThan(10);
      expect(rule.annotations?.description?.length).toBeGreaterThan(20);
      const url = rule.annotations?.runbook_url ?? '';
      expect(url).toBe(`docs/runbooks.md#${rule.alert!.toLowerCase()}`);
      expect(runbookAnchors, `docs/runbooks.md needs a "## ${rule.alert}" heading`).toContain(
        rule.alert!.toLowerCase(),
      );
    },
  );

  it('has a unit test where each alert fires and one where it stays quiet', () => {
    const tests = readYaml<RuleTestFile>(RULE_TESTS);
    expect(tests.rule_files).toEqual(['../rules/recording.yml', '../rules/alerts.yml']);
    const cases = tests.tests.flatMap((test) => test.alert_rule_test ?? []);
    for (const name of alertNames) {
      const forAlert = cases.filter((c) => c.alertname === name);
      expect(
        forAlert.some((c) => c.exp_alerts.length > 0),
        `${name} never fires in tests`,
      ).toBe(true);
      expect(
        forAlert.some((c) => c.exp_alerts.length === 0),
        `${name} is never tested to stay quiet`,
      ).toBe(true);
      // Alerts with two severities are tested firing at both.
      const severities = new Set(
        alerts.filter((rule) => rule.alert === name).map((rule) => rule.labels?.severity),
      );
      const firedSeverities = new Set(
        forAlert.flatMap((c) => c.exp_alerts.map((alert) => alert.exp_labels.severity)),
      );
      expect(firedSeverities).toEqual(severities);
    }
  });

  it('only reads recorded series that recording.yml defines', () => {
    const recorded = new Set(
      ruleGroups(RECORDING_RULES).flatMap((group) => group.rules.map((rule) => rule.record)),
    );
    const used = alerts.flatMap((rule) =>
      [...rule.expr.matchAll(/\b[a-z_]+:[a-z0-9_:]+\b/g)].map((m) => m[0]),
    );
    expect(used.length).toBeGreaterThan(5);
    for (const name of used) expect(recorded, `${name} is not recorded`).toContain(name);
  });
});

describe('prometheus.yml', () => {
  interface ScrapeConfig {
    job_name: string;
    scrape_interval?: string;
    static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
  }
  const config = readYaml<{
    global: Record<string, string>;
    scrape_configs: ScrapeConfig[];
    rule_files: string[];
  }>(PROMETHEUS_CONFIG);
  const jobs = new Map(config.scrape_configs.map((job) => [job.job_name, job]));

  it("keeps Dynamo's job names and per-job scrape intervals (reference §7.2)", () => {
    expect(config.global.scrape_interval).toBe('10s');
    expect(config.global.evaluation_interval).toBe('10s');
    const dynamo: Record<string, string> = {
      'nats-prometheus-exporter': '2s',
      'etcd-server': '2s',
      'dcgm-exporter': '5s',
      'dynamo-frontend': '10s',
      'dynamo-backend': '6s',
      'dynamo-nixl': '1s',
      'kvbm-metrics': '2s',
    };
    for (const [job, interval] of Object.entries(dynamo))
      expect(jobs.get(job)?.scrape_interval, job).toBe(interval);
  });

  it('scrapes the examples on their local ports: gateway 8000, worker system port 8081', () => {
    expect(jobs.get('dynamo-frontend')?.static_configs[0]?.targets).toEqual(['host.docker.internal:8000']);
    expect(jobs.get('dynamo-backend')?.static_configs[0]?.targets).toEqual(['host.docker.internal:8081']);
    expect(jobs.get('dynotel-examples')?.static_configs.flatMap((c) => c.targets)).toHaveLength(2);
  });

  it('marks the exporter jobs optional so DynotelTargetDown ignores them', () => {
    for (const job of [
      'nats-prometheus-exporter',
      'etcd-server',
      'dcgm-exporter',
      'kvbm-metrics',
      'dynamo-nixl',
    ]) {
      for (const staticConfig of jobs.get(job)!.static_configs)
        expect(staticConfig.labels?.optional, job).toBe('true');
    }
  });

  it('loads the rule files that sit next to it', () => {
    for (const file of config.rule_files)
      expect(() => readFileSync(join(PROMETHEUS_DIR, file))).not.toThrow();
  });
});
