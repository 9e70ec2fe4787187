import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag, getRequestContext, isUuid, runWithRequestContext, selfMetrics } from '@dynotel/core';
import { randomRequestUuid } from '@dynotel/core/internal';
import { apiStatusOf, operatorErrorType } from '@dynotel/metrics';
import { withSpan } from '@dynotel/tracing';
import { type Span, SpanStatusCode } from '@opentelemetry/api';
import type { Telemetry } from '../telemetry.ts';
import {
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionStatus,
  admissionReviewResponse,
  parseAdmissionReview,
} from './admission-review.ts';
import { type OperatorDeps, operatorDeps } from './operator-deps.ts';
import { requireFunction, requirePositiveInteger, requireResourceType } from './options.ts';
import { readBody } from './read-body.ts';

/** What a validator decides. A denial's `message` is what `kubectl` shows the user. */
export type AdmissionDecision =
  | { readonly allowed: true; readonly warnings?: readonly string[] }
  | {
      readonly allowed: false;
      readonly message: string;
      /**
       * The `reason` label of `dynamo_operator_webhook_denials_total`: a snake_case word
       * (`immutable_field_changed`). Default `validation`.
       */
      readonly reason?: string;
      /** The HTTP code in the response status. Default 403, as controller-runtime's `Denied`. */
      readonly code?: number;
      readonly warnings?: readonly string[];
    };

/**
 * Decides on one admission request. Throwing denies it too, as an error from a controller-runtime
 * validator does: the error's Kubernetes API status (if any) gives the response code and the denial
 * reason (`not_found`, `conflict`, …), anything else is reason `internal` with code 403.
 */
export type AdmissionValidator = (
  request: AdmissionRequest,
) => AdmissionDecision | Promise<AdmissionDecision>;

export interface AdmissionWebhookOptions {
  readonly validate: AdmissionValidator;
  /** The `resource_type` label. Default: the request's `kind.kind` (`DynamoGraphDeployment`). */
  readonly resourceType?: string;
  /** Default: the handle `init()` returns. */
  readonly telemetry?: Telemetry;
  /** Larger bodies are answered 413. Default {@link DEFAULT_ADMISSION_BODY_LIMIT}. */
  readonly maxBodyBytes?: number;
}

/**
 * 3 MiB: an UPDATE review carries the object twice, and etcd keeps objects of up to 1.5 MiB
 * (`--max-request-bytes`), so this admits every review the API server can send.
 */
export const DEFAULT_ADMISSION_BODY_LIMIT = 3 * 1024 * 1024;

/** Why a request never reached the validator: the `reason` label of the self-metric below. */
export const ADMISSION_REJECT_REASONS = [
  'malformed',
  'too_large',
  'unsupported_media_type',
  'method_not_allowed',
] as const;
export type AdmissionRejectReason = (typeof ADMISSION_REJECT_REASONS)[number];

const rejectedReviews = selfMetrics.counter(
  'dynotel_admission_reviews_rejected_total',
  'Requests to an admission webhook answered with an HTTP error before any validation (malformed AdmissionReview, body too large, wrong content type or method).',
  { initial: ADMISSION_REJECT_REASONS.map((reason) => ({ reason })) },
);

/** An HTTP answer, framework-neutral. */
export interface AdmissionHttpAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const REASON_WORD = /^[a-z][a-z0-9_]{0,62}$/;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function json(statusCode: number, value: unknown, extra: Record<string, string> = {}): AdmissionHttpAnswer {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...extra },
    body: JSON.stringify(value),
  };
}

/**
 * A validating admission webhook: parses and checks the `AdmissionReview`, runs the validator in an
 * `admission-review` span, records Dynamo's `dynamo_operator_webhook_*` metrics and one log line, and
 * answers a well-formed `AdmissionReview` with the request's uid. Requests that never reach the
 * validator get an HTTP error naming the problem (400 malformed, 413 too large, 415, 405) and are
 * counted in `dynotel_admission_reviews_rejected_total{reason}`. Use it through the Express, Fastify or
 * node:http adapters.
 */
export class AdmissionWebhook {
  readonly maxBodyBytes: number;
  readonly #options: AdmissionWebhookOptions;
  readonly #deps: OperatorDeps;

