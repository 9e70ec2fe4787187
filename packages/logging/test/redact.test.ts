import { tracingChannel } from 'node:diagnostics_channel';
import { isDynotelError } from '@dynotel/core';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import { createLogger, createOtlpLoggerProvider } from '../src/index.ts';
import { capture } from './support/capture.ts';

type Line = Record<string, unknown>;

function jsonl(redact?: pino.LoggerOptions['redact']) {
  const out = capture();
  const logger = createLogger({
    format: 'jsonl',
    destination: out.stream,
    logUncaughtExceptions: false,
    ...(redact === undefined ? {} : { redact }),
  });
  const lines = () => out.lines().map((line) => JSON.parse(line) as Line);
  return { logger, lines, out };
}

describe("pino's redact option", () => {
  it("replaces the paths' values with pino's censor in Dynamo-layout JSONL lines; the caller's object is untouched", () => {
    const { logger, lines } = jsonl(['password', 'req.headers.authorization', 'users[*].token', '*.secret']);
    const fields = {
      password: 'hunter2',
      req: { headers: { authorization: 'Bearer abc', host: 'h' }, method: 'GET' },
      users: [{ token: 't1', name: 'a' }, { token: 't2' }],
      nested: { secret: 's', kept: 1 },
      other: 'kept',
    };
    logger.info(fields, 'login');
    const [line] = lines();
    expect(Object.keys(line!).slice(0, 4)).toEqual(['time', 'level', 'target', 'message']);
    expect(line).toMatchObject({
      message: 'login',
      password: '[Redacted]',
      req: { headers: { authorization: '[Redacted]', host: 'h' }, method: 'GET' },
      users: [{ token: '[Redacted]', name: 'a' }, { token: '[Redacted]' }],
      nested: { secret: '[Redacted]', kept: 1 },
      other: 'kept',
    });
    expect(fields.password).toBe('hunter2');
    expect(fields.req.headers.authorization).toBe('Bearer abc');
  });

  it('the raw output is what pino itself writes for the redacted fields (same censor, same paths)', () => {
    const redact = { paths: ['a.b', 'c'], censor: '***' };
    const { logger, lines } = jsonl(redact);
    const chunks: string[] = [];
    const plain = pino({ redact, base: null, timestamp: false }, { write: (s: string) => chunks.push(s) });
    const fields = { a: { b: 1, d: 2 }, c: 'x', e: [1] };
    logger.info(fields, 'm');
    plain.info(fields, 'm');
    const ours = lines()[0]!;
    const theirs = JSON.parse(chunks[0]!) as Line;
    for (const key of ['a', 'c', 'e']) expect(ours[key]).toEqual(theirs[key]);
  });

  it('censor function (value and path) and remove: true, as pino documents them', () => {
    const censored = jsonl({
      paths: ['card.number', 'token'],
      censor: (value: unknown, path: string[]) => `${path.join('.')}:${String(value).slice(-4)}`,
    });
    censored.logger.warn({ card: { number: '4111111111111111' }, token: 'abcdef' }, 'pay');
    expect(censored.lines()[0]).toMatchObject({ card: { number: 'card.number:1111' }, token: 'token:cdef' });

    const removed = jsonl({ paths: ['token', 'user.password'], remove: true });
    removed.logger.info({ token: 'abc', user: { password: 'p', name: 'n' }, keep: 1 }, 'x');
    const line = removed.lines()[0]!;
    expect(line).not.toHaveProperty('token');
    expect(line.user).toEqual({ name: 'n' });
    expect(line.keep).toBe(1);
  });

  it("applies to bindings and base fields, is inherited by children, and a child's own redact replaces it", () => {
    const out = capture();
    const logger = createLogger({
      format: 'jsonl',
      destination: out.stream,
      logUncaughtExceptions: false,
      base: { apiKey: 'base-secret' },
      redact: ['apiKey', 'session'],
    });
    const child = logger.child({ session: 'sess', target: 'auth' });
    child.info({ apiKey: 'call-secret' }, 'inherited');
    const other = logger.child({ target: 'billing' }, { redact: { paths: ['card'], censor: 'X' } });
    other.info({ card: '4111', session: 'visible' }, 'own');
    const [first, second] = out.lines().map((line) => JSON.parse(line) as Line);
    expect(first).toMatchObject({ target: 'auth', apiKey: '[Redacted]', session: '[Redacted]' });
    expect(second).toMatchObject({ target: 'billing', card: 'X', session: 'visible' });
    // The root's base field was redacted when the root was made; the child keeps it.
    expect(second!.apiKey).toBe('[Redacted]');
    expect(out.lines().join('\n')).not.toContain('secret');
  });

  it("a child's bindings go through its serializers, then redact, as pino renders bindings", () => {
    const { logger, lines } = jsonl(['user.email']);
    const child = logger.child(
      { user: { id: 7, email: 'a@b.c', avatar: 'x'.repeat(100) } },
      {
        serializers: { user: (user: { id: number; email: string }) => ({ id: user.id, email: user.email }) },
      },
    );
    child.info('bound');
    expect(lines()[0]!.user).toEqual({ id: 7, email: '[Redacted]' });
  });

  it('applies to the readable format too, and to objects a message interpolates (pino %j)', () => {
    const out = capture();
    const logger = createLogger({
      format: 'readable',
      ansi: false,
      destination: out.stream,
      logUncaughtExceptions: false,
      redact: ['password'],
    });
    logger.info({ password: 'hunter2' }, 'user %j', { password: 'hunter3' });
    const text = out.lines().join('\n');
    expect(text).toContain('[Redacted]');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('hunter3');
  });

  it('OTLP log records carry the redacted values too (real gRPC receiver)', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const loggerProvider = createOtlpLoggerProvider({
        endpoint: receiver.grpcEndpoint,
        scheduledDelayMs: 20,
      });
      const logger = createLogger({
        format: 'jsonl',
        destination: capture().stream,
        logUncaughtExceptions: false,
        otlp: { loggerProvider },
        redact: ['token', 'session'],
      });
      logger.child({ session: 'sess-1' }).info({ token: 'tok-1', kept: 'yes' }, 'exported');
      await loggerProvider.forceFlush();
      const [record] = receiver.logRecords();
      expect(record?.attributes).toMatchObject({ token: '[Redacted]', session: '[Redacted]', kept: 'yes' });
      expect(
        JSON.stringify(receiver.logRequests, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
      ).not.toMatch(/tok-1|sess-1/);
      await loggerProvider.shutdown();
    } finally {
      await receiver.close();
    }
  });

  it('a bad redact option is a coded error naming the option', () => {
    const bad = [
      { paths: 'password' },
      { paths: ['a..b'] },
      { paths: ['a'], remove: 'yes' },
      42,
    ] as unknown as pino.LoggerOptions['redact'][];
    for (const redact of bad) {
      let error: unknown;
      try {
        createLogger({ redact: redact!, logUncaughtExceptions: false });
      } catch (caught) {
        error = caught;
      }
      expect(isDynotelError(error) && error.code === 'ERR_DYNOTEL_LOGGING_INVALID_OPTION').toBe(true);
      expect(String((error as Error).message)).toContain('redact');
    }
  });
});

