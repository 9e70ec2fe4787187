/**
 * HTTP methods as metric label values. The OTel HTTP semantic conventions fold every method outside
 * the registry's well-known set into `_OTHER`, so a client sending random verbs cannot grow the label
 * set without bound.
 */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
  'QUERY',
]);

export const OTHER_METHOD = '_OTHER';

export function normaliseMethod(method: string | undefined): string {
  return method !== undefined && KNOWN_METHODS.has(method) ? method : OTHER_METHOD;
}
