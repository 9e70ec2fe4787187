import autocannon from 'autocannon';

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly p99Ms: number;
  readonly errors: number;
}

/** Connections kept open by the load generator (keep-alive, no pipelining). */
export const CONNECTIONS = 32;

/** Drives `url` for `seconds` (or `amount` requests) from this process with autocannon's programmatic API. */
export async function drive(
  url: string,
  load: {
    readonly seconds?: number;
    readonly amount?: number;
    readonly rate?: number;
    /** Default CONNECTIONS. */
    readonly connections?: number;
    /** Sent with every request, e.g. a traceparent. */
    readonly headers?: Readonly<Record<string, string>>;
  },
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: load.connections ?? CONNECTIONS,
    pipelining: 1,
    ...(load.headers === undefined ? {} : { headers: { ...load.headers } }),
    ...(load.amount === undefined ? { duration: load.seconds ?? 1 } : { amount: load.amount }),
    // A fixed offered load (all connections together) instead of as fast as the server answers.
    ...(load.rate === undefined ? {} : { overallRate: load.rate }),
  });
  return {
    requests: result['2xx'],
    seconds: result.duration,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}
