/**
 * Real HTTP AdmissionReviews against a validating webhook on Express and on Fastify (each behind
 * dynotel's own middleware): allowed, denied with the validator's reason, denied by a thrown Kubernetes
 * API error, a validator failure, malformed reviews (400 naming the field), oversized bodies (413), a
 * wrong content type (415). Each answer is checked on the wire, in Dynamo's dynamo_operator_webhook_*
 * metrics, in the exported spans and in the JSONL log lines.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { selfMetrics } from '@dynotel/core';
import { dynotel as expressMiddleware } from 'dynotel/express';
import { dynotel as fastifyPlugin } from 'dynotel/fastify';
import {
  type AdmissionRequest,
  type AdmissionValidator,
  admissionRequestListener,
  expressAdmissionWebhook,
  fastifyAdmissionWebhook,
} from 'dynotel/kubernetes';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionReview, model, type Observed, startObserved } from './support.ts';

const PATH = '/validate-nvidia-com-v1alpha1-dynamomodel';
const LIMIT = 64 * 1024;

type Spec = { baseModelName?: string; replicas?: number };
const specOf = (object: AdmissionRequest['object']) =>
  (object as { spec?: Spec } | null | undefined)?.spec ?? {};

/** DynamoModel rules: a base model is required and immutable; DELETE asks the API server and may fail. */
const validate: AdmissionValidator = async (request) => {
  const spec = specOf(request.object);
  if (request.operation === 'DELETE') {
    if (request.name === 'locked')
      // What @kubernetes/client-node throws for a 409 (ApiException: code, body as JSON text).
      throw Object.assign(new Error('Operation cannot be fulfilled on dynamomodels "locked"'), {
        code: 409,
        body: JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Conflict',
          code: 409,
        }),
      });
    return { allowed: true };
  }
  if (spec.baseModelName === 'explode') throw new Error('model registry unreachable');
  if (spec.baseModelName === undefined || spec.baseModelName === '')
    return { allowed: false, message: 'spec.baseModelName is required', reason: 'invalid_config' };
  if (request.operation === 'UPDATE' && specOf(request.oldObject).baseModelName !== spec.baseModelName)
    return { allowed: false, message: 'spec.baseModelName is immutable', reason: 'immutable_field_changed' };
  return (spec.replicas ?? 1) > 4
    ? { allowed: true, warnings: ['more than 4 replicas need a quota increase'] }
    : { allowed: true };
};

/** A webhook answer: an AdmissionReview response, or an HTTP error's body. */
interface Answer {
  readonly response: { readonly uid: string; readonly allowed: boolean; readonly [key: string]: unknown };
  readonly reason?: string;
  readonly error?: string;
  readonly [key: string]: unknown;
}

interface App {
  readonly url: string;
  close(): Promise<void>;
}

async function startApp(framework: 'express' | 'fastify', observed: Observed): Promise<App> {
  const { telemetry } = observed;
  const options = { telemetry, validate, resourceType: 'DynamoModel', maxBodyBytes: LIMIT };
  if (framework === 'express') {
    const app = express();
    app.use(expressMiddleware(telemetry, { systemRoutes: false }));
    app.post(PATH, expressAdmissionWebhook(options));
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }
  const app = Fastify();
  await app.register(fastifyPlugin, { telemetry, systemRoutes: false });
  await app.register(fastifyAdmissionWebhook, { ...options, path: PATH });
  // The application's own JSON routes keep Fastify's parser (the webhook's parser is encapsulated).
  app.post('/echo', async (request) => request.body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

/** A POST with no content-type header at all (fetch always sets one for a string body). */
function rawPost(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('admission webhook on plain node:http', () => {
  let observed: Observed;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    observed = await startObserved('webhook-node');
    server = createServer(admissionRequestListener({ telemetry: observed.telemetry, validate }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await observed?.close();
  });

  it("answers with the request's uid and takes the resource type from the request's kind", async () => {
    const review = admissionReview('CREATE', model('a'));
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(review),
    });
    expect(await response.json()).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: review.request.uid, allowed: true },
    });
    expect(
      await observed.metric('dynamo_operator_webhook_requests_total', {
        resource_type: 'DynamoModel',
        operation: 'CREATE',
        result: 'allowed',
      }),
    ).toBe(1);
    // No middleware, but the zero-code instrumentation sees every node:http server: the review's line
    // carries the HTTP request's id (echoed in x-request-id), not a second one made from the uid.
    const line = observed.logs.records().find((r) => r.uid === review.request.uid);
    expect(line?.request_id).toBe(response.headers.get('x-request-id'));
    expect((await fetch(url)).status).toBe(405);
  });
});

