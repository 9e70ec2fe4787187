import { Agent, createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { type DiagnosticRecord, diag } from '@dynotel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthState, createShutdownCoordinator, type ShutdownPhase } from '../src/index.ts';
import { httpRequest } from './http-client.ts';
import { serve } from './probe.ts';
import { expectDynotelError, sleep, waitFor } from './support.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  diag.reset();
});

/** An application server whose /slow route answers after `ms` milliseconds (query ms=). */
async function appServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? '0');
    if (ms < 0) return; // never answers
    setTimeout(() => res.end('done'), ms);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve(undefined)));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * An application server answering after `ms` (query ms=) that counts the requests it started and the
 * responses finished (written out) server-side; with `headersFirst` it sends its headers at once.
 */
async function finishCountingServer(options: { headersFirst: boolean }): Promise<{
  server: Server;
  url: string;
  finished: { started: number; count: number };
}> {
  const finished = { started: 0, count: 0 };
  const server = createServer((req, res) => {
    finished.started++;
    res.on('finish', () => finished.count++);
    const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? '0');
    if (options.headersFirst) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('started-');
    }
    setTimeout(() => res.end('done'), ms);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve(undefined)));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, finished };
}

describe('shutdown coordinator', () => {
  it('flips readiness synchronously, keeps liveness through the drain, then turns liveness 503', async () => {
    const health = createHealthState({ startingStatus: 'ready' });
    const probe = await serve(health);
    const coordinator = createShutdownCoordinator({
      health,
      drainDelayMs: 300,
      hookTimeoutMs: 100,
      inFlightTimeoutMs: 100,
    });
    expect(coordinator.phase).toBe('running');
    const done = coordinator.shutdown('test');
    // No await in between: the flip happened inside shutdown().
    expect(coordinator.phase).toBe('draining');
    expect(health.phase).toBe('draining');
    expect((await probe.health()).status).toBe(503);
    expect((await httpRequest(`${probe.url}/live`)).status).toBe(200);
    await waitFor(() => coordinator.phase !== 'draining', 3_000, 'end of drain');
    expect((await httpRequest(`${probe.url}/live`)).status).toBe(503);
    const result = await done;
    expect(result).toMatchObject({ reason: 'test', exitCode: 0, abandonedRequests: 0, hooks: [] });
    expect(coordinator.phase).toBe('stopped');
  });

  it('serves new requests during the drain with Connection: close, completes in-flight ones, closes keep-alive sockets', async () => {
    const { server, url } = await appServer();
    const coordinator = createShutdownCoordinator({
      drainDelayMs: 200,
      inFlightTimeoutMs: 3_000,
      hookTimeoutMs: 100,
    });
    coordinator.trackServer(server);
    const agent = new Agent({ keepAlive: true, maxSockets: 10 });
    // A separate agent holds one idle keep-alive socket, opened before the shutdown and never reused.
    const idleAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(
      () => agent.destroy(),
      () => idleAgent.destroy(),
    );
    const warm = await httpRequest(`${url}/?ms=0`, { agent: idleAgent });
    expect(warm.headers.connection).toBe('keep-alive');
    const idleSocketClosed = new Promise<void>((resolve) => {
      const free = Object.values(idleAgent.freeSockets).flat();
      expect(free.length).toBe(1);
      free[0]!.once('close', () => resolve());
    });
    const inFlight = [httpRequest(`${url}/?ms=400`, { agent }), httpRequest(`${url}/?ms=400`, { agent })];
    await waitFor(() => coordinator.inFlight === 2, 3_000, 'two in flight');
    const done = coordinator.shutdown();
    const during = await httpRequest(`${url}/?ms=0`);
    expect(during.status).toBe(200);
    expect(during.headers.connection).toBe('close');
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.body)).toEqual(['done', 'done']);
    // Their responses had not started when the shutdown began: they were told to close too.
    expect(answers.map((a) => a.headers.connection)).toEqual(['close', 'close']);
    await idleSocketClosed;
    const result = await done;
    expect(result).toMatchObject({ exitCode: 0, abandonedRequests: 0 });
    expect(server.listening).toBe(false);
    await expect(httpRequest(`${url}/?ms=0`)).rejects.toThrow();
  });

  it('waits for requests that were in flight before the server was tracked (as an Express app tracks on its first request)', async () => {
    const { server, url, finished } = await finishCountingServer({ headersFirst: false });
    const agent = new Agent({ keepAlive: true, maxSockets: 10 });
    cleanups.push(() => agent.destroy());
    const inFlight = [httpRequest(`${url}/?ms=300`, { agent }), httpRequest(`${url}/?ms=300`, { agent })];
    await waitFor(() => finished.started === 2, 3_000, 'two started');
    const coordinator = createShutdownCoordinator({
      drainDelayMs: 0,
      inFlightTimeoutMs: 3_000,
      hookTimeoutMs: 100,
    });
    coordinator.trackServer(server);
    expect(coordinator.inFlight).toBe(2);
    let finishedBeforeHooks = -1;
    coordinator.addHook('after the requests', () => {
      finishedBeforeHooks = finished.count;
    });
    const result = await coordinator.shutdown();
    expect(result).toMatchObject({ exitCode: 0, abandonedRequests: 0 });
    expect(finishedBeforeHooks).toBe(2);
    expect((await Promise.all(inFlight)).map((a) => [a.body, a.headers.connection])).toEqual([
      ['done', 'close'],
      ['done', 'close'],
    ]);
  });

  it('waits for a pipelined request queued behind the one in flight when the shutdown began', async () => {
    // The first response's headers are out before the shutdown, so it keeps its connection open and the
    // queued request is served after it (a response sent with Connection: close would drop the queue).
    const { server, url, finished } = await finishCountingServer({ headersFirst: true });
    const coordinator = createShutdownCoordinator({
      drainDelayMs: 0,
      inFlightTimeoutMs: 3_000,
      hookTimeoutMs: 100,
    });
    coordinator.trackServer(server);
    let finishedBeforeHooks = -1;
    coordinator.addHook('after the requests', () => {
      finishedBeforeHooks = finished.count;
    });
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.on('error', () => {});
    cleanups.push(() => socket.destroy());
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    // Two requests in one write: the second gets the socket only once the first response is finished.
    // The second is still being answered when the first one closes.
    socket.write('GET /?ms=100 HTTP/1.1\r\nHost: x\r\n\r\nGET /?ms=400 HTTP/1.1\r\nHost: x\r\n\r\n');
    // Both handlers run at once; only the first response has the connection yet.
    await waitFor(
      () => finished.started === 2 && coordinator.inFlight === 1,
      3_000,
      'first request in flight',
    );
    const result = await coordinator.shutdown();
    expect(result).toMatchObject({ exitCode: 0, abandonedRequests: 0 });
    expect(finishedBeforeHooks).toBe(2);
    // Woken by the second response's close, not by the end of inFlightTimeoutMs.
    expect(result.durationMs).toBeLessThan(3_000);
    await waitFor(() => (received.match(/done/g) ?? []).length === 2, 3_000, 'both answers received');
  });

  it('runs hooks in order, each bounded: a throwing and a hanging hook do not stop the others', async () => {
    const coordinator = createShutdownCoordinator({ drainDelayMs: 0, hookTimeoutMs: 100 });
    const ran: string[] = [];
    coordinator.addHook('flush spans', async () => {
      await sleep(10);
      ran.push('spans');
    });
    coordinator.addHook('throws', () => {
      throw new Error('boom');
    });
    coordinator.addHook('hangs', () => new Promise(() => {}));
    coordinator.addHook('rejects', () => Promise.reject(new Error('nope')));
    coordinator.addHook('flush logs', () => {
      ran.push('logs');
    });
    coordinator.addHook('close servers', () => {
      ran.push('servers');
    });
    const result = await coordinator.shutdown('hooks');
    expect(ran).toEqual(['spans', 'logs', 'servers']);
    expect(result.hooks.map((h) => [h.name, h.outcome])).toEqual([
      ['flush spans', 'ok'],
      ['throws', 'error'],
      ['hangs', 'timeout'],
      ['rejects', 'error'],
      ['flush logs', 'ok'],
      ['close servers', 'ok'],
    ]);
    expect(result.hooks[2]!.durationMs).toBeGreaterThanOrEqual(95);
    expect(result.exitCode).toBe(1);
  });

  it('keeps idle keep-alive connections open through the drain and closes them when it ends', async () => {
    const { server, url } = await appServer();
    const coordinator = createShutdownCoordinator({ drainDelayMs: 400, hookTimeoutMs: 100 });
    coordinator.trackServer(server);
    const idleAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const busyAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(
      () => idleAgent.destroy(),
      () => busyAgent.destroy(),
    );
    await httpRequest(`${url}/?ms=0`, { agent: idleAgent });
    const idle = Object.values(idleAgent.freeSockets).flat()[0]!;
    let idleClosedAt = 0;
    let idleClosedIn: ShutdownPhase | undefined;
    idle.once('close', () => {
      idleClosedAt = performance.now();
      idleClosedIn = coordinator.phase;
    });
    const done = coordinator.shutdown('drain');
    // Another connection's responses finish during the drain: that must not reap the idle one.
    for (let i = 0; i < 3; i++) {
      const answer = await httpRequest(`${url}/?ms=20`, { agent: busyAgent });
      expect(answer.headers.connection).toBe('close');
    }
    await sleep(50);
    expect(coordinator.phase).toBe('draining');
    expect(idleClosedAt).toBe(0);
    // A request on the idle connection during the drain is served, told to close, and not reset.
    const reused = await httpRequest(`${url}/?ms=0`, { agent: idleAgent });
    expect(reused).toMatchObject({ status: 200, body: 'done' });
    expect(reused.headers.connection).toBe('close');
    await waitFor(() => idleClosedAt > 0, 3_000, 'the reused connection closed after its response');
    // Closed by its own `Connection: close` response, still inside the drain.
    expect(idleClosedIn).toBe('draining');
    await done;
  });

  it('closes a keep-alive connection left idle by the drain only when the drain ends', async () => {
    const { server, url } = await appServer();
    const coordinator = createShutdownCoordinator({ drainDelayMs: 300, hookTimeoutMs: 100 });
    coordinator.trackServer(server);
    const idleAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => idleAgent.destroy());
    await httpRequest(`${url}/?ms=0`, { agent: idleAgent });
    const idle = Object.values(idleAgent.freeSockets).flat()[0]!;
    const closed = new Promise<ShutdownPhase>((resolve) =>
      idle.once('close', () => resolve(coordinator.phase)),
    );
    await coordinator.shutdown('drain');
    expect(await closed).not.toBe('draining');
  });

  it('endDrain() ends the drain delay at once and the result says so', async () => {
    const coordinator = createShutdownCoordinator({ drainDelayMs: 60_000, gracePeriodMs: 120_000 });
    expect(coordinator.endDrain()).toBe(false);
    const done = coordinator.shutdown('early');
    expect(coordinator.endDrain()).toBe(true);
    const result = await done;
    expect(result.drainEndedEarly).toBe(true);
    expect(result.durationMs).toBeLessThan(10_000);
  });

  it('runs hooks by order, then as added, each with its own timeout; a removed hook does not run', async () => {
    const coordinator = createShutdownCoordinator({ drainDelayMs: 0, hookTimeoutMs: 2_000 });
    const ran: string[] = [];
    coordinator.addHook('telemetry flush', () => ran.push('telemetry flush'), { order: 100 });
    coordinator.addHook('pool', () => ran.push('pool'));
    const remove = coordinator.addHook('removed', () => ran.push('removed'));
    coordinator.addHook('cache', () => ran.push('cache'));
    coordinator.addHook('first', () => ran.push('first'), { order: -1 });
    coordinator.addHook('slow', () => new Promise(() => {}), { timeoutMs: 50 });
    coordinator.addHook('bad', () => Promise.reject(new Error('pool refused')), { order: 1 });
    remove();
    const result = await coordinator.shutdown();
    expect(ran).toEqual(['first', 'pool', 'cache', 'telemetry flush']);
    expect(result.hooks.map((h) => [h.name, h.outcome])).toEqual([
      ['first', 'ok'],
      ['pool', 'ok'],
      ['cache', 'ok'],
      ['slow', 'timeout'],
      ['bad', 'error'],
      ['telemetry flush', 'ok'],
    ]);
    expect(result.hooks[3]!.durationMs).toBeLessThan(2_000);
    expect(result.hooks[4]!.error).toBe('pool refused');
    expect(result.exitCode).toBe(1);
    expectDynotelError(
      () => coordinator.addHook('nan', () => {}, { order: Number.NaN }),
      'ERR_DYNOTEL_HEALTH_INVALID_ARGUMENT',
      "'order'",
    );
    expectDynotelError(
      () => coordinator.addHook('zero', () => {}, { timeoutMs: 0 }),
      'ERR_DYNOTEL_HEALTH_INVALID_OPTION',
      'timeoutMs',
    );
  });

  it('shortens a hook so the hooks after it keep their time before the grace period ends', async () => {
    // Grace period 1 s: the hooks must end by 900 ms; the last hook is owed its 300 ms.
    const coordinator = createShutdownCoordinator({
      drainDelayMs: 0,
      gracePeriodMs: 1_000,
      hookTimeoutMs: 300,
    });
    let flushed = false;
    coordinator.addHook('hangs', () => new Promise(() => {}), { timeoutMs: 5_000 });
    coordinator.addHook('flush', () => {
      flushed = true;
    });
    const result = await coordinator.shutdown();
    expect(result.hooks.map((h) => [h.name, h.outcome])).toEqual([
      ['hangs', 'timeout'],
      ['flush', 'ok'],
    ]);
    expect(flushed).toBe(true);
    // Cut at the budget, not at its own 5 s.
    expect(result.hooks[0]!.durationMs).toBeLessThan(4_000);
  });

  it('runs the sequence once: a second call returns the same result', async () => {
    const coordinator = createShutdownCoordinator({ drainDelayMs: 50, hookTimeoutMs: 100 });
    let runs = 0;
    coordinator.addHook('count', () => {
      runs++;
    });
    const first = coordinator.shutdown('first');
    const second = coordinator.shutdown('second');
    expect(second).toBe(first);
    expect((await second).reason).toBe('first');
    expect(runs).toBe(1);
  });

  it('cuts requests that outlive inFlightTimeoutMs and reports them (exit code 1)', async () => {
    const { server, url } = await appServer();
    const coordinator = createShutdownCoordinator({
      drainDelayMs: 0,
      inFlightTimeoutMs: 150,
      hookTimeoutMs: 100,
    });
    coordinator.trackServer(server);
    const stuck = httpRequest(`${url}/?ms=-1`).catch((error: Error) => error);
    await waitFor(() => coordinator.inFlight === 1, 3_000, 'stuck request');
    const result = await coordinator.shutdown();
    expect(result).toMatchObject({ exitCode: 1, abandonedRequests: 1 });
    expect(await stuck).toBeInstanceOf(Error);
  });

  it('on a signal: runs once, ignores the second signal, sets process.exitCode and does not exit', async () => {
    const coordinator = createShutdownCoordinator({
      drainDelayMs: 50,
      hookTimeoutMs: 100,
      signals: ['SIGUSR2'],
    });
    let runs = 0;
    coordinator.addHook('count', () => {
      runs++;
    });
    const uninstall = coordinator.install();
    expect(coordinator.install()).toBe(uninstall);
    const savedExitCode = process.exitCode;
    cleanups.push(() => {
      uninstall();
      process.exitCode = savedExitCode;
    });
    process.kill(process.pid, 'SIGUSR2');
    await waitFor(() => coordinator.phase !== 'running', 3_000, 'signal');
    process.kill(process.pid, 'SIGUSR2');
    await waitFor(() => coordinator.phase === 'stopped', 3_000, 'stopped');
    await sleep(20);
    expect(runs).toBe(1);
    expect(process.exitCode).toBe(0);
  });

  it('warns at start-up when the worst case exceeds the grace period', () => {
    const records: DiagnosticRecord[] = [];
    diag.setSink((record) => records.push(record));
    createShutdownCoordinator({
      drainDelayMs: 5_000,
      inFlightTimeoutMs: 10_000,
      hookTimeoutMs: 5_000,
      gracePeriodMs: 30_000,
    });
    expect(records.filter((r) => r.level === 'warn')).toEqual([]);
    const coordinator = createShutdownCoordinator({
      drainDelayMs: 20_000,
      inFlightTimeoutMs: 10_000,
      hookTimeoutMs: 5_000,
    });
    const warning = records.find((r) => r.message.includes('grace period'));
    expect(warning?.level).toBe('warn');
    expect(warning?.fields).toMatchObject({ worstCaseMs: 35_000, gracePeriodMs: 30_000 });
    // Adding hooks grows the worst case and warns again for the new size.
    const ok = createShutdownCoordinator({
      drainDelayMs: 1_000,
      inFlightTimeoutMs: 1_000,
      hookTimeoutMs: 10_000,
      gracePeriodMs: 25_000,
    });
    const before = records.length;
    ok.addHook('a', () => {});
    ok.addHook('b', () => {});
    expect(records.length).toBe(before);
    ok.addHook('c', () => {});
    expect(records.length).toBe(before + 1);
    expect(records.at(-1)?.fields).toMatchObject({ hooks: 3, worstCaseMs: 32_000 });
    expect(coordinator.isShuttingDown).toBe(false);
  });

  it('rejects bad options and arguments with coded errors', () => {
    expectDynotelError(
      () => createShutdownCoordinator({ drainDelayMs: -1 }),
      'ERR_DYNOTEL_HEALTH_INVALID_OPTION',
      'drainDelayMs',
    );
    expectDynotelError(
      () => createShutdownCoordinator({ signals: ['TERM' as never] }),
      'ERR_DYNOTEL_HEALTH_INVALID_OPTION',
      'signals',
    );
    const coordinator = createShutdownCoordinator();
    expectDynotelError(
      () => coordinator.addHook('x', 42 as never),
      'ERR_DYNOTEL_HEALTH_INVALID_ARGUMENT',
      "'hook'",
    );
    coordinator.addHook('x', () => {});
    expectDynotelError(() => coordinator.addHook('x', () => {}), 'ERR_DYNOTEL_HEALTH_DUPLICATE_NAME', "'x'");
    expectDynotelError(
      () => coordinator.trackServer({} as never),
      'ERR_DYNOTEL_HEALTH_INVALID_ARGUMENT',
      "'server'",
    );
  });
});
