import type { HealthHandlers } from '@dynotel/health';

/** Whether the request's path (query string ignored) is one of dynotel's /metrics, /health, /live. */
export function isSystemPath(handlers: HealthHandlers, url: string | undefined): boolean {
  if (url === undefined) return false;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const paths = handlers.paths;
  return path === paths.health || path === paths.live || path === paths.metrics;
}