describe.each(['express', 'fastify'] as const)('admission webhook on %s', (framework) => {
  let observed: Observed;
  let app: App;

  beforeAll(async () => {
    observed = await startObserved(`webhook-${framework}`);
    app = await startApp(framework, observed);
  });

  afterAll(async () => {
    await app?.close();
    await observed?.close();
  });

  async function post(body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${app.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Answer };
  }

  const webhookCount = (operation: string, result: string) =>
    observed.metric('dynamo_operator_webhook_requests_total', {
      resource_type: 'DynamoModel',
      operation,
      result,
    });
  const denials = (operation: string, reason: string) =>
    observed.metric('dynamo_operator_webhook_denials_total', {
      resource_type: 'DynamoModel',
      operation,
      reason,
    });

  it('allows a valid object: same uid, admission.k8s.io/v1 answer, counted, traced and logged', async () => {
    const review = admissionReview('CREATE', model('meta-llama/Llama-3-8B', 6));
    const { status, body } = await post(review);
    expect(status).toBe(200);
    expect(body).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: review.request.uid,
        allowed: true,
        warnings: ['more than 4 replicas need a quota increase'],
      },
    });
    expect(await webhookCount('CREATE', 'allowed')).toBe(1);
    expect(
      await observed.metric('dynamo_operator_webhook_duration_seconds_count', {
        resource_type: 'DynamoModel',
        operation: 'CREATE',
      }),
    ).toBe(1);

    await observed.telemetry.tracing.forceFlush();
    const spans = await observed.receiver.waitForSpans(2);
    const reviewSpan = spans.find(
      (s) => s.name === 'admission-review' && s.attributes['admission.uid'] === review.request.uid,
    );
    expect(reviewSpan).toBeDefined();
    expect(reviewSpan!.attributes).toMatchObject({
      resource_type: 'DynamoModel',
      'admission.operation': 'CREATE',
      'admission.allowed': true,
      'k8s.namespace.name': 'team-a',
      'k8s.object.name': 'llama',
    });
    // A child of the HTTP server span of dynotel's middleware: one trace per review.
    const httpSpan = spans.find((s) => s.spanId === reviewSpan!.parentSpanId);
    expect(httpSpan?.name).toBe('http-request');

    const line = observed.logs.records().find((r) => r.uid === review.request.uid);
    expect(line).toMatchObject({
      target: 'kubernetes',
      message: 'admission review answered',
      resource_type: 'DynamoModel',
      operation: 'CREATE',
      allowed: true,
      trace_id: reviewSpan!.traceId,
      span_id: reviewSpan!.spanId,
    });
    expect(line!.request_id).toBe(httpSpan!.attributes.request_id);
  });

  it("denies with the validator's message and reason", async () => {
    const created = admissionReview('CREATE', model(undefined));
    const missing = await post(created);
    expect(missing.status).toBe(200);
    expect(missing.body.response).toEqual({
      uid: created.request.uid,
      allowed: false,
      status: { code: 403, message: 'spec.baseModelName is required', reason: 'Forbidden' },
    });
    const updated = admissionReview('UPDATE', model('b'), model('a'));
    const immutable = await post(updated);
    expect(immutable.body.response).toMatchObject({
      uid: updated.request.uid,
      allowed: false,
      status: { code: 403, message: 'spec.baseModelName is immutable' },
    });
    expect(await webhookCount('CREATE', 'denied')).toBe(1);
    expect(await webhookCount('UPDATE', 'denied')).toBe(1);
    expect(await denials('CREATE', 'invalid_config')).toBe(1);
    expect(await denials('UPDATE', 'immutable_field_changed')).toBe(1);
    const line = observed.logs.records().find((r) => r.uid === updated.request.uid);
    expect(line).toMatchObject({ allowed: false, reason: 'immutable_field_changed', level: 'INFO' });
  });

  it('denies on a thrown Kubernetes API error with its status, and on a failing validator as internal', async () => {
    const locked = admissionReview('DELETE', null, { ...model('a'), metadata: { name: 'locked' } });
    (locked.request as { name: string }).name = 'locked';
    const conflict = await post(locked);
    expect(conflict.body.response).toEqual({
      uid: locked.request.uid,
      allowed: false,
      status: {
        code: 409,
        message: 'Operation cannot be fulfilled on dynamomodels "locked"',
        reason: 'Conflict',
      },
    });
    expect(await denials('DELETE', 'conflict')).toBe(1);
    expect(await post(admissionReview('DELETE', null, model('a'))).then((r) => r.body.response.allowed)).toBe(
      true,
    );
    expect(await webhookCount('DELETE', 'allowed')).toBe(1);

    const broken = admissionReview('CREATE', model('explode'));
    const failed = await post(broken);
    expect(failed.status).toBe(200);
    expect(failed.body.response).toEqual({
      uid: broken.request.uid,
      allowed: false,
      status: { code: 403, message: 'model registry unreachable', reason: 'Forbidden' },
    });
    expect(await denials('CREATE', 'internal')).toBe(1);
    const line = observed.logs.records().find((r) => r.uid === broken.request.uid);
    expect(line).toMatchObject({ level: 'ERROR', reason: 'internal', error: 'model registry unreachable' });
  });

  it.each([
    ['not JSON', '{"apiVersion": ', /^the body is not valid JSON: /],
    ['an array', [], /^AdmissionReview must be a JSON object, got an array$/],
    [
      'v1beta1',
      { ...admissionReview('CREATE', model('a')), apiVersion: 'admission.k8s.io/v1beta1' },
      /^AdmissionReview\.apiVersion must be "admission\.k8s\.io\/v1" .*got "admission\.k8s\.io\/v1beta1"$/,
    ],
    [
      'no request',
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' },
      /request must be an object, got nothing$/,
    ],
    [
      'no uid',
      (() => {
        const r = admissionReview('CREATE', model('a'));
        (r.request as { uid?: string }).uid = '';
        return r;
      })(),
      /^AdmissionReview\.request\.uid must be a non-empty string, got ""$/,
    ],
    [
      'an unknown operation',
      {
        ...admissionReview('CREATE', model('a')),
        request: { ...admissionReview('CREATE', model('a')).request, operation: 'PATCH' },
      },
      /^AdmissionReview\.request\.operation must be one of CREATE, UPDATE, DELETE, CONNECT, got "PATCH"$/,
    ],
    [
      'CREATE without object',
      admissionReview('CREATE', null),
      /request\.object must be an object for CREATE, got null$/,
    ],
  ])(
    'answers a malformed review (%s) with 400 naming the problem, and counts it',
    async (_what, body, message) => {
      const before = selfMetrics
        .counter('dynotel_admission_reviews_rejected_total', '')
        .get({ reason: 'malformed' });
      const { status, body: answer } = await post(body);
      expect(status).toBe(400);
      expect(answer.reason).toBe('malformed');
      expect(answer.error).toMatch(message);
      expect(
        selfMetrics.counter('dynotel_admission_reviews_rejected_total', '').get({ reason: 'malformed' }),
      ).toBe(before + 1);
      const line = observed.logs.records().findLast((r) => r.message === 'admission review rejected');
      expect(line).toMatchObject({ level: 'WARN', status: 400, reason: 'malformed', error: answer.error });
    },
  );

  it('answers an oversized body with 413 and counts it, and keeps serving', async () => {
    const counter = () =>
      selfMetrics.counter('dynotel_admission_reviews_rejected_total', '').get({ reason: 'too_large' });
    const before = counter();
    const huge = admissionReview('CREATE', { ...model('a'), padding: 'x'.repeat(LIMIT) });
    const { status, body } = await post(huge);
    expect(status).toBe(413);
    expect(body).toEqual({
      reason: 'too_large',
      error: expect.stringMatching(new RegExp(`more than the webhook's limit of ${LIMIT}$`)),
    });
    expect(counter()).toBe(before + 1);
    // Streamed without a content-length: found while reading.
    const chunked = await fetch(`${app.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(JSON.stringify(huge)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    await chunked.arrayBuffer();
    expect(counter()).toBe(before + 2);
    expect((await post(admissionReview('CREATE', model('a')))).status).toBe(200);
    // Rejected requests never reach the Dynamo metrics.
    expect(await webhookCount('CREATE', 'allowed')).toBe(2);
  });

  it('answers a body that is not JSON by content type with 415', async () => {
    const { status, body } = await post('uid=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(status).toBe(415);
    expect(body).toEqual({
      reason: 'unsupported_media_type',
      error: 'content-type must be application/json, got "application/x-www-form-urlencoded"',
    });
  });

  it('answers a body without a content type with 415', async () => {
    const { status, body } = await rawPost(
      `${app.url}${PATH}`,
      JSON.stringify(admissionReview('CREATE', model('a'))),
    );
    expect(status).toBe(415);
    expect(JSON.parse(body)).toEqual({
      reason: 'unsupported_media_type',
      error: 'content-type must be application/json, got none',
    });
  });

  if (framework === 'fastify') {
    it('answers another method on the webhook path with 405', async () => {
      const response = await fetch(`${app.url}${PATH}`);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toEqual({
        reason: 'method_not_allowed',
        error: 'admission reviews are POSTed, got GET',
      });
    });

    it("leaves the application's JSON parser to its other routes", async () => {
      const response = await fetch(`${app.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(await response.json()).toEqual({ a: 1 });
    });
  }
});
