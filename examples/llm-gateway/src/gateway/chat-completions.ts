/**
 * POST /v1/chat/completions: Dynamo's frontend request path in miniature. Per request it holds one
 * `FrontendRequest` (requests_total, duration, inflight/active/queued), feeds the response tracker one
 * observation per token (TTFT, ITL, ISL, OSL), maps every failure to Dynamo's `error_type`, and counts a
 * client that hangs up as a disconnect. Streaming answers are SSE `chat.completion.chunk`s ending with
 * `data: [DONE]`; unary answers are one `chat.completion`.
 */
import { once } from 'node:events';
import { type Telemetry, withSpan } from 'dynotel';
import type { Request, Response } from 'express';
import { countTokens } from '../shared/tokens.ts';
import {
  type ChatRequest,
  CompletionIds,
  chunkEvent,
  completionBody,
  DONE_EVENT,
  errorBody,
  errorEvent,
  parseChatRequest,
  promptOf,
  type Usage,
  usageEvent,
} from './openai-format.ts';
import { callWorker } from './worker-client.ts';

type FrontendMetrics = ReturnType<Telemetry['frontend']>;

/** `SpanStatusCode.ERROR` of @opentelemetry/api (the example depends on dynotel only). */
const SPAN_STATUS_ERROR = 2;
type FrontendRequest = ReturnType<FrontendMetrics['startRequest']>;

export interface ChatCompletionsOptions {
  readonly telemetry: Telemetry;
  readonly workerUrl: string;
  /** The worker's instance id (decimal) once discovered: the `worker_id` of the per-worker gauges. */
  readonly workerId: () => string | undefined;
  /** Served model names, matched case-insensitively (metrics label them lower-cased, as Dynamo). */
  readonly models: readonly string[];
  /** The worker may stay silent this long (before or between tokens); then `error_type="response_timeout"`. */
  readonly responseTimeoutMs: number;
}

/** How one request ended, for the lifecycle log line (Dynamo's `request completed`). */
interface Outcome {
  status: 'success' | 'error';
  httpStatus: number;
  errorType?: string;
  detail?: string;
}

