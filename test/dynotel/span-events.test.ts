/**
 * DYN_LOGGING_SPAN_EVENTS as Dynamo implements it (reference §4.3): in JSONL mode every span writes a
 * `SPAN_FIRST_ENTRY` line when it starts and a `SPAN_CLOSED` line with integer `time.busy_us`,
 * `time.idle_us` and `time.duration_us` when it ends, both with the span's `span_name`, `span_id` and
 * `trace_id`; lines written inside a span carry `span_name` whether or not span events are on. A real
 * Express service on a real socket.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { init, type Telemetry, withSpan } from 'dynotel';
import { dynotel as expressMiddleware } from 'dynotel/express';
import { resetTelemetryForTests } from 'dynotel/testing';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { LogCapture } from './log-capture.ts';

let telemetry: Telemetry | undefined;
let server: Server | undefined;

afterEach(async () => {
  if (server !== undefined) await new Promise((resolve) => server?.close(resolve));
  await telemetry?.shutdown('test');
  resetTelemetryForTests();
  telemetry = undefined;
  server = undefined;
});

async function run(env: Record<string, string>) {
  const logs = new LogCapture();
  telemetry = init({
    env: { DYN_SHUTDOWN_DRAIN_DELAY: '0', ...env },
    handleSignals: false,
    logDestination: logs,
  });
  const t = telemetry;
  const app = express();
  app.use(expressMiddleware(t));
  app.get('/v1/work', async (_req, res) => {
    t.logger.info('in the request span');
    await withSpan(
      'tokenize',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        t.logger.info('in a child span');
      },
      { tracer: t.tracer },
    );
    res.json({ ok: true });
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/work`);
  expect(response.status).toBe(200);
  await response.text();
  // The access line and SPAN_CLOSED are written when the response closes.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return logs.records();
}

describe('DYN_LOGGING_SPAN_EVENTS', () => {
  it('writes SPAN_FIRST_ENTRY and SPAN_CLOSED for every span, with Dynamo’s keys', async () => {
    const lines = await run({ DYN_LOGGING_JSONL: '1', DYN_LOGGING_SPAN_EVENTS: '1' });
    const events = lines.filter((l) => l.message === 'SPAN_FIRST_ENTRY' || l.message === 'SPAN_CLOSED');
    const byName = (name: string, message: string) =>
      events.find((l) => l.span_name === name && l.message === message);
    for (const name of ['http-request', 'tokenize']) {
      const entry = byName(name, 'SPAN_FIRST_ENTRY');
      const closed = byName(name, 'SPAN_CLOSED');
      expect(entry, `${name} entry`).toBeDefined();
      expect(closed, `${name} close`).toBeDefined();
      expect(entry).toMatchObject({ level: 'INFO', span_id: closed?.span_id, trace_id: closed?.trace_id });
      expect(entry?.span_id).toMatch(/^[0-9a-f]{16}$/);
      for (const key of ['time.busy_us', 'time.idle_us', 'time.duration_us'])
        expect(Number.isInteger(closed?.[key]), key).toBe(true);
      expect(closed?.['time.duration_us']).toBe(
        (closed?.['time.busy_us'] as number) + (closed?.['time.idle_us'] as number),
      );
      expect(closed).not.toHaveProperty('time.busy');
    }
    // The child span slept 5 ms: its duration says so, and it lies within the request's.
    const child = byName('tokenize', 'SPAN_CLOSED');
    const parent = byName('http-request', 'SPAN_CLOSED');
    expect(child?.['time.duration_us']).toBeGreaterThanOrEqual(4000);
    expect(parent?.['time.duration_us']).toBeGreaterThanOrEqual(child?.['time.duration_us'] as number);
    expect(child?.trace_id).toBe(parent?.trace_id);
    // Order: entries before closes; the child closes before its parent.
    const order = events.map((l) => `${l.message}:${l.span_name}`);
    expect(order.indexOf('SPAN_FIRST_ENTRY:http-request')).toBeLessThan(
      order.indexOf('SPAN_FIRST_ENTRY:tokenize'),
    );
    expect(order.indexOf('SPAN_CLOSED:tokenize')).toBeLessThan(order.indexOf('SPAN_CLOSED:http-request'));
  });

  it('lines inside a span carry its span_name; no span lines without the variable', async () => {
    const lines = await run({ DYN_LOGGING_JSONL: '1' });
    expect(lines.some((l) => l.message === 'SPAN_FIRST_ENTRY' || l.message === 'SPAN_CLOSED')).toBe(false);
    expect(lines.find((l) => l.message === 'in the request span')).toMatchObject({
      span_name: 'http-request',
    });
    expect(lines.find((l) => l.message === 'in a child span')).toMatchObject({ span_name: 'tokenize' });
    expect(lines.find((l) => l.message === 'dynotel initialised')).not.toHaveProperty('span_name');
  });
});
