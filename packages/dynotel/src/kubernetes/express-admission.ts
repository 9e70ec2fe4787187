import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdmissionWebhook, type AdmissionWebhookOptions, sendAdmissionAnswer } from './admission-webhook.ts';

/** The parts of Express's request this handler reads (no runtime dependency on express). */
interface ExpressRequest extends IncomingMessage {
  body?: unknown;
}

/**
 * An Express handler for a validating webhook: `app.post('/validate-dynamomodel', expressAdmissionWebhook({ validate }))`.
 * It reads the body itself (with the webhook's size limit) unless a body parser already did: after
 * `express.json()` the parsed object is used (mind that parser's own `limit`, 100 kB by default, smaller
 * than Kubernetes objects can be), after `express.raw()` the buffer is parsed here.
 */
export function expressAdmissionWebhook(
  options: AdmissionWebhookOptions | AdmissionWebhook,
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  const webhook = options instanceof AdmissionWebhook ? options : new AdmissionWebhook(options);
  return function dynotelAdmissionWebhook(req, res, next) {
    const body = (req as ExpressRequest).body;
    const consumed = req.readableEnded && body !== undefined;
    const answer = !consumed
      ? webhook.answerRequest(req)
      : Buffer.isBuffer(body) || typeof body === 'string'
        ? webhook.answerBody(body)
        : webhook.answerReview(body);
    answer.then((result) => sendAdmissionAnswer(res, result), next);
  };
}
