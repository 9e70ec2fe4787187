/**
 * The drain delay on real signals (docs/configuration.md, `DYN_SHUTDOWN_DRAIN_DELAY`; "Signals" in
 * packages/dynotel/README.md): by default 0 outside a Kubernetes pod, so SIGTERM ends an app at once, and
 * 5 s inside one (`KUBERNETES_SERVICE_HOST`), during which readiness fails while the app still serves
 * with `Connection: close`; Ctrl-C twice (SIGINT, SIGINT) ends a 20 s drain at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AdopterApp, adopterNodes, startAdopterApp, waitForStatus } from './support/adopter-app.ts';

const REGISTER = ['--import', 'dynotel/register'];

const SERVICE = `
import { createServer } from 'node:http';

createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`;

describe.each(adopterNodes())('drain delay on $name', (node) => {
  let app: AdopterApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('Ctrl-C twice ends a 20 s drain at once', async () => {
    app = await startAdopterApp({
      extension: 'mjs',
      source: SERVICE,
      node,
      args: REGISTER,
      env: { DYN_SHUTDOWN_DRAIN_DELAY: '20', DYN_SHUTDOWN_GRACE_PERIOD: '60' },
    });
    expect((await fetch(`${app.systemUrl}/health`)).status).toBe(200);
    app.child.kill('SIGINT');
    // The drain began: readiness fails while the app still serves.
    await waitForStatus(`${app.systemUrl}/health`, 503);
    expect((await fetch(`${app.url}/`)).status).toBe(200);
    app.child.kill('SIGINT');
    // Well before the 20 s drain would have ended.
    const exit = await app.waitForExit(10_000, 'after the second SIGINT');
    expect(exit).toEqual({ code: 0, signal: null });
    // The drain delay was taken as given (one at or above the grace period would be replaced by 0).
    expect(app.logs.filter((line) => line.level === 'WARN')).toEqual([]);
    expect(app.stderr).toEqual([]);
  });

  it.each([
    { where: 'outside Kubernetes', env: {}, drainDelayMs: 0 },
    { where: 'in a Kubernetes pod', env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, drainDelayMs: 5000 },
  ])('SIGTERM with the default drain delay $where', async ({ env, drainDelayMs }) => {
    app = await startAdopterApp({
      extension: 'mjs',
      source: SERVICE,
      node,
      args: REGISTER,
      env: { ...env, DYN_SHUTDOWN_DRAIN_DELAY: undefined },
    });
    expect((await fetch(`${app.systemUrl}/health`)).status).toBe(200);
    app.child.kill('SIGTERM');
    const started = await app.waitForLog(
      (line) => String(line.message).startsWith('shutdown started'),
      "dynotel's 'shutdown started' line",
    );
    expect(started.drainDelayMs).toBe(drainDelayMs);
    if (drainDelayMs > 0) {
      // Not ready, still serving.
      await waitForStatus(`${app.systemUrl}/health`, 503);
      const served = await fetch(`${app.url}/`);
      expect(served.status).toBe(200);
      expect(served.headers.get('connection')).toBe('close');
    }
    const exit = await app.waitForExit(15_000, 'after the drain');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(app.logs.filter((line) => line.level === 'WARN')).toEqual([]);
    expect(app.stderr).toEqual([]);
  });
});
