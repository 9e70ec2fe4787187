import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyPluginCallback } from 'fastify';
import { AdmissionWebhook, type AdmissionWebhookOptions } from './admission-webhook.ts';
import { requirePath } from './options.ts';

export interface FastifyAdmissionWebhookOptions extends AdmissionWebhookOptions {
  /** The route, e.g. `/validate-nvidia-com-v1alpha1-dynamomodel`. */
  readonly path: string;
}

/**
 * A Fastify plugin serving one validating webhook at `path`:
 * `await app.register(fastifyAdmissionWebhook, { path: '/validate', validate })`. The route lives in
 * its own encapsulated context whose only content-type parser hands the body stream to the webhook, so
 * the size limit, the 400/413/415 answers and their counting are the same as on Express and node:http;
 * the application's other routes keep their parsers. Register it after `dynotel` so the request is traced
 * and logged like any other.
 */
export const fastifyAdmissionWebhook: FastifyPluginCallback<FastifyAdmissionWebhookOptions> = (
  fastify,
  options,
  done,
) => {
  const path = requirePath('fastifyAdmissionWebhook', options.path);
  const webhook = new AdmissionWebhook(options);
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, payload, parsed) => parsed(null, payload));
  fastify.route({
    method: ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'],
    url: path,
    async handler(request, reply) {
      const raw = request.raw;
      // The body stream: Fastify hands over `request.raw` (or its decoded stream) through the parser.
      const stream = (request.body as Readable | undefined) ?? raw;
      const answer =
        stream === raw
          ? await webhook.answerRequest(raw)
          : await webhook.answerRequest(withStream(raw, stream));
      reply.code(answer.statusCode).headers(answer.headers);
      return answer.body;
    },
  });
  done();
};

/** The request's method and headers with another body stream (a decoded one). */
function withStream(raw: IncomingMessage, stream: Readable): IncomingMessage {
  return Object.assign(stream, { method: raw.method, headers: raw.headers }) as unknown as IncomingMessage;
}