  constructor(options: AdmissionWebhookOptions) {
    const helper = 'admission webhook';
    requireFunction(helper, 'validate', options?.validate);
    if (options.resourceType !== undefined) requireResourceType(helper, options.resourceType);
    this.maxBodyBytes = requirePositiveInteger(
      helper,
      'maxBodyBytes',
      options.maxBodyBytes ?? DEFAULT_ADMISSION_BODY_LIMIT,
    );
    this.#options = options;
    this.#deps = operatorDeps(options.telemetry);
  }

  /** Reads and answers a node:http request (method, content type, body size, JSON, review). */
  async answerRequest(req: IncomingMessage): Promise<AdmissionHttpAnswer> {
    if (req.method !== 'POST') {
      req.resume();
      return this.reject(
        405,
        'method_not_allowed',
        `admission reviews are POSTed, got ${req.method ?? '?'}`,
        {
          allow: 'POST',
        },
      );
    }
    const contentType = req.headers['content-type'];
    if (contentType === undefined || !JSON_TYPE.test(contentType)) {
      req.resume();
      return this.reject(
        415,
        'unsupported_media_type',
        `content-type must be application/json, got ${contentType === undefined ? 'none' : `"${contentType}"`}`,
      );
    }
    const declared = Number(req.headers['content-length']);
    const read = await readBody(req, this.maxBodyBytes, Number.isFinite(declared) ? declared : undefined);
    if (read.kind === 'too_large')
      return this.reject(
        413,
        'too_large',
        `the body has ${read.received} bytes, more than the webhook's limit of ${this.maxBodyBytes}`,
      );
    if (read.kind === 'aborted')
      return this.reject(400, 'malformed', 'the request body was not received whole');
    return this.answerBody(read.body);
  }

