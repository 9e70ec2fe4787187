/**
 * Hostile canary payloads and hostile engine answers through init(), property-based.
 *
 * 1. DYN_HEALTH_CHECK_PAYLOAD: valid objects, other JSON, garbage, JSON nested 100 000 deep, and
 *    `@file` values naming devices that never end, a FIFO without a writer, /proc files, directories,
 *    missing, huge and ordinary files. init() never throws and never hangs; an invalid value gives one
 *    warning naming the variable and the endpoint's own payload is sent; a valid one is sent exactly;
 *    strict mode throws ERR_DYNOTEL_CONFIG_INVALID naming the variable exactly when the value is invalid.
 * 2. The canary handler calls a real engine over HTTP on 127.0.0.1 that answers with hostile bodies:
 *    invalid JSON, an error frame, huge bodies, a slow drip, a stalled stream, a reset connection, a 500,
 *    an empty stream, no answer at all. Readiness follows the canary's documented rules (ready exactly
 *    when the last canary got a first item that is not an error), the system server keeps serving, and
 *    nothing piles up: connections to the engine are closed after every canary.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDynotelError } from '@dynotel/core';
import { parseExposition } from '@dynotel/metrics';
import { init, type Telemetry } from 'dynotel';
import { resetTelemetryForTests } from 'dynotel/testing';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expositionText } from './support/hostile.ts';
import { LineCapture } from './support/line-capture.ts';
import { rawRequest } from './support/raw-http.ts';
import { recordFigures } from './support/report.ts';
import { selfTotal } from './support/self-metrics.ts';
import { sized } from './support/settings.ts';

const PAYLOAD_RUNS = sized(40, 400);
const SEQUENCES = sized(4, 30);
const VARIABLE = 'DYN_HEALTH_CHECK_PAYLOAD';
const OWN_PAYLOAD = { own: 'payload of the endpoint' };

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown('test finished');
  resetTelemetryForTests();
  telemetry = undefined;
});

const dir = mkdtempSync(join(tmpdir(), 'dynotel-hostile-canary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Files an `@file` value may name, and what a correct reader makes of each (undefined: invalid). */
function payloadFiles(): Record<string, unknown> {
  const fifo = join(dir, 'payload.fifo');
  execFileSync('mkfifo', [fifo]);
  const valid = join(dir, 'valid.json');
  writeFileSync(valid, JSON.stringify({ prompt: 'hi \u2028 "there"', max_tokens: 1, nested: { a: [1, 2] } }));
  const bom = join(dir, 'bom.json');
  writeFileSync(bom, '\ufeff{"a":1}');
  const latin1 = join(dir, 'latin1.json');
  writeFileSync(latin1, Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])); // {"a":"\xff"}
  const array = join(dir, 'array.json');
  writeFileSync(array, '[1,2]');
  const big = join(dir, 'big.json');
  writeFileSync(big, JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
  const sub = join(dir, 'a-directory');
  mkdirSync(sub);
  return {
    [valid]: JSON.parse(readFileSync(valid, 'utf8')),
    [latin1]: { a: '\ufffd' },
    [bom]: undefined,
    [array]: undefined,
    [big]: undefined,
    [fifo]: undefined,
    [sub]: undefined,
    [join(dir, 'missing.json')]: undefined,
    '/dev/zero': undefined,
    '/dev/urandom': undefined,
    '/dev/null': undefined,
    '/proc/self/mem': undefined,
    '/proc/self/status': undefined,
    '': undefined,
  };
}

/** The deepest `{`/`[` nesting of a parsed value (iterative: the values tried are 100 000 deep). */
function depth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, level] = stack.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, level + 1);
    for (const child of Object.values(item)) stack.push([child, level + 1]);
  }
  return deepest;
}

/** What a correct reader makes of a DYN_HEALTH_CHECK_PAYLOAD value: the object, or undefined (invalid). */
function referencePayload(raw: string, files: Record<string, unknown>): unknown {
  // The environment reader trims values; an empty one is unset (the endpoint's own payload, no warning).
  const value = raw.trim();
  if (value.startsWith('@')) return files[value.slice(1).trim()];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return depth(parsed) > 100 ? undefined : parsed;
}

