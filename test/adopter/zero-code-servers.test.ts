/**
 * Zero-code incoming HTTP (docs/zero-code.md) from a stranger's install: unmodified Express 5, Fastify 5
 * and node:http apps (ESM, CommonJS, one TypeScript), started with only `--import dynotel/register` or
 * `--require dynotel/register` and the default configuration. The apps contain no dynotel code except
 * the one logger call of their handler. Checked: the system port's /health is 200 before any request,
 * the request id is echoed (an inbound one kept, a missing one generated), the handler's line and the
 * access line carry the same ids, and the system port's /metrics counts the request under its route
 * template (`unmatched` for plain node:http).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';

interface ZeroCodeApp {
  readonly name: string;
  readonly extension: 'mjs' | 'cjs' | 'ts';
  readonly source: string;
  /** The `http_route` label the request must be counted under. */
  readonly route: string;
}

const IMPORT = ['--import', 'dynotel/register'];
const REQUIRE = ['--require', 'dynotel/register'];

const apps: ZeroCodeApp[] = [
  {
    name: 'Express 5, ESM',
    extension: 'mjs',
    route: '/v1/items/:id',
    source: `
import express from 'express';
import { currentTelemetry } from 'dynotel';

const app = express();
app.get('/v1/items/:id', (req, res) => {
  currentTelemetry().logger.info({ item: req.params.id }, 'handler ran');
  res.json({ id: req.params.id });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
`,
  },
  {
    name: 'Express 5, CommonJS',
    extension: 'cjs',
    route: '/v1/items/:id',
    source: `
const express = require('express');
const { currentTelemetry } = require('dynotel');

const app = express();
const items = express.Router();
items.get('/:id', (req, res) => {
  currentTelemetry().logger.info({ item: req.params.id }, 'handler ran');
  res.json({ id: req.params.id });
});
app.use('/v1/items', items);
app.listen(Number(process.env.PORT), '127.0.0.1');
`,
  },
  {
    name: 'Fastify 5, CommonJS',
    extension: 'cjs',
    route: '/v1/items/:id',
    source: `
const Fastify = require('fastify');
const { currentTelemetry } = require('dynotel');

const app = Fastify();
app.get('/v1/items/:id', async (request) => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  currentTelemetry().logger.info({ item: request.params.id }, 'handler ran');
  return { id: request.params.id };
});
app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`,
  },
  {
    name: 'Fastify 5, TypeScript',
    extension: 'ts',
    route: '/v1/items/:id',
    source: `
import Fastify, { type FastifyRequest } from 'fastify';
import { currentTelemetry } from 'dynotel';

const app = Fastify();
app.get('/v1/items/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
  currentTelemetry()!.logger.info({ item: request.params.id }, 'handler ran');
  return { id: request.params.id };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`,
  },
  {
    name: 'node:http, ESM',
    extension: 'mjs',
    route: 'unmatched',
    source: `
import { createServer } from 'node:http';
import { currentTelemetry } from 'dynotel';

createServer((req, res) => {
  setImmediate(() => {
    currentTelemetry().logger.info({ item: req.url }, 'handler ran');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ url: req.url }));
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`,
  },
  {
    name: 'node:http, CommonJS',
    extension: 'cjs',
    route: 'unmatched',
    source: `
const { createServer } = require('node:http');
const { currentTelemetry } = require('dynotel');

createServer((req, res) => {
  currentTelemetry().logger.info({ item: req.url }, 'handler ran');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ url: req.url }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`,
  },
];

/** The `http_server_request_duration_seconds_count` sample of one route and status, or undefined. */
function durationCount(metrics: string, route: string, status: string): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('http_server_request_duration_seconds_count{')) continue;
    if (!line.includes(`http_route="${route}"`)) continue;
    if (!line.includes(`http_response_status_code="${status}"`)) continue;
    if (!line.includes('http_request_method="GET"')) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe.each(adopterNodes())('zero-code servers on $name', (node) => {
  let app: AdopterApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it.each(apps)('$name under dynotel/register alone', async ({ extension, source, route }) => {
    app = await startAdopterApp({ extension, source, node, args: extension === 'cjs' ? REQUIRE : IMPORT });
    const running = app;

    // Ready once the server listens, before any request reached it.
    const health = await fetch(`${running.systemUrl}/health`);
    expect(health.status).toBe(200);
    expect(running.logs.filter((line) => line.message === 'http response sent')).toEqual([]);

    const kept = await fetch(`${running.url}/v1/items/42`, { headers: { 'x-request-id': 'zero-code-1' } });
    expect(kept.status).toBe(200);
    expect(kept.headers.get('x-request-id')).toBe('zero-code-1');
    await kept.text();
    const generated = await fetch(`${running.url}/v1/items/43`);
    expect(generated.status).toBe(200);
    expect(generated.headers.get('x-request-id')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    await generated.text();

    const access = await running.waitForLog(
      (line) => line.message === 'http response sent' && line.x_request_id === 'zero-code-1',
      'the access line of /v1/items/42',
    );
    const handler = await running.waitForLog(
      (line) => line.message === 'handler ran' && line.x_request_id === 'zero-code-1',
      "the handler's line with the request's id",
    );
    expect(access).toMatchObject({ level: 'INFO', status: 200 });
    expect(access.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(access.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(access.request_id).toEqual(expect.any(String));
    for (const id of ['trace_id', 'span_id', 'request_id', 'x_request_id']) {
      expect(handler[id], id).toBe(access[id]);
    }
    // The second request's lines carry its generated id, not the first one's.
    const second = await running.waitForLog(
      (line) => line.message === 'handler ran' && String(line.item).endsWith('43'),
      "the second handler's line",
    );
    expect(second.x_request_id).toBe(generated.headers.get('x-request-id'));
    expect(second.trace_id).not.toBe(access.trace_id);

    const metrics = await (await fetch(`${running.systemUrl}/metrics`)).text();
    expect(durationCount(metrics, route, '200'), metrics).toBe(2);
    expect(running.stderr).toEqual([]);
    expect(await running.stop()).toBe(0);
  });
});
