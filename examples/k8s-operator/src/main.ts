/**
 * A small Kubernetes operator in TypeScript with dynotel: a DynamoModel controller (list + watch,
 * reconcile, inventory) and its validating admission webhook, both recorded with Dynamo's operator
 * metrics (`dynamo_operator_*`), traced and logged. `/metrics`, `/health` and `/live` are served on the
 * same port as the webhook.
 *
 *   KUBERNETES_API_URL=http://127.0.0.1:8001 DYN_HTTP_PORT=9443 DYN_LOGGING_JSONL=1 \
 *     node --conditions=@dynotel/source src/main.ts
 *
 * The API server only calls webhooks over HTTPS: set TLS_CERT_FILE and TLS_KEY_FILE (for instance from
 * a cert-manager Secret) and put the CA in the ValidatingWebhookConfiguration's `caBundle`. Without
 * them the webhook speaks plain HTTP, for tests and for a TLS-terminating proxy in front. In a cluster
 * (KUBERNETES_SERVICE_HOST set) point KUBERNETES_API_URL at `kubectl proxy` or give the client the
 * service-account token and CA.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { init } from 'dynotel';
import { dynotel } from 'dynotel/express';
import { expressAdmissionWebhook } from 'dynotel/kubernetes';
import express from 'express';
import { DynamoModelController, RESOURCE_TYPE } from './controller.ts';
import { KubeClient } from './kube-client.ts';
import { validateDynamoModel, WEBHOOK_PATH } from './webhook.ts';

const env = process.env;
const telemetry = init({ env: { OTEL_SERVICE_NAME: 'k8s-operator', ...env } });

const apiUrl = env.KUBERNETES_API_URL ?? 'http://127.0.0.1:8001';
const client = new KubeClient(apiUrl, env.KUBERNETES_TOKEN);
const controller = new DynamoModelController({ telemetry, client });

const app = express();
app.use(dynotel(telemetry)); // request ids, spans and access logs for each review; /metrics /health /live
app.post(
  WEBHOOK_PATH,
  expressAdmissionWebhook({ telemetry, validate: validateDynamoModel, resourceType: RESOURCE_TYPE }),
);

const tls =
  env.TLS_CERT_FILE && env.TLS_KEY_FILE
    ? { cert: readFileSync(env.TLS_CERT_FILE), key: readFileSync(env.TLS_KEY_FILE) }
    : undefined;
const server = tls === undefined ? createHttpServer(app) : createHttpsServer(tls, app);
telemetry.trackServer(server);
const { port, host } = telemetry.config.http;
server.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  telemetry.logger.info(
    { url: `${tls === undefined ? 'http' : 'https'}://${host}:${bound}`, api_server: apiUrl },
    'k8s-operator listening',
  );
  controller.start();
  telemetry.health.setProcessStatus('ready');
});

// SIGTERM runs dynotel's graceful shutdown; the controller stops watching first.
process.once('SIGTERM', () => void controller.stop());