/** Runs `fn` with process.stderr captured (lines), restoring it after. */
function captureStderr<T>(fn: () => T): { result: T; lines: string[] } {
  const original = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    const result = fn();
    return { result, lines: text.split('\n').filter((line) => line !== '') };
  } finally {
    process.stderr.write = original;
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('hostile DYN_HEALTH_CHECK_PAYLOAD values through init()', () => {
  it(`${PAYLOAD_RUNS} payload settings: never a throw or a hang, a warning naming the variable, the right payload sent`, async () => {
    const files = payloadFiles();
    const warned = new Set<string>();
    const stats = { cases: 0, valid: 0, invalid: 0, fileValues: 0, strictThrows: 0, maxInitMs: 0 };
    const value = fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .dictionary(expositionText(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
          .map((o) => JSON.stringify(o)),
      },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 2, arbitrary: expositionText() },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 95, max: 100_000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
      },
      { weight: 1, arbitrary: fc.constant(`{"pad":"${'y'.repeat(100_000)}","n":1}`) },
      {
        weight: 3,
        arbitrary: fc
          .tuple(fc.constantFrom(...Object.keys(files)), fc.constantFrom('', ' ', '  '))
          .map(([path, pad]) => `@${pad}${path}`),
      },
    );
    await fc.assert(
      fc.asyncProperty(value, async (payloadValue) => {
        const expected = referencePayload(payloadValue, files);
        const unset = payloadValue.trim() === '';
        const logs = new LineCapture();
        const env = {
          DYN_LOGGING_JSONL: '1',
          DYN_SHUTDOWN_DRAIN_DELAY: '0',
          DYN_HEALTH_CHECK_ENABLED: 'true',
          DYN_CANARY_WAIT_TIME: '0.01',
          DYN_HEALTH_CHECK_REQUEST_TIMEOUT: '1',
          DYN_SYSTEM_PORT: '-1',
          [VARIABLE]: payloadValue,
        };
        const started = performance.now();
        // Configuration problems are reported before the logger exists: on stderr (diag's documented sink).
        const stderr = captureStderr(() => init({ env, handleSignals: false, logDestination: logs }));
        telemetry = stderr.result;
        stats.maxInitMs = Math.max(stats.maxInitMs, performance.now() - started);
        const received: unknown[] = [];
        telemetry.endpoint('generate', {
          canary: {
            handler: (payload) => {
              received.push(payload);
              return { token_ids: [1] };
            },
            payload: OWN_PAYLOAD,
          },
        });
        await waitFor('the first canary', () => (received.length > 0 ? true : undefined));
        expect(received[0]).toEqual(expected ?? OWN_PAYLOAD);
        await waitFor('readiness after a successful canary', () =>
          telemetry!.health.endpoint('generate')?.status === 'ready' ? true : undefined,
        );
        const warnings = [
          ...stderr.lines.filter((line) => line.includes(' WARN ') && line.includes(`${VARIABLE}=`)),
          ...logs
            .take()
            .filter((line) => line.level === 'WARN' && JSON.stringify(line).includes(VARIABLE))
            .map((line) => JSON.stringify(line)),
        ];
        if (unset) {
          expect(warnings).toEqual([]);
        } else if (expected === undefined) {
          // Warned once per distinct (trimmed) value (diag.once), naming the variable and the default used.
          if (!warned.has(payloadValue.trim())) expect(warnings).toHaveLength(1);
          else expect(warnings.length).toBeLessThanOrEqual(1);
          warned.add(payloadValue.trim());
          stats.invalid++;
        } else {
          expect(warnings).toEqual([]);
          stats.valid++;
        }
        if (payloadValue.startsWith('@')) stats.fileValues++;
        stats.cases++;
        await telemetry.shutdown('case done');
        resetTelemetryForTests();
        telemetry = undefined;
        // Strict mode (after the default-mode run, whose warning it would otherwise take: diag.once): a clear error naming the variable exactly when the value is invalid.
        let strictError: unknown;
        try {
          const strict = captureStderr(() =>
            init({ env, strict: true, handleSignals: false, logDestination: new LineCapture() }),
          ).result;
          await strict.shutdown('strict probe');
        } catch (error) {
          strictError = error;
        }
        resetTelemetryForTests();
        if (expected === undefined && !unset) {
          expect(isDynotelError(strictError) && strictError.code === 'ERR_DYNOTEL_CONFIG_INVALID').toBe(true);
          expect((strictError as Error).message).toContain(VARIABLE);
          stats.strictThrows++;
        } else {
          expect(strictError).toBeUndefined();
        }
      }),
      { numRuns: PAYLOAD_RUNS, endOnFailure: true },
    );
    recordFigures('hostile-canary-payloads', stats);
  });
});

