/**
 * The app's own `process.exit(0)` right after ending 200 spans (packages/dynotel/README.md, "Your own
 * process.exit()"): the spans still waiting for their batch (schedule delay 5 s, the default) are sent
 * at exit, and all 200 reach a real OTLP gRPC receiver. The spans are ended on a real signal (SIGUSR2),
 * outside any request; ESM under `--import` and CommonJS under `--require`, whose exit paths load
 * different builds. With the collector down the exit still happens, and the lost spans are named on the
 * last line.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';

const SPANS = 200;

const BODY = `
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGUSR2', () => {
  for (let i = 0; i < ${SPANS}; i++) withSpan('exit-work-' + i, () => i);
  process.exit(0);
});
`;

const variants = [
  {
    name: 'ESM, --import',
    extension: 'mjs',
    args: ['--import', 'dynotel/register'],
    source: `import { createServer } from 'node:http';\nimport { withSpan } from 'dynotel';\n${BODY}`,
  },
  {
    name: 'CommonJS, --require',
    extension: 'cjs',
    args: ['--require', 'dynotel/register'],
    source: `const { createServer } = require('node:http');\nconst { withSpan } = require('dynotel');\n${BODY}`,
  },
] as const;

describe.each(adopterNodes())("the app's own process.exit() on $name", (node) => {
  let receiver: OtlpReceiver;
  let app: AdopterApp | undefined;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await receiver.close();
  });

  it.each(variants)(
    '$name: all 200 spans ended just before it are delivered',
    async ({ extension, args, source }) => {
      app = await startAdopterApp({
        extension,
        source,
        node,
        args,
        env: {
          OTEL_EXPORT_ENABLED: 'true',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.grpcEndpoint,
          OTEL_LOGS_EXPORTER: 'none',
        },
      });
      expect((await fetch(`${app.systemUrl}/health`)).status).toBe(200);
      app.child.kill('SIGUSR2');
      const exit = await app.waitForExit(10_000, 'after its own process.exit(0)');
      expect(exit).toEqual({ code: 0, signal: null });
      const spans = receiver.spans().filter((span) => span.name.startsWith('exit-work-'));
      expect(new Set(spans.map((span) => span.name)).size).toBe(SPANS);
      expect(spans).toHaveLength(SPANS);
      expect(app.logs.filter((line) => line.lostSpans !== undefined)).toEqual([]);
      expect(app.logs.find((line) => line.deliveredSpans !== undefined)).toMatchObject({
        level: 'INFO',
        deliveredSpans: SPANS,
      });
      expect(app.stderr).toEqual([]);
    },
  );

  it.each(variants)(
    '$name: with the collector down the exit is not held up, and the lost spans are named',
    async ({ extension, args, source }) => {
      await receiver.goDown();
      app = await startAdopterApp({
        extension,
        source,
        node,
        args,
        env: {
          OTEL_EXPORT_ENABLED: 'true',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.grpcEndpoint,
          OTEL_LOGS_EXPORTER: 'none',
        },
      });
      app.child.kill('SIGUSR2');
      const exit = await app.waitForExit(10_000, 'after its own process.exit(0), collector down');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(app.logs.find((line) => line.lostSpans !== undefined)).toMatchObject({
        level: 'WARN',
        lostSpans: SPANS,
        selfMetric: 'dynotel_spans_dropped_total{reason="exit"}',
      });
      expect(app.stderr).toEqual([]);
    },
  );
});
