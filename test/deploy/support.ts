import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { DEPLOY_DIR, OBSERVABILITY_DIR, REPO_ROOT } from '../../deploy/observability/grafana/generate.ts';
import { type RunResult, runBinary } from '../support/run-binary.ts';

export { DEPLOY_DIR, OBSERVABILITY_DIR, REPO_ROOT };

export const PROMETHEUS_DIR = join(OBSERVABILITY_DIR, 'prometheus');
export const PROMETHEUS_CONFIG = join(PROMETHEUS_DIR, 'prometheus.yml');
export const RECORDING_RULES = join(PROMETHEUS_DIR, 'rules', 'recording.yml');
export const ALERT_RULES = join(PROMETHEUS_DIR, 'rules', 'alerts.yml');
export const RULE_TESTS = join(PROMETHEUS_DIR, 'tests', 'alerts.test.yml');
export const ALERTMANAGER_CONFIG = join(OBSERVABILITY_DIR, 'alertmanager', 'alertmanager.yml');
export const DATASOURCES_FILE = join(
  OBSERVABILITY_DIR,
  'grafana',
  'provisioning',
  'datasources',
  'datasources.yml',
);
export const K8S_DIR = join(DEPLOY_DIR, 'k8s');

export function readYaml<T = unknown>(path: string): T {
  return parse(readFileSync(path, 'utf8')) as T;
}

export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors.map(String).join('; ')}`);
    return document.toJS() as unknown;
  });
}

/** Runs a binary to completion (bounded by a timeout) and returns its exit code with stdout+stderr. */
export function run(binary: string, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  return runBinary(binary, args, { timeoutMs });
}

export interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

export function ruleGroups(path: string): RuleGroup[] {
  return readYaml<{ groups: RuleGroup[] }>(path).groups;
}

interface StackScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  metrics_path?: string;
  static_configs: Array<{ targets: string[] }>;
}

/**
 * The scrape jobs of deploy/observability/prometheus/prometheus.yml with their targets rewritten (for
 * example to 127.0.0.1 ports of services a test started), plus the rule files, in the shape
 * test/support/prometheus.ts takes. Jobs without an entry in `targets` are left out, so a test runs the
 * stack's own job names and recording/alert rules against what it started.
 */
export function stackScrapeJobs(targets: Readonly<Record<string, readonly string[]>>): {
  jobs: Array<{ jobName: string; targets: readonly string[]; metricsPath?: string }>;
  extraConfig: string;
} {
  const config = readYaml<{ scrape_configs: StackScrapeConfig[] }>(PROMETHEUS_CONFIG);
  const known = new Set(config.scrape_configs.map((job) => job.job_name));
  for (const job of Object.keys(targets)) {
    if (!known.has(job)) throw new Error(`prometheus.yml has no job ${job}`);
  }
  const jobs = config.scrape_configs
    .filter((job) => targets[job.job_name] !== undefined)
    .map((job) => ({
      jobName: job.job_name,
      targets: targets[job.job_name]!,
      ...(job.metrics_path === undefined ? {} : { metricsPath: job.metrics_path }),
    }));
  const extraConfig = `rule_files:\n  - ${JSON.stringify(RECORDING_RULES)}\n  - ${JSON.stringify(ALERT_RULES)}\n`;
  return { jobs, extraConfig };
}
