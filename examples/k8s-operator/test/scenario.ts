/**
 * What the example's tests (and the dashboard test under test/deploy) do to it: the operator as a real
 * child process against the fake API server, and AdmissionReviews as the API server sends them.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type ExampleProcess, startExample } from '../../../test/support/example-process.ts';
import { FakeApiServer } from './fake-api-server.ts';

export const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
export const WEBHOOK = '/validate-nvidia-com-v1alpha1-dynamomodel';

export interface RunningOperator {
  readonly api: FakeApiServer;
  readonly operator: ExampleProcess;
  /** The operator's HTTP base URL (webhook, /metrics, /health). */
  readonly url: string;
  stop(): Promise<number | null>;
}

export async function startOperator(env: Record<string, string> = {}): Promise<RunningOperator> {
  const api = await FakeApiServer.start();
  const operator = startExample(MAIN, {
    KUBERNETES_API_URL: api.url,
    DYN_HTTP_PORT: '0',
    DYN_HTTP_HOST: '127.0.0.1',
    ...env,
  });
  try {
    const url = String((await operator.waitForLog('k8s-operator listening')).url);
    return {
      api,
      operator,
      url,
      async stop() {
        const code = await operator.stop();
        await api.close();
        return code;
      },
    };
  } catch (error) {
    await operator.stop();
    await api.close();
    throw error;
  }
}

export function review(
  operation: 'CREATE' | 'UPDATE' | 'DELETE',
  spec: Record<string, unknown> | null,
  oldSpec: Record<string, unknown> | null = null,
) {
  const object = (s: Record<string, unknown> | null) =>
    s === null
      ? null
      : {
          apiVersion: 'nvidia.com/v1alpha1',
          kind: 'DynamoModel',
          metadata: { name: 'm', namespace: 'team-a' },
          spec: s,
        };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: { group: 'nvidia.com', version: 'v1alpha1', kind: 'DynamoModel' },
      resource: { group: 'nvidia.com', version: 'v1alpha1', resource: 'dynamomodels' },
      name: 'm',
      namespace: 'team-a',
      operation,
      userInfo: { username: 'system:admin' },
      object: object(spec),
      oldObject: object(oldSpec),
    },
  };
}

export async function admit(
  url: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${WEBHOOK}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The value of one sample of the operator's /metrics (0 when absent). */
export async function sample(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    if (
      (match[2] ?? '')
        .split(/,(?=\w+=")/)
        .filter(Boolean)
        .sort()
        .join(',') === wanted
    )
      return Number(match[3]);
  }
  return 0;
}

/** Polls `read` until `accept` holds (bounded). */
export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!accept(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await read();
  }
  return last;
}
