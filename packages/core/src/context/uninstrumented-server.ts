/**
 * Servers whose requests are not application traffic (dynotel's own system status server): the
 * zero-code HTTP instrumentation leaves them alone. A global symbol on the server object, so that the
 * package that makes the server (@dynotel/health) and the one that instruments (dynotel) need no link.
 */
const UNINSTRUMENTED = Symbol.for('dynotel.uninstrumentedServer');

export function markServerUninstrumented(server: object): void {
  (server as Record<symbol, unknown>)[UNINSTRUMENTED] = true;
}

export function isServerUninstrumented(server: unknown): boolean {
  return (server as Record<symbol, unknown> | null | undefined)?.[UNINSTRUMENTED] === true;
}
