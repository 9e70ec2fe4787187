/**
 * /metrics: answers 200, is valid Prometheus text (the parser of @dynotel/metrics, the one that guards
 * foreign text on scrape), and holds the families the service's role needs.
 */
import { type ExpositionFamily, parseExposition, validateExpositionText } from '@dynotel/metrics';
import type { ServiceRole } from './args.ts';
import { httpGet, joinUrl, unreachableFix } from './http.ts';
import type { CheckResult } from './report.ts';

/** Asks for the classic text format, the one Prometheus scrapes by default from dynotel. */
const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

interface FamilyGroup {
  readonly label: string;
  readonly matches: (name: string) => boolean;
  readonly fix: string;
}

const GROUPS: Record<Exclude<ServiceRole, 'auto'>, FamilyGroup> = {
  worker: {
    label: 'dynamo_component_*',
    matches: (name) => name.startsWith('dynamo_component_'),
    fix: "no dynamo_component_* families: is DYN_SYSTEM_PORT set (the system server serves them) and an endpoint registered (telemetry.endpoint('generate'))?",
  },
  frontend: {
    label: 'dynamo_frontend_*',
    matches: (name) => name.startsWith('dynamo_frontend_'),
    fix: 'no dynamo_frontend_* families: a frontend records each request with telemetry.frontend().startRequest(model, …) and registers its models with telemetry.frontend().registerModel(…)',
  },
  http: {
    label: 'http_server_request_duration_seconds',
    matches: (name) => name === 'http_server_request_duration_seconds',
    fix: 'no http_server_request_duration_seconds: mount the dynotel middleware (dynotel/express or dynotel/fastify) before the routes; the family appears with the first request',
  },
};

const RUNTIME: FamilyGroup = {
  label: 'process_*/nodejs_*',
  matches: (name) => name.startsWith('process_') || name.startsWith('nodejs_'),
  fix: 'no process_*/nodejs_* families: this /metrics is not served by dynotel (wrong port?), or the process metrics were turned off',
};

export async function checkMetrics(
  base: URL,
  path: string,
  role: ServiceRole,
  expectFamilies: readonly string[],
  timeoutMs: number,
): Promise<CheckResult[]> {
  const format = await fetchAndValidate(base, path, timeoutMs);
  if (format.families === undefined) return [format.check, skipFamilies('/metrics is not usable')];
  return [format.check, checkFamilies(format.families, role, expectFamilies)];
}

async function fetchAndValidate(
  base: URL,
  path: string,
  timeoutMs: number,
): Promise<{ check: CheckResult; families?: readonly ExpositionFamily[] }> {
  const id = 'metrics.format';
  const title = `metrics ${path}`;
  const answer = await httpGet(joinUrl(base, path), timeoutMs, { accept: ACCEPT });
  if (!answer.ok)
    return { check: { id, title, status: 'fail', detail: answer.error, fix: unreachableFix(base) } };
  if (answer.status !== 200) {
    return {
      check: {
        id,
        title,
        status: 'fail',
        detail: `${answer.status}`,
        fix:
          answer.status === 404
            ? `no route at ${path}: a worker serves /metrics on its system server (DYN_SYSTEM_PORT); an HTTP service needs the dynotel middleware (systemRoutes on)`
            : answer.status === 503
              ? 'the scrape was refused (too many concurrent scrapes, dynotel_scrapes_rejected_total): lower the scrape frequency or the number of scrapers'
              : `the scrape failed with ${answer.status}: see the service log`,
      },
    };
  }
  const openMetrics = answer.contentType.includes('application/openmetrics-text');
  const text = answer.body.endsWith('\n') ? answer.body : `${answer.body}\n`;
  // Prometheus reads the text format as the content type says: validate it as that format.
  const validation = openMetrics ? undefined : validateExpositionText(text);
  const parsed = parseExposition(text, { format: openMetrics ? 'openmetrics' : 'text' });
  const reason =
    validation !== undefined && !validation.ok
      ? validation.reason
      : !parsed.ok
        ? `line ${parsed.error.line}: ${parsed.error.message}`
        : undefined;
  if (reason !== undefined || !parsed.ok) {
    return {
      check: {
        id,
        title,
        status: 'fail',
        detail: `invalid exposition (${reason ?? 'unparseable'})`,
        fix: 'Prometheus rejects the whole scrape when one line is invalid: find the metric on that line; text added through a raw-text callback must be valid Prometheus text (validateExpositionText)',
      },
    };
  }
  const families = parsed.exposition.families;
  const samples = families.reduce((sum, family) => sum + family.samples.length, 0);
  return {
    check: {
      id,
      title,
      status: 'pass',
      detail: `valid ${openMetrics ? 'OpenMetrics' : 'Prometheus text'}, ${families.length} families, ${samples} samples`,
    },
    families,
  };
}

function checkFamilies(
  families: readonly ExpositionFamily[],
  role: ServiceRole,
  expectFamilies: readonly string[],
): CheckResult {
  const id = 'metrics.families';
  const title = `expected metric families (role ${role})`;
  const names = families.map((family) => family.name);
  const count = (group: FamilyGroup) => names.filter(group.matches).length;
  const found = [RUNTIME, ...Object.values(GROUPS)]
    .map((group) => `${group.label}: ${count(group)}`)
    .join(', ');
  const fixes: string[] = [];
  if (count(RUNTIME) === 0) fixes.push(RUNTIME.fix);
  if (role === 'auto') {
    if (Object.values(GROUPS).every((group) => count(group) === 0)) {
      fixes.push(
        'none of dynamo_component_*, dynamo_frontend_* or http_server_request_duration_seconds: register an endpoint (worker), record frontend requests, or mount the dynotel middleware (HTTP service); pass --role to say which one this service is',
      );
    }
  } else if (count(GROUPS[role]) === 0) {
    fixes.push(GROUPS[role].fix);
  }
  const missing = expectFamilies.filter((family) => !names.includes(family));
  if (missing.length > 0) {
    fixes.push(
      `missing ${missing.join(', ')}: the code that defines them has not run in this process (or they carry another name)`,
    );
  }
  if (fixes.length === 0) return { id, title, status: 'pass', detail: found };
  return {
    id,
    title,
    status: 'fail',
    detail: missing.length > 0 ? `${found}; missing ${missing.join(', ')}` : found,
    fix: fixes.join('; '),
  };
}

function skipFamilies(reason: string): CheckResult {
  return { id: 'metrics.families', title: 'expected metric families', status: 'skip', detail: reason };
}
