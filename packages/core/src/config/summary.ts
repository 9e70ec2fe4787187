import { diag } from '../diagnostics/diagnostics.ts';
import { ENV_TABLE } from './env-table/index.ts';
import type { ConfigProblem, DynotelConfig } from './types.ts';

const SECRET_KEYS: ReadonlySet<string> = new Set(
  ENV_TABLE.filter((row) => row.secret).flatMap((row) => row.keys),
);

function redactUrl(value: string): string {
  // Credentials in a URL (https://user:token@host) are as secret as a header.
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1redacted@');
}

function flatten(value: unknown, path: string, out: Record<string, unknown>): void {
  if (SECRET_KEYS.has(path)) {
    const names = Object.keys(value as Record<string, string>);
    out[path] = Object.fromEntries(names.map((name) => [name, '<redacted>']));
    return;
  }
  const isGroup =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !path.endsWith('resourceAttributes') &&
    !path.endsWith('targetFilters') &&
    !path.endsWith('canaryPayload');
  if (isGroup) {
    for (const [key, child] of Object.entries(value))
      flatten(child, path === '' ? key : `${path}.${key}`, out);
    return;
  }
  if (value === undefined) return;
  out[path] = typeof value === 'string' && path.endsWith('.endpoint') ? redactUrl(value) : value;
}

/**
 * The effective configuration as one flat object (`'system.port': 8081`, …) for a single start-up
 * log line. Header values and URL credentials are redacted; unset settings are left out.
 */
export function redactedConfigSummary(config: DynotelConfig): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  flatten(config, '', out);
  return Object.freeze(out);
}

/**
 * Logs each problem once per process through `diag` (target `dynotel.config`): invalid values and
 * deprecated variables as warnings. Returns how many were logged now.
 */
export function reportConfigProblems(problems: readonly ConfigProblem[]): number {
  let logged = 0;
  for (const problem of problems) {
    const fields = {
      variable: problem.variable,
      value: problem.value,
      accepted: problem.accepted,
      default_used: problem.defaultUsed,
    };
    const key = `dynotel.config:${problem.variable}:${problem.value}`;
    if (diag.once(key, { level: 'warn', target: 'dynotel.config', message: problem.message, fields }))
      logged++;
  }
  return logged;
}
