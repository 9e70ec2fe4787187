/**
 * The user-setup harness of bench/ (issue #23): apps started as users start them, measured from
 * outside through /proc, and the microsecond latency client. Timings are never asserted; what the
 * harness reads and how it starts and stops a process are.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { fixedRateLatency } from '../../bench/http/fixed-rate-latency.ts';
import { drive } from '../../bench/http/load.ts';
import { cellName, cellPath, FULL_MATRIX, QUICK_MATRIX } from '../../bench/http/matrix.ts';
import { type AppProcess, startApp } from '../../bench/lib/app-process.ts';

let app: AppProcess | undefined;
let server: Server | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe('the matrix', () => {
  test('has every combination once, each on the route and body it names', () => {
    expect(FULL_MATRIX).toHaveLength(24);
    expect(new Set(FULL_MATRIX.map(cellName)).size).toBe(24);
    expect(new Set(FULL_MATRIX.map(cellPath))).toEqual(
      new Set(['/', '/large', '/items/42', '/items/42/large']),
    );
    for (const cell of QUICK_MATRIX) expect(FULL_MATRIX.map(cellName)).toContain(cellName(cell));
  });
});

describe('an app started as a user starts it', () => {
  test('has stdout on /dev/null and no IPC channel, serves, and its CPU time and memory are read from outside', async () => {
    app = await startApp({ id: 'minimal', label: 'minimal', script: 'http/apps/minimal.cjs' });
    expect(readlinkSync(`/proc/${app.pid}/fd/1`)).toBe('/dev/null');
    expect(readFileSync(`/proc/${app.pid}/environ`, 'utf8')).not.toContain('NODE_CHANNEL_FD=');
    const cpuBefore = app.cpuMicros();
    const load = await drive(`${app.url}/`, { amount: 3000, connections: 4 });
    expect(load.requests).toBe(3000);
    expect(load.errors).toBe(0);
    expect(app.cpuMicros()).toBeGreaterThan(cpuBefore);
    const memory = app.memory();
    expect(memory.rss).toBeGreaterThan(10 * 2 ** 20);
    expect(memory.peakRss).toBeGreaterThanOrEqual(memory.rss);
    const pid = app.pid;
    await app.stop();
    app = undefined;
    expect(() => process.kill(pid, 0)).toThrow();
  });

  test('the IPC ablation opens a channel', async () => {
    app = await startApp({ id: 'minimal-ipc', label: 'minimal', script: 'http/apps/minimal.cjs', ipc: true });
    expect(readFileSync(`/proc/${app.pid}/environ`, 'utf8')).toContain('NODE_CHANNEL_FD=');
  });

  test('a start that never serves fails, naming the app', async () => {
    await expect(
      startApp({
        id: 'broken',
        label: 'broken',
        script: 'http/apps/minimal.cjs',
        nodeArgs: ['--require', './no-such-file.cjs'],
      }),
    ).rejects.toThrow(/broken: .*exited/);
  });
});

describe('the fixed-rate latency client', () => {
  test('sends at the rate, one request at a time, and reads whole responses of any size', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let served = 0;
    const body = 'y'.repeat(64 * 1024);
    server = createServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      served++;
      setTimeout(() => {
        inFlight--;
        res.setHeader('content-length', req.url === '/large' ? body.length : 2);
        res.end(req.url === '/large' ? body : 'ok');
      }, 1);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const small = await fixedRateLatency(`http://127.0.0.1:${port}/`, { rate: 100, seconds: 0.5 });
    const large = await fixedRateLatency(`http://127.0.0.1:${port}/large`, {
      rate: 100,
      seconds: 0.5,
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    expect(maxInFlight).toBe(1);
    for (const result of [small, large]) {
      // 0.5 s at 100 req/s: about 50 requests, never more than the schedule allows.
      expect(result.count).toBeGreaterThan(10);
      expect(result.count).toBeLessThanOrEqual(51);
      // Each waited for the server's 1 ms timer: microseconds, not milliseconds.
      expect(result.p50Us).toBeGreaterThanOrEqual(900);
      expect(result.p99Us).toBeGreaterThanOrEqual(result.p50Us);
    }
    expect(served).toBe(small.count + large.count);
  });
});