  /** Answers a raw body (JSON text). */
  answerBody(body: Buffer | string): Promise<AdmissionHttpAnswer> {
    const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    if (size > this.maxBodyBytes)
      return Promise.resolve(
        this.reject(
          413,
          'too_large',
          `the body has ${size} bytes, more than the webhook's limit of ${this.maxBodyBytes}`,
        ),
      );
    let value: unknown;
    try {
      value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch (error) {
      return Promise.resolve(
        this.reject(400, 'malformed', `the body is not valid JSON: ${(error as Error).message}`),
      );
    }
    return this.answerReview(value);
  }

  /** Answers a decoded review (a framework already parsed the JSON). */
  async answerReview(value: unknown): Promise<AdmissionHttpAnswer> {
    const parsed = parseAdmissionReview(value);
    if (!parsed.ok) return this.reject(400, 'malformed', parsed.error);
    const request = parsed.review.request;
    const run = () => this.#decide(request);
    const response =
      getRequestContext() === undefined
        ? await runWithRequestContext(
            { requestId: isUuid(request.uid) ? request.uid : randomRequestUuid() },
            run,
          )
        : await run();
    return json(200, admissionReviewResponse(response));
  }

  /** Counts and logs a request answered with an HTTP error, and builds that answer. */
  reject(
    statusCode: number,
    reason: AdmissionRejectReason,
    message: string,
    headers: Record<string, string> = {},
  ): AdmissionHttpAnswer {
    rejectedReviews.inc({ reason });
    this.#deps.logger.warn({ status: statusCode, reason, error: message }, 'admission review rejected');
    return json(statusCode, { error: message, reason }, headers);
  }

  #decide(request: AdmissionRequest): Promise<AdmissionResponse> {
    const resourceType = this.#options.resourceType ?? request.kind.kind;
    const attributes = {
      resource_type: resourceType,
      'admission.operation': request.operation,
      'admission.uid': request.uid,
      'k8s.namespace.name': request.namespace ?? '',
      'k8s.object.name': request.name ?? '',
    };
    return withSpan(
      'admission-review',
      async (span) => {
        const startedAt = performance.now();
        const outcome = await this.#validate(request, span);
        const durationSeconds = (performance.now() - startedAt) / 1000;
        const { response, reason, error } = outcome;
        this.#deps.metrics.recordAdmission({
          resourceType,
          operation: request.operation,
          durationSeconds,
          allowed: response.allowed,
          reason,
        });
        span.setAttribute('admission.allowed', response.allowed);
        const fields: Record<string, unknown> = {
          resource_type: resourceType,
          operation: request.operation,
          namespace: request.namespace ?? '',
          name: request.name ?? '',
          uid: request.uid,
          allowed: response.allowed,
          duration_ms: Math.round(durationSeconds * 1e6) / 1e3,
        };
        if (!response.allowed) {
          span.setAttribute('admission.reason', reason!);
          fields.reason = reason;
          fields.message = response.status?.message;
        }
        if (error !== undefined) {
          fields.error = error instanceof Error ? error.message : String(error);
          this.#deps.logger.error(fields, 'admission review answered');
        } else this.#deps.logger.info(fields, 'admission review answered');
        return response;
      },
      { tracer: this.#deps.tracer, attributes },
    );
  }

  async #validate(
    request: AdmissionRequest,
    span: Span,
  ): Promise<{ response: AdmissionResponse; reason?: string; error?: unknown }> {
    const uid = request.uid;
    let decision: AdmissionDecision;
    try {
      decision = await this.#options.validate(request);
    } catch (error) {
      const reason = operatorErrorType(error);
      const apiStatus = apiStatusOf(error);
      const status: AdmissionStatus = {
        code: apiStatus !== undefined && apiStatus.code !== 0 ? apiStatus.code : 403,
        message: error instanceof Error ? error.message : String(error),
        reason: apiStatus !== undefined && apiStatus.reason !== '' ? apiStatus.reason : 'Forbidden',
      };
      if (reason === 'internal') {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: status.message });
      }
      return {
        response: { uid, allowed: false, status },
        reason,
        error: reason === 'internal' ? error : undefined,
      };
    }
    const warnings = decision?.warnings?.length ? { warnings: [...decision.warnings] } : {};
    if (decision?.allowed === true) return { response: { uid, allowed: true, ...warnings } };
    if (decision?.allowed !== false) {
      const error = new TypeError(
        `the admission validator must return { allowed: true } or { allowed: false, message }, got ${JSON.stringify(decision)}`,
      );
      return {
        response: { uid, allowed: false, status: { code: 500, message: error.message } },
        reason: 'internal',
        error,
      };
    }
    const reason = this.#denialReason(decision.reason);
    const message =
      typeof decision.message === 'string' && decision.message !== ''
        ? decision.message
        : `denied by the ${request.kind.kind} admission webhook`;
    const code =
      Number.isInteger(decision.code) && decision.code! >= 400 && decision.code! <= 599
        ? decision.code!
        : 403;
    return {
      response: { uid, allowed: false, status: { code, message, reason: 'Forbidden' }, ...warnings },
      reason,
    };
  }

  #denialReason(reason: string | undefined): string {
    if (reason === undefined) return 'validation';
    if (REASON_WORD.test(reason)) return reason;
    diag.once(`dynotel.kubernetes.reason.${reason.slice(0, 32)}`, {
      level: 'warn',
      target: 'dynotel.kubernetes',
      message:
        'an admission denial reason is not a snake_case word of at most 63 characters; counted as "validation"',
      fields: { reason: reason.slice(0, 80) },
    });
    return 'validation';
  }
}

/** Writes an answer on a node:http response (unless the client is gone or headers were sent). */
export function sendAdmissionAnswer(res: ServerResponse, answer: AdmissionHttpAnswer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(answer.statusCode, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

/** A validating webhook. The adapters build one per route. */
export function createAdmissionWebhook(options: AdmissionWebhookOptions): AdmissionWebhook {
  return new AdmissionWebhook(options);
}

/** A node:http request listener: `http.createServer(admissionRequestListener({ validate }))`. */
export function admissionRequestListener(
  options: AdmissionWebhookOptions | AdmissionWebhook,
): (req: IncomingMessage, res: ServerResponse) => void {
  const webhook = options instanceof AdmissionWebhook ? options : new AdmissionWebhook(options);
  return (req, res) => {
    webhook.answerRequest(req).then(
      (answer) => sendAdmissionAnswer(res, answer),
      () =>
        sendAdmissionAnswer(res, json(500, { error: 'the admission webhook failed', reason: 'internal' })),
    );
  };
}
