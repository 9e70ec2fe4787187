// The slice of autocannon 9's programmatic API the harness uses (it ships no types).
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    amount?: number;
    /** Requests per second over all connections. */
    overallRate?: number;
    headers?: Record<string, string>;
  }
  interface Result {
    '2xx': number;
    non2xx: number;
    errors: number;
    timeouts: number;
    /** Seconds. */
    duration: number;
    latency: { p99: number; p50: number; average: number };
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
