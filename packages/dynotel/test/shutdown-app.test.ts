/**
 * Shutdown as an application lives it, in real child processes with real signals (fixtures/shutdown-app.ts):
 * its own hooks, its own SIGTERM listener, init() options after dynotel/register, and its own
 * process.exit() with spans still queued — against the real OTLP receiver.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/shutdown-app.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

interface App {
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  lines(): Record<string, unknown>[];
  stderr(): string;
  waitForLine(message: string): Promise<void>;
  /** Resolves once a stdout line matches: stdout and stderr are separate pipes, so READY may come first. */
  waitForLineMatching(matches: (line: Record<string, unknown>) => boolean, what: string): Promise<void>;
}

const children: ChildProcess[] = [];
let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await receiver?.close();
  receiver = undefined;
});

async function startApp(
  env: Record<string, string>,
  options: { register?: boolean; waitForReady?: boolean } = {},
): Promise<App> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@dynotel/source',
      ...(options.register === true ? ['--import', 'dynotel/register'] : []),
      FIXTURE,
    ],
    {
      cwd: PACKAGE_DIR,
      env: { PATH: process.env.PATH ?? '', DYN_LOGGING_JSONL: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = () =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const until = async (condition: () => boolean, what: string) => {
    const deadline = Date.now() + 20_000;
    while (!condition()) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        if (condition()) return;
        throw new Error(`${what}: not seen; stderr:\n${err}\nstdout:\n${out}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  if (options.waitForReady !== false) await until(() => /READY \d+/.test(err), 'READY');
  return {
    process: child,
    exited,
    lines,
    stderr: () => err,
    waitForLine: (message) => until(() => lines().some((l) => l.message === message), message),
    waitForLineMatching: (matches, what) => until(() => lines().some(matches), what),
  };
}

const messages = (app: App) => app.lines().map((line) => String(line.message));

describe('application shutdown hooks (telemetry.onShutdown)', () => {
  it('run on SIGTERM after the drain and before the telemetry flush: their log lines and spans are delivered, a failing one is reported', async () => {
    receiver = await startOtlpReceiver();
    const app = await startApp({
      APP_HOOKS: '1',
      OTEL_EXPORT_ENABLED: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    });
    app.process.kill('SIGTERM');
    const exit = await app.exited;
    // The broken hook makes the shutdown unclean.
    expect(exit).toEqual({ code: 1, signal: null });
    const seen = messages(app);
    const closed = seen.indexOf('db pool closed');
    expect(seen.indexOf('db pool closing')).toBeGreaterThan(
      seen.indexOf('shutdown started: readiness is notready, draining'),
    );
    expect(closed).toBeGreaterThan(seen.indexOf('db pool closing'));
    // The 1.5 s pool close ran to completion, then the broken hook, then telemetry's flush and the end.
    const failure = app.lines().find((l) => l.message === "shutdown hook 'broken' failed");
    expect(failure?.error).toBe('cache already gone');
    expect(seen.indexOf("shutdown hook 'broken' failed")).toBeGreaterThan(closed);
    const complete = app.lines().find((l) => l.message === 'shutdown complete');
    expect(complete).toMatchObject({ exitCode: 1, failedHooks: ['broken'] });
    expect(seen.at(-1)).toBe('shutdown complete');
    // The hook's span, queued behind a 60 s schedule delay, was flushed by telemetry's hook after it.
    expect(receiver.spans().filter((span) => span.name === 'db.pool.close')).toHaveLength(1);
  });
});

describe("the application's own SIGTERM listener", () => {
  it('runs to completion: dynotel runs its sequence, does not exit under it, and the process ends on its own with code 0', async () => {
    const app = await startApp({ APP_LISTENER: '1' });
    app.process.kill('SIGTERM');
    const exit = await app.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const seen = messages(app);
    expect(seen).toContain('app listener started');
    // Its cleanup outlived dynotel's sequence (no drain delay outside Kubernetes), and still finished.
    expect(seen.indexOf('app listener done')).toBeGreaterThan(seen.indexOf('shutdown complete'));
    expect(seen.at(-1)).toBe('app listener done');
  });

  it('without one, dynotel exits once its sequence is done', async () => {
    const app = await startApp({});
    app.process.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(messages(app).at(-1)).toBe('shutdown complete');
  });
});

describe('init(options) after dynotel/register', () => {
  it('applies handleSignals and names every option it cannot apply', async () => {
    const app = await startApp(
      {
        DYN_NAMESPACE: 'registered',
        LATE_INIT: JSON.stringify({
          handleSignals: false,
          serviceName: 'late-name',
          namespace: 'registered',
          config: {},
        }),
      },
      { register: true },
    );
    const isWarning = (l: Record<string, unknown>) => String(l.message).startsWith('init() options ignored');
    await app.waitForLineMatching(isWarning, 'the init() options warning');
    const warning = app.lines().find(isWarning);
    expect(warning).toMatchObject({ level: 'WARN', ignored: 'serviceName,config', applied: 'handleSignals' });
    expect(String(warning?.message)).toContain('serviceName, config');
    // handleSignals: false applied: no dynotel listener, so SIGTERM ends the process the Node way.
    app.process.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(messages(app)).not.toContain('shutdown started: readiness is notready, draining');
  });

  it('without options, or with options in force already, says nothing', async () => {
    const app = await startApp({ LATE_INIT: JSON.stringify({ handleSignals: true }) }, { register: true });
    app.process.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(messages(app).some((m) => m.startsWith('init() options ignored'))).toBe(false);
    expect(messages(app).at(-1)).toBe('shutdown complete');
  });
});

describe("the application's own process.exit()", () => {
  const exitLine = (app: App) => app.lines().find((l) => String(l.message).startsWith('the process exited'));

  it.each([
    ['grpc', 0, 500, {}],
    ['grpc', 300, 200, {}],
    ['grpc', 0, 500, { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }],
    ['http/protobuf', 0, 500, {}],
    ['http/protobuf', 0, 500, { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }],
  ] as const)(
    '%s, %i spans flushed before, %i still queued at process.exit(0) %o: all are delivered at exit',
    async (protocol, flushedFirst, queued, extra) => {
      receiver = await startOtlpReceiver();
      const app = await startApp(
        {
          EXIT_SPANS: String(queued),
          FLUSHED_FIRST: String(flushedFirst),
          OTEL_EXPORT_ENABLED: '1',
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? receiver.grpcEndpoint : receiver.httpEndpoint,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=exit-test',
          ...extra,
        },
        { waitForReady: false },
      );
      expect(await app.exited).toEqual({ code: 0, signal: null });
      expect(exitLine(app)).toMatchObject({ level: 'INFO', deliveredSpans: queued });
      const names = receiver.spans().map((span) => span.name);
      expect(names.filter((name) => name.startsWith('at-exit-'))).toHaveLength(queued);
      expect(names.filter((name) => name.startsWith('flushed-'))).toHaveLength(flushedFirst);
      expect(new Set(names).size).toBe(flushedFirst + queued);
      expect(receiver.calls.at(-1)?.headers['x-tenant']).toBe('exit-test');
    },
  );

  it('more spans than one batch: sent in several requests at exit; an export cut in flight is counted', async () => {
    receiver = await startOtlpReceiver();
    const total = 1_500;
    const app = await startApp(
      {
        EXIT_SPANS: String(total),
        OTEL_EXPORT_ENABLED: '1',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '400',
      },
      { waitForReady: false },
    );
    expect(await app.exited).toEqual({ code: 0, signal: null });
    const line = exitLine(app);
    // The first full batch was handed to the exporter on the main thread, which never got to send it.
    expect(line).toMatchObject({
      level: 'WARN',
      inFlight: 400,
      queued: 0,
      deliveredSpans: 1_100,
      lostSpans: 400,
    });
    expect(receiver.spans()).toHaveLength(1_100);
    expect(receiver.calls.length).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['down', 'failed'],
    ['black-holed', 'timeout'],
  ])(
    'with the collector %s: every queued span is counted as lost on the last log line, and the exit is held up at most ~2 s',
    async (fault, outcome) => {
      receiver = await startOtlpReceiver();
      if (fault === 'down') await receiver.goDown();
      else receiver.setDefaultFault({ hang: true });
      const started = performance.now();
      const app = await startApp(
        { EXIT_SPANS: '500', OTEL_EXPORT_ENABLED: '1', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint },
        { waitForReady: false },
      );
      expect(await app.exited).toEqual({ code: 0, signal: null });
      const last = app.lines().at(-1);
      expect(last).toMatchObject({
        level: 'WARN',
        target: 'dynotel.tracing',
        lostSpans: 500,
        queued: 500,
        inFlight: 0,
        deliveredSpans: 0,
        exitDelivery: outcome,
        selfMetric: 'dynotel_spans_dropped_total{reason="exit"}',
      });
      expect(String(last?.message)).toContain('the process exited before its spans were exported');
      expect(receiver.spans()).toHaveLength(0);
      // Start-up included; the hold at exit itself is bounded by 2 s.
      expect(performance.now() - started).toBeLessThan(15_000);
    },
  );
});
