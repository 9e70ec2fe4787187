import { type ChildProcess, spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from './http-client.ts';
import { waitFor } from './support.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/graceful-server.ts', import.meta.url));
const DRAIN_DELAY_MS = 500;
const SLOW_MS = 1_500;
const CLIENTS = 20;

interface FixtureEvent {
  event: string;
  t: number;
  [key: string]: unknown;
}

interface Fixture {
  child: ChildProcess;
  events: FixtureEvent[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  ready: FixtureEvent;
}

const children: ChildProcess[] = [];
const agents: Agent[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const agent of agents.splice(0)) agent.destroy();
});

async function startFixture(env: Record<string, string> = {}): Promise<Fixture> {
  const child = spawn(process.execPath, ['--conditions=@dynotel/source', FIXTURE], {
    env: { ...process.env, DRAIN_DELAY_MS: String(DRAIN_DELAY_MS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const events: FixtureEvent[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      events.push(JSON.parse(buffered.slice(0, newline)) as FixtureEvent);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  await waitFor(
    () => events.some((e) => e.event === 'ready') || child.exitCode !== null,
    10_000,
    'fixture start-up',
  );
  const ready = events.find((e) => e.event === 'ready');
  if (ready === undefined) throw new Error(`fixture did not start: ${stderr.join('')}`);
  return { child, events, stderr, exited, ready };
}

describe('graceful shutdown of a real process', () => {
  it(`SIGTERM with ${CLIENTS} slow keep-alive requests in flight: readiness flips at once, all complete, hooks run, exit 0`, async () => {
    const fixture = await startFixture();
    const app = `http://127.0.0.1:${fixture.ready.appPort}`;
    const system = `http://127.0.0.1:${fixture.ready.systemPort}`;
    expect(fixture.ready.node).toBe(process.version);
    expect((await httpRequest(`${system}/health`)).status).toBe(200);

    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    agents.push(agent);
    const requests = Array.from({ length: CLIENTS }, () =>
      httpRequest(`${app}/slow?ms=${SLOW_MS}`, { agent }),
    );
    await waitFor(
      () => fixture.events.filter((e) => e.event === 'request').length === CLIENTS,
      10_000,
      'requests',
    );
    const sockets = Object.values(agent.sockets).flat();
    expect(sockets.length).toBe(CLIENTS);
    const socketsClosed = Promise.all(
      sockets.map((s) => new Promise((resolve) => s!.once('close', resolve))),
    );

    // A keep-alive probe connection, ready before the signal, measures the flip.
    const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(probeAgent);
    await httpRequest(`${system}/health`, { agent: probeAgent });
    const signalledAt = Date.now();
    fixture.child.kill('SIGTERM');
    let flippedAt = 0;
    let probes = 0;
    while (flippedAt === 0 && probes < 200) {
      probes++;
      const answer = await httpRequest(`${system}/health`, { agent: probeAgent });
      if (answer.status === 503) flippedAt = Date.now();
    }
    const flipMs = flippedAt - signalledAt;
    expect(flippedAt).toBeGreaterThan(0);
    expect(flipMs).toBeLessThan(100);
    // Liveness holds through the drain.
    expect((await httpRequest(`${system}/live`)).status).toBe(200);
    // A second signal does not start the sequence again.
    fixture.child.kill('SIGTERM');

    const answers = await Promise.all(requests);
    expect(answers.every((a) => a.status === 200 && a.body.startsWith('done '))).toBe(true);
    expect(new Set(answers.map((a) => a.body)).size).toBe(CLIENTS);
    expect(answers.every((a) => a.headers.connection === 'close')).toBe(true);
    await socketsClosed;

    const exit = await fixture.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    const exitMs = exit.at - signalledAt;
    expect(exitMs).toBeGreaterThanOrEqual(DRAIN_DELAY_MS);
    expect(exitMs).toBeLessThan(10_000);

    const signals = fixture.events.filter((e) => e.event === 'signal');
    expect(signals.map((e) => [e.phase, e.health])).toEqual([
      ['draining', 'draining'],
      ['draining', 'draining'],
    ]);
    const hooks = fixture.events.filter((e) => e.event === 'hook');
    expect(hooks.map((e) => e.name)).toEqual(['flush spans', 'flush logs', 'close system server']);
    // Telemetry hooks ran after every request had been answered.
    expect(hooks[0]!.served).toBe(CLIENTS);
    expect(fixture.events.at(-1)).toMatchObject({ event: 'exit', code: 0 });
    console.info(`readiness flip ${flipMs} ms after SIGTERM (${probes} probes); exit after ${exitMs} ms`);
  });

  it('SIGINT with a hanging hook: later hooks still run, exit code 1, bounded time', async () => {
    const fixture = await startFixture({ HANGING_HOOK: '1', DRAIN_DELAY_MS: '100' });
    const signalledAt = Date.now();
    fixture.child.kill('SIGINT');
    const exit = await fixture.exited;
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    const hooks = fixture.events.filter((e) => e.event === 'hook').map((e) => e.name);
    expect(hooks).toEqual(['flush spans', 'hangs', 'flush logs', 'close system server']);
  });

  it('exitAfterSignal without an application listener: exits with the result once the sequence is done', async () => {
    const fixture = await startFixture({
      EXIT_AFTER_SIGNAL: '1',
      OBSERVE_SIGNALS: '0',
      DRAIN_DELAY_MS: '100',
    });
    fixture.child.kill('SIGTERM');
    const exit = await fixture.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(fixture.events.filter((e) => e.event === 'hook').map((e) => e.name)).toEqual([
      'flush spans',
      'flush logs',
      'close system server',
    ]);
  });

  it("exitAfterSignal with the application's own SIGTERM listener: its 1.5 s cleanup runs to completion before the process ends", async () => {
    const fixture = await startFixture({
      EXIT_AFTER_SIGNAL: '1',
      OBSERVE_SIGNALS: '0',
      DRAIN_DELAY_MS: '100',
      APP_CLEANUP_MS: '1500',
    });
    fixture.child.kill('SIGTERM');
    const exit = await fixture.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    const names = fixture.events.map((e) => e.event);
    // dynotel's sequence ended first (its hooks ran), then the application's cleanup finished, then the
    // process ended on its own (event loop empty) with the code dynotel set.
    expect(names.indexOf('app cleanup started')).toBeGreaterThanOrEqual(0);
    expect(names.lastIndexOf('hook')).toBeLessThan(names.indexOf('app cleanup done'));
    expect(fixture.events.find((e) => e.event === 'app cleanup done')?.phase).toBe('stopped');
    expect(fixture.events.at(-1)).toMatchObject({ event: 'exit', code: 0 });
  });

  it("with the application's own listener and a handle it never closes: the last-resort exit at the grace period ends the process", async () => {
    const fixture = await startFixture({
      EXIT_AFTER_SIGNAL: '1',
      OBSERVE_SIGNALS: '0',
      DRAIN_DELAY_MS: '100',
      APP_CLEANUP_MS: '200',
      APP_HOLD: '1',
      GRACE_PERIOD_MS: '2000',
      HOOK_TIMEOUT_MS: '200',
    });
    const signalledAt = Date.now();
    fixture.child.kill('SIGTERM');
    const exit = await fixture.exited;
    // The code dynotel set (the sequence was clean), not a kill.
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(fixture.events.some((e) => e.event === 'app cleanup done')).toBe(true);
    expect(fixture.stderr.join('')).toContain('still running at the end of the grace period');
    // Not before the grace period (the application's listener owned the exit until then).
    expect(exit.at - signalledAt).toBeGreaterThanOrEqual(1_900);
  });

  it('a second SIGINT ends a long drain at once; the sequence still completes and exits 0', async () => {
    const fixture = await startFixture({
      EXIT_AFTER_SIGNAL: '1',
      OBSERVE_SIGNALS: '0',
      DRAIN_DELAY_MS: '40000',
    });
    const app = `http://127.0.0.1:${fixture.ready.appPort}`;
    const signalledAt = Date.now();
    fixture.child.kill('SIGINT');
    // Still draining: requests are served.
    await waitFor(
      async () => (await httpRequest(`${app}/?ms=0`)).headers.connection === 'close',
      5_000,
      'drain',
    );
    fixture.child.kill('SIGINT');
    const exit = await fixture.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    // Far sooner than the 40 s drain delay.
    expect(exit.at - signalledAt).toBeLessThan(20_000);
    expect(fixture.events.filter((e) => e.event === 'hook').map((e) => e.name)).toEqual([
      'flush spans',
      'flush logs',
      'close system server',
    ]);
  });

  it('a third SIGINT exits at once with 130, even while a hook hangs', async () => {
    const fixture = await startFixture({
      EXIT_AFTER_SIGNAL: '1',
      OBSERVE_SIGNALS: '0',
      DRAIN_DELAY_MS: '40000',
      HANGING_HOOK: '1',
      HOOK_TIMEOUT_MS: '10000',
    });
    fixture.child.kill('SIGINT');
    await waitFor(() => fixture.stderr.join('').includes('draining'), 5_000, 'shutdown started');
    fixture.child.kill('SIGINT');
    await waitFor(() => fixture.events.some((e) => e.name === 'hangs'), 10_000, 'the hanging hook');
    fixture.child.kill('SIGINT');
    const exit = await fixture.exited;
    expect(exit).toMatchObject({ code: 130, signal: null });
    expect(fixture.events.filter((e) => e.event === 'hook').map((e) => e.name)).toEqual([
      'flush spans',
      'hangs',
    ]);
  });
});
