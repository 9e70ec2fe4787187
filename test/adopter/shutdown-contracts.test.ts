/**
 * The shutdown contracts of packages/dynotel/README.md ("Shutdown"), on real processes and real signals:
 * an app with its own SIGTERM listener owns the exit (its 1.5 s async cleanup finishes before its own
 * `process.exit(0)`); an `onShutdown` hook of 1.5 s finishes and dynotel exits 0 after it; `await
 * telemetry.shutdown()` returns without exiting; a listener that only closes its server lets the process
 * end by itself after the drain. (The drain delay itself: drain-delay.test.ts.)
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

const CLOSES_ITS_SERVER = `
import express from 'express';
${MARK}

const app = express();
app.get('/', (req, res) => res.send('ok'));
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => mark('server closed')));
`;

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

  it("an Express app whose own SIGTERM listener only closes its server ends by itself after dynotel's drain", async () => {
    app = await startAdopterApp({
      extension: 'mjs',
      source: CLOSES_ITS_SERVER,
      node,
      args: REGISTER,
      env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', DYN_SHUTDOWN_DRAIN_DELAY: '1' },
    });
    expect((await fetch(`${app.url}/`)).status).toBe(200);
    app.child.kill('SIGTERM');
    // Well before the grace period (30 s), when dynotel would end a process kept alive as a last resort.
    const exit = await app.waitForExit(10_000, 'once its server closed and the drain ended');
    expect(exit).toEqual({ code: 0, signal: null });
    const order = messages(app);
    expect(order).toContain('server closed');
    expect(app.logs.find((line) => line.message === 'shutdown complete')).toMatchObject({ exitCode: 0 });
    expect(app.stderr).toEqual([]);
  });

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
});
