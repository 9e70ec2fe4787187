import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { DEPLOY_DIR, OBSERVABILITY_DIR, REPO_ROOT } from '../../deploy/observability/grafana/generate.ts';

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

export interface RunResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a binary to completion (bounded by a timeout) and returns its exit code with stdout+stderr. */
export async function run(binary: string, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, output: output.trim() }));
  });
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