type Behaviour =
  | 'ok'
  | 'ok-then-stall'
  | 'invalid-json'
  | 'error-frame'
  | 'huge-line'
  | 'huge-valid'
  | 'drip'
  | 'reset'
  | 'reset-mid-body'
  | 'status-500'
  | 'empty'
  | 'never';

/** The canary's documented rule: ready exactly when the first item arrives in time and is not an error. */
const READY_AFTER: Record<Behaviour, boolean> = {
  ok: true,
  'ok-then-stall': true,
  'huge-valid': true,
  'invalid-json': false,
  'error-frame': false,
  'huge-line': false,
  drip: false,
  reset: false,
  'reset-mid-body': false,
  'status-500': false,
  empty: false,
  never: false,
};

/** A fake engine: newline-delimited JSON frames, or one of the hostile answers. */
function startEngine(): Promise<{
  server: Server;
  url: string;
  sockets: Set<Socket>;
  describeSockets(): string[];
  set(b: Behaviour): void;
}> {
  let behaviour: Behaviour = 'ok';
  const sockets = new Set<Socket>();
  /** What each connection last answered, for the failure message; absent: it never carried a request. */
  const lastAnswer = new WeakMap<Socket, string>();
  const timers = new Set<NodeJS.Timeout>();
  const respond = (res: ServerResponse, b: Behaviour) => {
    const frames = () => res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    switch (b) {
      case 'ok':
        frames();
        res.end('{"token_ids":[1]}\n{"token_ids":[2]}\n');
        return;
      case 'ok-then-stall':
        frames();
        res.write('{"token_ids":[1]}\n'); // and nothing more, ever
        return;
      case 'invalid-json':
        frames();
        res.end('{"token_ids":[1\n');
        return;
      case 'error-frame':
        frames();
        res.end('{"error":"engine overloaded"}\n');
        return;
      case 'huge-line': {
        // 8 MiB without a line break, then garbage: a naive reader buffers it all.
        frames();
        const chunk = Buffer.alloc(64 * 1024, 0x78);
        for (let i = 0; i < 128; i++) res.write(chunk);
        res.end('\n');
        return;
      }
      case 'huge-valid':
        frames();
        res.end(`{"token_ids":[1],"text":"${'z'.repeat(512 * 1024)}"}\n`);
        return;
      case 'drip': {
        frames();
        const timer = setInterval(() => res.write(' '), 10);
        timers.add(timer);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'reset':
        res.socket?.destroy();
        return;
      case 'reset-mid-body':
        frames();
        res.write('{"token_ids":');
        setTimeout(() => res.socket?.destroy(), 5);
        return;
      case 'status-500':
        res.writeHead(500).end('{"error":"internal"}');
        return;
      case 'empty':
        frames();
        res.end();
        return;
      case 'never':
        return;
    }
  };
  const server = createServer((req, res) => {
    const b = behaviour;
    lastAnswer.set(req.socket, `${b} (unfinished)`);
    res.on('finish', () => lastAnswer.set(req.socket, b));
    req.resume();
    req.on('end', () => respond(res, b));
  });
  // Idle keep-alive connections are closed after 250 ms (Node's default is 5 s, undici's 4 s), so a
  // connection still open a few seconds after the run is one the canary abandoned mid-answer, not an
  // idle pooled one.
  server.keepAliveTimeout = 250;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('close', () => {
    for (const timer of timers) clearInterval(timer);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/generate`,
        sockets,
        describeSockets: () => [...sockets].map((socket) => lastAnswer.get(socket) ?? 'no request'),
        set: (b) => {
          behaviour = b;
        },
      }),
    ),
  );
}

/** A naive but ordinary canary handler: POST the payload, stream the answer, one JSON frame per line. */
function engineHandler(url: string) {
  return async function* generate(
    payload: Readonly<Record<string, unknown>>,
    { signal }: { signal: AbortSignal },
  ) {
    const response = await fetch(url, { method: 'POST', body: JSON.stringify(payload), signal });
    if (!response.ok || response.body === null) throw new Error(`engine answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      const text = decoder.decode(chunk as Uint8Array, { stream: true });
      buffer += text;
      if (!text.includes('\n')) continue;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        yield JSON.parse(line) as unknown;
        newline = buffer.indexOf('\n');
      }
    }
  };
}