export function chatCompletions(
  options: ChatCompletionsOptions,
): (req: Request, res: Response) => Promise<void> {
  const { telemetry, workerUrl, responseTimeoutMs } = options;
  const frontend = telemetry.frontend();
  // Dynamo's pipeline timings (stage_*, tokenize, template, detokenize) and per-worker last values.
  const stages = telemetry.frontendStages();
  const workers = telemetry.frontendWorkers();
  const served = new Set(options.models.map((m) => m.toLowerCase()));
  const log = telemetry.logger.child({ target: 'frontend' });

  return async function handleChatCompletions(req, res) {
    const parsed = parseChatRequest(req.body);
    if ('error' in parsed && parsed.model === undefined) {
      // Without a model the request cannot be labelled: Dynamo rejects it before its metrics guard.
      res.status(400).json(errorBody(400, parsed.error));
      return;
    }
    const model = parsed.model as string;
    const stream = 'stream' in parsed && parsed.stream;
    const requestType = stream ? 'stream' : 'unary';
    const started = performance.now();
    const request = frontend.startRequest(model, 'chat_completions', requestType);
    log.info(
      { model: request.model, endpoint: 'chat_completions', request_type: requestType },
      'request received',
    );

    await withSpan(
      'chat_completions',
      async (span) => {
        let outcome: Outcome;
        try {
          outcome = await serve(parsed, request, res);
        } catch (error) {
          // A bug here must still end the request: metrics stay balanced and the client gets an answer.
          const detail = error instanceof Error ? error.message : String(error);
          request.markHttpError(500, detail);
          if (!res.headersSent) res.status(500).json(errorBody(500, 'internal error'));
          else if (!res.writableEnded) res.end(errorEvent(500, 'internal error'));
          outcome = { status: 'error', httpStatus: 500, errorType: 'internal', detail };
        } finally {
          request.end();
        }
        // Handled failures do not throw out of withSpan, so the span's status is set here: a server-side
        // failure (5xx, also a stream cut after its 200 went out) is an error, a client's fault (4xx,
        // a disconnect) is not, as the OTel HTTP conventions have it for server spans.
        if (outcome.status === 'error' && outcome.httpStatus >= 500) {
          span.setStatus({
            code: SPAN_STATUS_ERROR,
            message: outcome.detail ?? outcome.errorType ?? 'error',
          });
        }
        // Dynamo writes these onto the request span when its response collector drops.
        const summary = request.responseTracker().summary();
        span.setAttributes({
          model: request.model,
          input_tokens: summary.inputTokens,
          output_tokens: summary.outputTokens,
          ...(summary.ttftMs === undefined ? {} : { ttft_ms: summary.ttftMs.toFixed(2) }),
          ...(summary.avgItlMs === undefined ? {} : { avg_itl_ms: summary.avgItlMs.toFixed(2) }),
        });
        const fields = {
          model: request.model,
          endpoint: 'chat_completions',
          request_type: requestType,
          status: outcome.status,
          http_status: outcome.httpStatus,
          elapsed_ms: Math.round(performance.now() - started),
          input_tokens: summary.inputTokens,
          output_tokens: summary.outputTokens,
          ...(outcome.errorType === undefined ? {} : { error_type: outcome.errorType }),
          ...(outcome.detail === undefined ? {} : { error_detail: outcome.detail }),
        };
        if (outcome.status === 'success') log.info(fields, 'request completed');
        else log.error(fields, 'request completed');
      },
      { tracer: telemetry.tracer },
    );
  };

  async function serve(
    parsed: ChatRequest | { error: string },
    request: FrontendRequest,
    res: Response,
  ): Promise<Outcome> {
    const fail = (httpStatus: number, message: string, errorType?: 'overload'): Outcome => {
      if (errorType === 'overload') request.rejected();
      else request.markHttpError(httpStatus, message);
      if (!res.headersSent) res.status(httpStatus).json(errorBody(httpStatus, message));
      else if (!res.writableEnded) res.end(errorEvent(httpStatus, message));
      return { status: 'error', httpStatus, errorType: errorTypeOf(httpStatus, message), detail: message };
    };
    if ('error' in parsed) return fail(400, parsed.error);
    if (!served.has(request.model)) return fail(404, `Model not found: ${parsed.model}`);

    // Dynamo starts TTFT when it creates the response collector, after the engine lookup.
    const tracker = request.responseTracker();
    const abort = new AbortController();
    let clientGone = false;
    res.once('close', () => {
      if (res.writableFinished) return;
      clientGone = true;
      abort.abort(new Error('client disconnected'));
    });
    const disconnected = (): Outcome => {
      request.clientDisconnected();
      return { status: 'error', httpStatus: 499, errorType: 'cancelled', detail: 'client disconnected' };
    };
    // Dynamo's backend-stream inactivity timeout: re-armed by every frame from the worker.
    let timedOut = false;
    let watchdog: NodeJS.Timeout | undefined;
    const rearm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        timedOut = true;
        abort.abort(new Error('worker response timeout'));
      }, responseTimeoutMs);
    };
    const responseTimedOut = (): Outcome => {
      const message = `no response from the worker for ${responseTimeoutMs} ms`;
      request.markError('response_timeout');
      if (!res.headersSent) res.status(504).json(errorBody(504, message));
      else res.end(errorEvent(504, message));
      return { status: 'error', httpStatus: 504, errorType: 'response_timeout', detail: message };
    };
    rearm();
    try {
      return await relay(parsed);
    } finally {
      clearTimeout(watchdog);
    }

    async function relay(parsed: ChatRequest): Promise<Outcome> {
      // Dynamo's frontend applies the chat template and tokenizes before routing; so does this one.
      const preprocess = stages.startStage('preprocess', 'aggregated');
      const tokenizeStarted = performance.now();
      const prompt = stages.timeTemplate(() => promptOf(parsed.messages));
      stages.timeTokenize(() => countTokens(prompt));
      frontend.tokenizerLatencyMs('tokenize', performance.now() - tokenizeStarted);
      preprocess.end();
      // One worker here: routing is choosing it, dispatch is the call until its answer starts.
      const route = stages.startStage('route', 'aggregated');
      const workerId = options.workerId();
      route.end();
      const dispatch = stages.startStage('dispatch', 'aggregated');
      const sentAt = performance.now();
      let answer: Awaited<ReturnType<typeof callWorker>>;
      try {
        answer = await callWorker(
          workerUrl,
          { model: parsed.model, prompt, max_tokens: parsed.maxTokens },
          abort.signal,
        );
      } catch (error) {
        if (clientGone) return disconnected();
        if (timedOut) return responseTimedOut();
        return fail(503, `worker unreachable: ${networkReason(error)}`);
      } finally {
        dispatch.end();
      }
      let lastTokenAt: number | undefined;
      const perWorker = (token: { input_tokens: number }) => {
        const now = performance.now();
        if (workerId !== undefined) {
          workers.record(
            { workerId },
            lastTokenAt === undefined
              ? { timeToFirstTokenSeconds: (now - sentAt) / 1000, inputSequenceTokens: token.input_tokens }
              : { interTokenLatencySeconds: (now - lastTokenAt) / 1000 },
          );
        }
        lastTokenAt = now;
      };
      if (answer.kind === 'refused') {
        if (answer.status === 503 || answer.status === 429) return fail(503, answer.message, 'overload');
        return fail(Math.min(answer.status, 500), answer.message);
      }

      const ids = new CompletionIds();
      let text = '';
      let usage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
      let finishReason = 'stop';
      const write = async (event: string) => {
        if (!res.write(event)) await once(res, 'drain', { signal: abort.signal });
      };
      try {
        for await (const frame of answer.frames) {
          rearm();
          if ('error' in frame) {
            // Streaming: the 200 is already out, so fail() ends the stream with an SSE error event.
            return fail(500, frame.error);
          }
          if ('token' in frame) {
            tracker.observe({ inputTokens: frame.input_tokens, chunkTokens: 1 });
            perWorker(frame);
            // The worker sends text; detokenizing is reading it out of the frame (one token each).
            const tokenText = stages.timeDetokenize(1, () => frame.token);
            if (!parsed.stream) {
              text += tokenText;
              continue;
            }
            if (!res.headersSent) {
              res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
            }
            const delta =
              frame.index === 0 ? { role: 'assistant', content: tokenText } : { content: tokenText };
            await write(chunkEvent(ids, parsed.model, delta, null));
          } else {
            finishReason = frame.finish_reason;
            const completion = frame.output_tokens;
            usage = {
              prompt_tokens: frame.input_tokens,
              completion_tokens: completion,
              total_tokens: frame.input_tokens + completion,
            };
          }
        }
        if (clientGone) return disconnected();
        if (parsed.stream) {
          if (!res.headersSent)
            res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          await write(chunkEvent(ids, parsed.model, {}, finishReason));
          if (parsed.includeUsage) await write(usageEvent(ids, parsed.model, usage));
          res.end(DONE_EVENT);
        } else {
          res.json(completionBody(ids, parsed.model, text, finishReason, usage));
        }
      } catch (error) {
        if (clientGone) return disconnected();
        if (timedOut) return responseTimedOut();
        return fail(500, `worker stream failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      request.markOk();
      return { status: 'success', httpStatus: 200 };
    }
  }
}

/**
 * fetch rejects with a bare "fetch failed"; the reason (ECONNREFUSED for a dead worker, "other side
 * closed" for one that died mid-request) is on its `cause`, and is what a client or an operator needs.
 */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  // An errno (ECONNREFUSED, ECONNRESET) says it all; undici's own codes (UND_ERR_SOCKET) do not, their
  // message ("other side closed") does.
  if (typeof cause?.code === 'string' && !cause.code.startsWith('UND_ERR')) return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function errorTypeOf(status: number, message: string): string {
  if (status === 400) return message.startsWith('Validation:') ? 'validation' : 'internal';
  if (status === 404) return 'not_found';
  if (status === 429 || status === 503) return 'overload';
  return 'internal';
}
