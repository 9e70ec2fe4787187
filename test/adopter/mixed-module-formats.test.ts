/**
 * The register hook and the app in different module formats, as when `NODE_OPTIONS` carries the hook for
 * every service of an image: `--require dynotel/register` before an ESM app, `--import dynotel/register`
 * before a CommonJS app. npm installs one copy of each package, but Node loads its CommonJS and its ESM
 * build as two module instances; the handle, the request's context and the trace must still be one:
 * in the handler `getRequestContext()`, `currentTraceIds()`, `withSpan()` and `injectTraceHeaders()`
 * (imported from the app's format) see the request that the hook's instance started.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';

const HANDLER = `
createServer((req, res) => {
  const context = getRequestContext();
  const ids = currentTraceIds();
  const inner = withSpan('inner', () => currentTraceIds());
  const headers = injectTraceHeaders({});
  currentTelemetry().logger.info('handler ran');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({
    xRequestId: context?.xRequestId,
    traceId: ids?.traceId,
    spanId: ids?.spanId,
    innerTraceId: inner?.traceId,
    innerSpanId: inner?.spanId,
    headers,
  }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const NAMES = 'currentTelemetry, currentTraceIds, getRequestContext, injectTraceHeaders, withSpan';

const variants = [
  {
    name: 'ESM app under --require dynotel/register',
    extension: 'mjs',
    args: ['--require', 'dynotel/register'],
    source: `import { createServer } from 'node:http';\nimport { ${NAMES} } from 'dynotel';\n${HANDLER}`,
  },
  {
    name: 'CommonJS app under --import dynotel/register',
    extension: 'cjs',
    args: ['--import', 'dynotel/register'],
    source: `const { createServer } = require('node:http');\nconst { ${NAMES} } = require('dynotel');\n${HANDLER}`,
  },
] as const;

describe.each(adopterNodes())('register and app in different module formats on $name', (node) => {
  let app: AdopterApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it.each(variants)(
    '$name: one handle, one request context, one trace',
    async ({ extension, args, source }) => {
      app = await startAdopterApp({ extension, source, node, args });
      expect((await fetch(`${app.systemUrl}/health`)).status).toBe(200);
      const traceId = `${'a'.repeat(31)}1`;
      const response = await fetch(`${app.url}/mixed`, {
        headers: { 'x-request-id': 'mixed-1', traceparent: `00-${traceId}-${'b'.repeat(15)}1-01` },
      });
      expect(response.headers.get('x-request-id')).toBe('mixed-1');
      const seen = (await response.json()) as Record<string, unknown>;
      expect(seen.xRequestId).toBe('mixed-1');
      expect(seen.traceId).toBe(traceId);
      expect(seen.innerTraceId).toBe(traceId);
      expect(seen.innerSpanId).not.toBe(seen.spanId);
      expect(seen.headers).toMatchObject({
        traceparent: `00-${traceId}-${String(seen.spanId)}-01`,
        'x-request-id': 'mixed-1',
      });
      const access = await app.waitForLog(
        (line) => line.message === 'http response sent' && line.x_request_id === 'mixed-1',
        'the access line',
      );
      const handler = await app.waitForLog((line) => line.message === 'handler ran', "the handler's line");
      expect(access.span_id).toBe(seen.spanId);
      for (const id of ['trace_id', 'span_id', 'request_id', 'x_request_id']) {
        expect(handler[id], id).toBe(access[id]);
      }
      expect(app.logs.filter((line) => line.message === 'dynotel initialised')).toHaveLength(1);
      expect(app.stderr).toEqual([]);
      expect(await app.stop()).toBe(0);
    },
  );
});
