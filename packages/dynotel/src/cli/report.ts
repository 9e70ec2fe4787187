/**
 * The doctor's result model and its two renderings: a checklist for people (one line per check, the
 * fix indented under each failure) and JSON for scripts.
 */

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable id, e.g. `health`, `metrics.families`, `prometheus.target`, `otlp.export`. */
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was observed (status code, families found, the scrape error, …). */
  readonly detail: string;
  /** What to change when the check fails. */
  readonly fix?: string | undefined;
}

export interface DoctorReport {
  /** True when no check failed (skipped checks do not count). */
  readonly ok: boolean;
  readonly target: string;
  readonly checks: readonly CheckResult[];
}

export function makeReport(target: string, checks: readonly CheckResult[]): DoctorReport {
  return { ok: checks.every((check) => check.status !== 'fail'), target, checks };
}

const MARK: Record<CheckStatus, string> = { pass: '[ok]  ', fail: '[FAIL]', skip: '[skip]' };

export function renderText(report: DoctorReport): string {
  const lines = [`dynotel doctor: ${report.target}`, ''];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]} ${check.title}: ${check.detail}`);
    if (check.status === 'fail' && check.fix !== undefined) lines.push(`       fix: ${check.fix}`);
  }
  const failed = report.checks.filter((check) => check.status === 'fail').length;
  lines.push('', report.ok ? 'All checks passed.' : `${failed} check${failed === 1 ? '' : 's'} failed.`);
  return `${lines.join('\n')}\n`;
}

export function renderJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