describe('hostile engine answers to the canary', () => {
  it(`${SEQUENCES} sequences of engine behaviours: readiness follows the canary, the service keeps serving, nothing piles up`, async () => {
    const engine = await startEngine();
    const logs = new LineCapture();
    try {
      telemetry = init({
        env: {
          DYN_LOGGING_JSONL: '1',
          DYN_SHUTDOWN_DRAIN_DELAY: '0',
          DYN_HEALTH_CHECK_ENABLED: 'true',
          DYN_CANARY_WAIT_TIME: '0.02',
          DYN_HEALTH_CHECK_REQUEST_TIMEOUT: '0.15',
          DYN_SYSTEM_PORT: '0',
          DYN_SYSTEM_HOST: '127.0.0.1',
        },
        handleSignals: false,
        logDestination: logs,
      });
      const t = telemetry;
      const server = await t.systemServer;
      const base = server!.url.replace(/\/$/, '');
      let inFlight = 0;
      let maxInFlight = 0;
      const handler = engineHandler(engine.url);
      t.endpoint('generate', {
        canary: {
          handler: (payload, context) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            const stream = handler(payload, context);
            // Count the canary as in flight until its first item settles (what the canary waits for).
            const first = stream.next();
            void first.finally(() => inFlight--).catch(() => {});
            return {
              [Symbol.asyncIterator]: () => ({
                next: (() => {
                  let firstTaken = false;
                  return () => {
                    if (!firstTaken) {
                      firstTaken = true;
                      return first;
                    }
                    return stream.next();
                  };
                })(),
                return: () => stream.return(undefined),
              }),
            };
          },
        },
      });
      const canaries = () => selfTotal('dynotel_canary_total');
      const canariesAtStart = canaries();
      const stats = {
        sequences: 0,
        steps: 0,
        canaries: 0,
        byBehaviour: {} as Record<string, number>,
        maxInFlight: 0,
        maxEngineSockets: 0,
      };
      const behaviours = Object.keys(READY_AFTER) as Behaviour[];
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom(...behaviours), { minLength: 2, maxLength: 6 }),
          async (sequence) => {
            for (const behaviour of sequence) {
              engine.set(behaviour);
              // The canary in flight at the switch may have seen the old behaviour; the one after it cannot.
              const before = canaries();
              await waitFor(`two canaries after switching to ${behaviour}`, () =>
                canaries() >= before + 2 ? true : undefined,
              );
              const health = await rawRequest(`${base}/health`);
              const ready = READY_AFTER[behaviour];
              expect(health.status, `${behaviour}: ${health.body}`).toBe(ready ? 200 : 503);
              const body = JSON.parse(health.body) as { status: string; endpoints: Record<string, string> };
              expect(body.endpoints.generate).toBe(ready ? 'ready' : 'notready');
              expect((await rawRequest(`${base}/live`)).status).toBe(200);
              stats.byBehaviour[behaviour] = (stats.byBehaviour[behaviour] ?? 0) + 1;
              stats.steps++;
              stats.maxEngineSockets = Math.max(stats.maxEngineSockets, engine.sockets.size);
            }
            stats.sequences++;
          },
        ),
        { numRuns: SEQUENCES, endOnFailure: true },
      );
      // Nothing piled up: the canary never overlapped itself, and once the engine answers normally again
      // every connection of the hostile answers has been closed. Idle connections that carried an answer
      // close after the engine's 250 ms keep-alive; fetch may also have opened a connection for a
      // canary while another was busy and then never used it (the server sees no request on it), which
      // only fetch's own 4 s idle timeout closes: hence the 6 s bound.
      engine.set('ok');
      const before = canaries();
      await waitFor('canaries after the run', () => (canaries() >= before + 3 ? true : undefined));
      await waitFor(
        'engine connections closed',
        () => (engine.sockets.size <= 2 ? true : undefined),
        6000,
      ).catch((error: Error) => {
        throw new Error(
          `${error.message}: ${engine.sockets.size} open after ${JSON.stringify(stats.byBehaviour)}; last answers: ${JSON.stringify(engine.describeSockets())}`,
        );
      });
      expect(maxInFlight).toBe(1);
      const scrape = await rawRequest(`${base}/metrics`);
      expect(scrape.status).toBe(200);
      // The final 'ok' steps guarantee a success series; the body stays valid exposition text.
      expect(scrape.body).toContain('dynotel_canary_total{endpoint="generate",outcome="success"}');
      expect(parseExposition(scrape.body).ok).toBe(true);
      stats.canaries = canaries() - canariesAtStart;
      stats.maxInFlight = maxInFlight;
      recordFigures('hostile-canary-engine', stats);
    } finally {
      await new Promise<void>((resolve) => {
        engine.server.closeAllConnections();
        engine.server.close(() => resolve());
      });
    }
  });
});
