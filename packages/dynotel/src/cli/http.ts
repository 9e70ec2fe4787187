/** One bounded HTTP GET for the checks: never throws, never waits longer than `timeoutMs`. */

export interface HttpAnswer {
  readonly ok: true;
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface HttpFailure {
  readonly ok: false;
  /** Why no answer came: refused, timed out, DNS, … */
  readonly error: string;
}

export async function httpGet(
  url: string,
  timeoutMs: number,
  headers: Readonly<Record<string, string>> = {},
): Promise<HttpAnswer | HttpFailure> {
  try {
    // The signal bounds the whole exchange, body included.
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    return {
      ok: true,
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body,
    };
  } catch (error) {
    return { ok: false, error: describeFetchError(error, timeoutMs) };
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError')
      return `no answer within ${timeoutMs} ms`;
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code !== undefined) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
    // fetch refuses some ports outright (the Fetch standard's "bad ports", e.g. 1, 6000, 10080).
    if (cause?.message !== undefined) return `${error.message}: ${cause.message}`;
    return error.message;
  }
  return String(error);
}

/** `path` under the base URL, keeping a base path prefix (a service behind a proxy at /svc). */
export function joinUrl(base: URL, path: string): string {
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`;
}

/** The fix for a service that does not answer at all, shared by the service checks. */
export function unreachableFix(base: URL): string {
  return `nothing answers at ${base.origin}: is the service running and listening on this host and port? A worker serves /health, /live and /metrics on its system server (DYN_SYSTEM_PORT, DYN_SYSTEM_HOST); an HTTP service with the dynotel middleware on its own port (DYN_HTTP_PORT). In a container, listen on 0.0.0.0.`;
}
