/**
 * The shutdown contracts of packages/dynotel/README.md ("Shutdown"), on real processes and real signals:
 * an app with its own SIGTERM listener owns the exit (its 1.5 s async cleanup finishes before its own
 * `process.exit(0)`); an `onShutdown` hook of 1.5 s finishes and dynotel exits 0 after it; `await
 * telemetry.shutdown()` returns without exiting; Ctrl-C twice (SIGINT, SIGINT) ends a 20 s drain at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';

const REGISTER = ['--import', 'dynotel/register'];

/** Writes one JSON line on stdout with the app's own `console.log`, not through dynotel. */
const MARK = `const mark = (message) => console.log(JSON.stringify({ message }));`;

/** The app's own SIGTERM listener; `mark` writes its lines (console, or dynotel's logger). */
function ownListener(preamble: string): string {
  return `
import { createServer } from 'node:http';
${preamble}

createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', async () => {
  mark('cleanup started');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  mark('cleanup finished');
  process.exit(0);
});
`;
}

const OWN_LISTENERS = [
  { lines: "the app's console.log", source: ownListener(MARK) },
  {
    lines: "dynotel's logger",
    source: ownListener(
      "import { currentTelemetry } from 'dynotel';\nconst mark = (message) => currentTelemetry().logger.info(message);",
    ),
  },
];

const HOOK = `
import { createServer } from 'node:http';
import { init } from 'dynotel';

const telemetry = init();
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
telemetry.onShutdown('cleanup', async () => {
  telemetry.logger.info('cleanup started');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  telemetry.logger.info('cleanup finished');
});
`;

const SHUTDOWN_RETURNS = `
import { createServer } from 'node:http';
import { init } from 'dynotel';
${MARK}

const telemetry = init();
createServer(async (req, res) => {
  res.end('shutting down');
  if (req.url !== '/shutdown') return;
  const result = await telemetry.shutdown('requested');
  mark('after shutdown: exit code ' + result.exitCode);
  setTimeout(() => {
    mark('still running');
    process.exit(3);
  }, 300);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const LONG_DRAIN = `
import { createServer } from 'node:http';

createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function waitForStatus(url: string, status: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const answered = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (answered === status) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${url} never answered ${status}`);
}

function messages(app: AdopterApp): unknown[] {
  return app.logs.map((line) => line.message);
}

describe.each(adopterNodes())('shutdown contracts on $name', (node) => {
  let app: AdopterApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it.each(OWN_LISTENERS)(
    "the app's own SIGTERM listener owns the exit: its async cleanup finishes (lines by $lines)",
    async ({ source }) => {
      app = await startAdopterApp({ extension: 'mjs', source, node, args: REGISTER });
      expect((await fetch(`${app.systemUrl}/health`)).status).toBe(200);
      app.child.kill('SIGTERM');
      const exit = await app.waitForExit(10_000, 'after its own cleanup');
      expect(exit).toEqual({ code: 0, signal: null });
      const order = messages(app);
      expect(order).toContain('cleanup started');
      expect(order).toContain('cleanup finished');
      // dynotel still ran its sequence under the app's listener.
      expect(order).toContain('shutdown started: readiness is notready, draining');
      expect(app.stderr).toEqual([]);
    },
  );

  it('an onShutdown hook of 1.5 s finishes, its lines are delivered, and the process exits 0', async () => {
    app = await startAdopterApp({ extension: 'mjs', source: HOOK, node, args: REGISTER });
    expect((await fetch(`${app.url}/`)).status).toBe(200);
    app.child.kill('SIGTERM');
    const exit = await app.waitForExit(10_000, 'after the hook');
    expect(exit).toEqual({ code: 0, signal: null });
    const order = messages(app);
    expect(order).toContain('cleanup started');
    expect(order).toContain('cleanup finished');
    // init() with no options after register: the same handle, no warning.
    expect(app.logs.filter((line) => line.level === 'WARN')).toEqual([]);
    expect(app.stderr).toEqual([]);
  });

  it('await telemetry.shutdown() returns and does not exit the process', async () => {
    app = await startAdopterApp({ extension: 'mjs', source: SHUTDOWN_RETURNS, node, args: REGISTER });
    expect((await fetch(`${app.url}/shutdown`)).status).toBe(200);
    const exit = await app.waitForExit(10_000, 'after shutdown()');
    expect(exit).toEqual({ code: 3, signal: null });
    const order = messages(app);
    expect(order).toContain('after shutdown: exit code 0');
    expect(order).toContain('still running');
    expect(app.stderr).toEqual([]);
  });

  it('Ctrl-C twice ends a 20 s drain at once', async () => {
    app = await startAdopterApp({
      extension: 'mjs',
      source: LONG_DRAIN,
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
      source: LONG_DRAIN,
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