describe("pino's diagnostics channel (tracing:pino_asJson:*)", () => {
  it('publishes start and end around each line, with the logger and the finished Dynamo line', () => {
    const { logger, lines } = jsonl(['secret']);
    const events: Array<{ kind: string; instance: unknown; result?: unknown; args: readonly unknown[] }> = [];
    const channel = tracingChannel<
      unknown,
      { instance: unknown; arguments: readonly unknown[]; result?: unknown }
    >('pino_asJson');
    const handlers = {
      start: (store: { instance: unknown; arguments: readonly unknown[] }) =>
        events.push({ kind: 'start', instance: store.instance, args: store.arguments }),
      end: (store: { instance: unknown; arguments: readonly unknown[]; result?: unknown }) =>
        events.push({ kind: 'end', instance: store.instance, result: store.result, args: store.arguments }),
      asyncStart: () => {},
      asyncEnd: () => {},
      error: () => {},
    };
    channel.subscribe(handlers);
    try {
      logger.info({ secret: 's', n: 1 }, 'traced');
    } finally {
      channel.unsubscribe(handlers);
    }
    logger.info('not traced');
    expect(events.map((e) => e.kind)).toEqual(['start', 'end']);
    expect(events[0]!.instance).toBe(logger);
    expect((events[0]!.args[0] as Line).secret).toBe('s');
    expect(events[0]!.args[1]).toBe('traced');
    expect(events[0]!.args[2]).toBe(30);
    const written = lines();
    expect(written).toHaveLength(2);
    expect(JSON.parse(String(events[1]!.result))).toEqual(written[0]);
    expect(written[0]).toMatchObject({ level: 'INFO', message: 'traced', secret: '[Redacted]', n: 1 });
  });
});
