/**
 * Latency at one connection and a fixed rate: one keep-alive socket sends `GET <path>` every
 * 1/rate seconds (never two in flight; a late response delays the next send, it is not queued) and
 * times each response from the write to its last byte with the monotonic clock, in microseconds.
 * A raw socket and a Content-Length parser rather than autocannon: its latencies are whole
 * milliseconds, and the target is a difference of tens of microseconds.
 */
import { once } from 'node:events';
import { connect } from 'node:net';

export interface LatencyResult {
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly count: number;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function fixedRateLatency(
  url: string,
  { rate, seconds, headers = {} }: { rate: number; seconds: number; headers?: Record<string, string> },
): Promise<LatencyResult> {
  const { hostname, port, pathname } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const requestBytes = Buffer.from(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\n${extra}\r\n`);
  let buffered: Buffer = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  socket.on('error', (error) => failed?.(error));
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const headerEnd = buffered.indexOf('\r\n\r\n');
    if (headerEnd === -1) return;
    const match = /content-length:\s*(\d+)/i.exec(buffered.subarray(0, headerEnd).toString('latin1'));
    if (match === null) throw new Error(`${url}: a response without Content-Length`);
    const total = headerEnd + 4 + Number(match[1]);
    if (buffered.length < total) return;
    buffered = buffered.subarray(total);
    waiting?.();
  });
  const samples: number[] = [];
  const intervalNs = BigInt(Math.round(1e9 / rate));
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  let next = process.hrtime.bigint();
  try {
    while (next < end) {
      const wait = Number(next - process.hrtime.bigint()) / 1e6;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const done = new Promise<void>((resolve, reject) => {
        waiting = resolve;
        failed = reject;
      });
      const sent = process.hrtime.bigint();
      socket.write(requestBytes);
      await done;
      samples.push(Number(process.hrtime.bigint() - sent) / 1e3);
      next += intervalNs;
      const now = process.hrtime.bigint();
      if (next < now) next = now;
    }
  } finally {
    socket.destroy();
  }
  const sorted = samples.sort((a, b) => a - b);
  return {
    p50Us: quantile(sorted, 0.5),
    p90Us: quantile(sorted, 0.9),
    p99Us: quantile(sorted, 0.99),
    count: sorted.length,
  };
}
