import type { HealthStatus } from '@dynotel/core';

/** The body Dynamo's system server sends on its health route. Keys in serde's sorted order. */
export interface HealthBody {
  /** Only present when readiness checks are registered (a dynotel addition). */
  checks?: Record<string, HealthStatus>;
  endpoints: Record<string, HealthStatus>;
  status: HealthStatus;
  uptime: { nanos: number; secs: number };
}

export interface HealthReport {
  readonly ready: boolean;
  readonly body: HealthBody;
}

/**
 * The readiness report: the verdict and Dynamo's body, `uptime` counted from `startedNs`
 * (`process.hrtime.bigint()` when the state was made), the checks' keys sorted.
 */
export function healthReport(
  ready: boolean,
  endpoints: Record<string, HealthStatus>,
  checks: Record<string, HealthStatus> | undefined,
  startedNs: bigint,
): HealthReport {
  const elapsed = process.hrtime.bigint() - startedNs;
  const uptime = { nanos: Number(elapsed % 1_000_000_000n), secs: Number(elapsed / 1_000_000_000n) };
  const status: HealthStatus = ready ? 'ready' : 'notready';
  const body: HealthBody =
    checks === undefined
      ? { endpoints, status, uptime }
      : { checks: sortKeys(checks), endpoints, status, uptime };
  return { ready, body };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  const sorted: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = record[key]!;
  return sorted;
}
