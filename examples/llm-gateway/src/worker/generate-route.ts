/**
 * The worker's `generate` handler: validates the request, refuses it when full (503), then runs it
 * through the dynotel endpoint (Dynamo's work-handler metrics and canary idle timer) inside a
 * `handle_payload` span, streaming one NDJSON frame per token.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServedEndpoint } from 'dynotel';
import { getRequestContext, type Telemetry, withSpan } from 'dynotel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FAULT_KEYWORDS, type WorkerFrame, type WorkerRequest } from '../shared/protocol.ts';
import { countTokens, type GeneratorTiming, generateTokens } from './token-generator.ts';

export interface GenerateRouteOptions {
  readonly telemetry: Telemetry;
  readonly endpoint: ServedEndpoint;
  readonly timing: GeneratorTiming;
  /** Requests generated at once; more are refused with 503 (Dynamo's ResourceExhausted). */
  readonly maxConcurrency: number;
  readonly log: Telemetry['logger'];
}

/** How long a `[worker-stall]` request hangs after its first token (until the caller gives up). */
const STALL_MS = 60_000;

type Route = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export function createGenerateRoute(options: GenerateRouteOptions): Route {
  const { telemetry, endpoint, timing, maxConcurrency, log } = options;
  const { namespace, component, instanceId } = telemetry.config.identity;
  let active = 0;

  return async function generateRoute(request, reply) {
    const body = parseRequest(request.body);
    if (typeof body === 'string') return reply.code(400).send({ error: body });
    if (active >= maxConcurrency || body.prompt.includes(FAULT_KEYWORDS.workerOverload)) {
      log.warn({ active, max_concurrency: maxConcurrency }, 'request rejected: worker at capacity');
      return reply.code(503).send({ error: 'ResourceExhausted: worker at capacity' });
    }

    const promptTokens = countTokens(body.prompt);
    const abort = new AbortController();
    // The gateway hung up (its client disconnected): stop generating.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort(new Error('client disconnected'));
    });
    const out = new PassThrough();
    const streaming = deferred();
    const requestBytes = Number(request.headers['content-length'] ?? 0) || 0;
    active++;

    const work = endpoint.handle(requestBytes, (handler) =>
      withSpan(
        'handle_payload',
        async (span) => {
          const ids = getRequestContext();
          if (ids?.xRequestId !== undefined) span.setAttribute('x_request_id', ids.xRequestId);
          if (ids !== undefined) span.setAttribute('request_id', ids.requestId);
          log.info(
            { input_tokens: promptTokens, max_tokens: body.max_tokens, model: body.model },
            'request received',
          );
          if (body.prompt.includes(FAULT_KEYWORDS.workerError))
            throw new Error('engine error: injected failure');
          const send = async (frame: WorkerFrame) => {
            const line = `${JSON.stringify(frame)}\n`;
            handler.responseBytes(Buffer.byteLength(line));
            if (!out.write(line)) await once(out, 'drain', { signal: abort.signal });
          };
          let outputTokens = 0;
          try {
            const tokens = generateTokens(timing, {
              promptTokens,
              maxTokens: body.max_tokens,
              signal: abort.signal,
            });
            const stall = body.prompt.includes(FAULT_KEYWORDS.workerStall);
            const failAfter = body.prompt.includes(FAULT_KEYWORDS.workerErrorMidStream)
              ? 2
              : Number.POSITIVE_INFINITY;
            for await (const token of tokens) {
              if (outputTokens === failAfter) throw new Error('engine error: injected failure mid-stream');
              if (outputTokens === 1 && stall) await sleep(STALL_MS, undefined, { signal: abort.signal });
              if (outputTokens === 0) streaming.resolve();
              outputTokens++;
              await send({ token: token.text, index: token.index, input_tokens: promptTokens });
            }
            await send({ finish_reason: 'length', input_tokens: promptTokens, output_tokens: outputTokens });
            out.end();
            streaming.resolve();
          } catch (error) {
            if (!abort.signal.aborted) throw error;
            // Not an engine failure: the requester went away. Dynamo counts it as a cancellation.
            handler.cancelled();
            out.destroy();
            span.setAttribute('cancelled', true);
            log.warn({ output_tokens: outputTokens }, 'request cancelled by the client');
            return;
          }
          span.setAttributes({ input_tokens: promptTokens, output_tokens: outputTokens });
          log.info({ input_tokens: promptTokens, output_tokens: outputTokens }, 'request completed');
        },
        {
          tracer: telemetry.tracer,
          attributes: {
            namespace: namespace ?? 'dynamo',
            component: component ?? 'backend',
            endpoint: endpoint.name,
            ...(instanceId === undefined ? {} : { instance_id: instanceId }),
          },
        },
      ),
    );
    work.then(
      () => active--,
      (error: unknown) => {
        active--;
        const message = error instanceof Error ? error.message : String(error);
        log.error({ error: message }, 'request failed');
        streaming.reject(error);
        // After the first token the status is already 200: report the failure in the stream.
        if (!out.writableEnded) out.end(`${JSON.stringify({ error: message } satisfies WorkerFrame)}\n`);
      },
    );

    try {
      await streaming.promise;
    } catch (error) {
      return reply.code(500).send({ error: error instanceof Error ? error.message : String(error) });
    }
    return reply.header('content-type', 'application/x-ndjson').send(out);
  };
}

function parseRequest(body: unknown): WorkerRequest | string {
  if (typeof body !== 'object' || body === null) return 'the body must be a JSON object';
  const { model, prompt, max_tokens } = body as Record<string, unknown>;
  if (typeof model !== 'string' || model === '') return 'model must be a non-empty string';
  if (typeof prompt !== 'string') return 'prompt must be a string';
  if (
    typeof max_tokens !== 'number' ||
    !Number.isInteger(max_tokens) ||
    max_tokens < 1 ||
    max_tokens > 4096
  ) {
    return 'max_tokens must be an integer from 1 to 4096';
  }
  return { model, prompt, max_tokens };
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A rejection nobody awaits any more (the stream already started) must not crash the process.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
