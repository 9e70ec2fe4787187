/**
 * /health (readiness) and /live (liveness). The body is dynotel's readiness JSON
 * (`{"checks":{…},"endpoints":{…},"status":"ready"|"notready",…}`), so a 503 says which endpoint or
 * readiness check holds the service back.
 */

import { type HttpAnswer, httpGet, joinUrl, unreachableFix } from './http.ts';
import type { CheckResult } from './report.ts';

interface HealthBody {
  status?: unknown;
  endpoints?: Record<string, unknown>;
  checks?: Record<string, unknown>;
}

export async function checkHealth(base: URL, path: string, timeoutMs: number): Promise<CheckResult> {
  const id = 'health';
  const title = `readiness ${path}`;
  const answer = await httpGet(joinUrl(base, path), timeoutMs);
  if (!answer.ok) return { id, title, status: 'fail', detail: answer.error, fix: unreachableFix(base) };
  if (answer.status === 404) return notFound(id, title, path, 'DYN_SYSTEM_HEALTH_PATH', '--health-path');
  const body = parseBody(answer);
  if (answer.status === 200) {
    return {
      id,
      title,
      status: 'pass',
      detail: `200${body?.status === undefined ? '' : `, status ${String(body.status)}`}`,
    };
  }
  // The frontend-shaped 503 (the app port) names the service's own endpoints `local_endpoints`.
  const notReadyEndpoints = notReady(
    body?.endpoints ?? (body as { local_endpoints?: Record<string, unknown> } | undefined)?.local_endpoints,
  );
  const failingChecks = notReady(body?.checks);
  const causes: string[] = [];
  const fixes: string[] = [];
  if (notReadyEndpoints.length > 0) {
    causes.push(`endpoints not ready: ${notReadyEndpoints.join(', ')}`);
    fixes.push(
      `an endpoint becomes ready when it serves (telemetry.endpoint(name)); with the canary on (DYN_HEALTH_CHECK_ENABLED=true) only when a canary request gets a first token — look for canary warnings in the service log; DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS must list only endpoints the process registers`,
    );
  }
  if (failingChecks.length > 0) {
    causes.push(`readiness checks failing: ${failingChecks.join(', ')}`);
    fixes.push(
      'a readiness check (telemetry.health.addReadinessCheck) fails: the dependency it tests is down or slow — or the process itself is not ready yet, and then the checks are not run (see below)',
    );
  }
  if (notReadyEndpoints.length === 0) {
    fixes.push(
      "the process is not marked ready: the dynotel Express/Fastify middleware does it once serving; a process without it calls telemetry.health.setProcessStatus('ready') or sets DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS to the endpoints that decide readiness; it also answers 503 while shutting down",
    );
  }
  return {
    id,
    title,
    status: 'fail',
    detail: `${answer.status}${causes.length > 0 ? `: ${causes.join('; ')}` : ''}`,
    fix: fixes.join('; '),
  };
}

export async function checkLive(base: URL, path: string, timeoutMs: number): Promise<CheckResult> {
  const id = 'live';
  const title = `liveness ${path}`;
  const answer = await httpGet(joinUrl(base, path), timeoutMs);
  if (!answer.ok) return { id, title, status: 'fail', detail: answer.error, fix: unreachableFix(base) };
  if (answer.status === 404) return notFound(id, title, path, 'DYN_SYSTEM_LIVE_PATH', '--live-path');
  if (answer.status === 200) return { id, title, status: 'pass', detail: '200' };
  return {
    id,
    title,
    status: 'fail',
    detail: String(answer.status),
    fix: 'the process is shutting down (dynotel fails /live only then); Kubernetes will restart it if this lasts — check the log for the shutdown reason',
  };
}

function notFound(id: string, title: string, path: string, variable: string, flag: string): CheckResult {
  return {
    id,
    title,
    status: 'fail',
    detail: `404 at ${path}`,
    fix: `no route at ${path}: for a worker use its system server's URL (DYN_SYSTEM_PORT), for an HTTP service mount the dynotel middleware; if ${variable} sets another path, pass it with ${flag}`,
  };
}

function parseBody(answer: HttpAnswer): HealthBody | undefined {
  try {
    const value: unknown = JSON.parse(answer.body);
    return typeof value === 'object' && value !== null ? (value as HealthBody) : undefined;
  } catch {
    return undefined;
  }
}

function notReady(map: Record<string, unknown> | undefined): string[] {
  if (map === undefined || typeof map !== 'object') return [];
  return Object.entries(map)
    .filter(([, state]) => state !== 'ready')
    .map(([name, state]) => `${name} (${String(state)})`);
}
