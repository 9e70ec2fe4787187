import type { ServerResponse } from 'node:http';

/**
 * Whether a response that emitted 'close' was completed (else the client hung up first: 499).
 * `writableFinished` answers for a real socket. An injected response (Fastify's `inject()`, i.e.
 * light-my-request, no socket) emits 'finish' by hand and never sets it: there, `end()` having been
 * called is the completion, so an injected request records its real status instead of 499.
 */
export function responseCompleted(res: ServerResponse): boolean {
  if (res.writableFinished) return true;
  return res.writableEnded && (res as { _lightMyRequest?: unknown })._lightMyRequest !== undefined;
}
