import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../deploy/observability/grafana/generate.ts';
import { ALERT_RULES, RECORDING_RULES, REPO_ROOT } from './support.ts';

/**
 * The dynotel_* self-metric names in rules, dashboards and docs are the ones the packages define with
 * `selfMetrics.counter(...)` / `selfMetrics.gauge(...)`, and the self-monitoring dashboard shows every
 * one of them. Renaming a self-metric without updating deploy/ fails here.
 */

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

const packagesDir = join(REPO_ROOT, 'packages');
const defined = new Set(
  readdirSync(packagesDir)
    .flatMap((pkg) => {
      try {
        return sourceFiles(join(packagesDir, pkg, 'src'));
      } catch {
        return [];
      }
    })
    .flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/selfMetrics\.(?:counter|gauge)\(\s*'(dynotel_\w+)'/g)].map(
        (m) => m[1]!,
      ),
    ),
);

function namesIn(text: string): string[] {
  // Recorded series (level:dynotel_x:operation) are checked against recording.yml elsewhere.
  return [...new Set([...text.matchAll(/(?<![:\w])dynotel_[a-z0-9_]*[a-z0-9](?![\w:])/g)].map((m) => m[0]))];
}

const dashboardTexts = readdirSync(DASHBOARD_DIR).map(
  (name) => [name, readFileSync(join(DASHBOARD_DIR, name), 'utf8')] as const,
);
const sources: Array<readonly [string, string]> = [
  ['alerts.yml', readFileSync(ALERT_RULES, 'utf8')],
  ['recording.yml', readFileSync(RECORDING_RULES, 'utf8')],
  ...dashboardTexts,
  ...['observability-stack.md', 'troubleshooting.md', 'capacity.md', 'runbooks.md'].map(
    (name) => [name, readFileSync(join(REPO_ROOT, 'docs', name), 'utf8')] as const,
  ),
];

describe('dynotel self-metric names', () => {
  it('are found in the package sources', () => {
    expect(defined.size).toBeGreaterThan(10);
    expect(defined).toContain('dynotel_spans_dropped_total');
  });

  it.each(sources)('used in %s are all defined by a package', (_name, text) => {
    const unknown = namesIn(text).filter(
      (name) => !defined.has(name) && !name.startsWith('dynotel_examples'),
    );
    expect(unknown).toEqual([]);
  });

  it('all appear on the self-monitoring dashboard', () => {
    const dashboard = dashboardTexts.find(([name]) => name === 'self-monitoring.json')![1];
    // Directly, or through a recording rule (level:<name without _total>:operation).
    const missing = [...defined].filter(
      (name) => !dashboard.includes(name) && !dashboard.includes(`:${name.replace(/_total$/, '')}:`),
    );
    expect(missing).toEqual([]);
  });
});
