import { randomUUID } from 'node:crypto';
import { init, type Telemetry } from 'dynotel';
import { resetTelemetryForTests } from 'dynotel/testing';
import { LogCapture } from '../dynotel/log-capture.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';

/** dynotel exporting spans to a real OTLP/gRPC receiver, JSONL logs captured. */
export interface Observed {
  readonly telemetry: Telemetry;
  readonly logs: LogCapture;
  readonly receiver: OtlpReceiver;
  /** Parsed `/metrics` samples: value of the series with exactly these labels (0 when absent). */
  metric(name: string, labels: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startObserved(serviceName: string): Promise<Observed> {
  const receiver = await startOtlpReceiver();
  const logs = new LogCapture();
  const telemetry = init({
    env: {
      DYN_SHUTDOWN_DRAIN_DELAY: '0',
      DYN_LOGGING_JSONL: '1',
      OTEL_EXPORT_ENABLED: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
      OTEL_SERVICE_NAME: serviceName,
      OTEL_BSP_SCHEDULE_DELAY: '20',
    },
    handleSignals: false,
    logDestination: logs,
  });
  return {
    telemetry,
    logs,
    receiver,
    async metric(name, labels) {
      const { body } = await telemetry.metrics.scrape();
      const wanted = Object.entries(labels)
        .map(([key, value]) => `${key}="${value}"`)
        .sort()
        .join(',');
      for (const line of body.split('\n')) {
        const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (match === null || match[1] !== name) continue;
        const have = (match[2] ?? '')
          .split(/,(?=\w+=")/)
          .filter(Boolean)
          .sort()
          .join(',');
        if (have === wanted) return Number(match[3]);
      }
      return 0;
    },
    async close() {
      await telemetry.shutdown('test finished');
      resetTelemetryForTests();
      await receiver.close();
    },
  };
}

/** An admission.k8s.io/v1 AdmissionReview as the API server sends it. */
export function admissionReview(
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT',
  object: Record<string, unknown> | null,
  oldObject: Record<string, unknown> | null = null,
  uid: string = randomUUID(),
) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: 'nvidia.com', version: 'v1alpha1', kind: 'DynamoModel' },
      resource: { group: 'nvidia.com', version: 'v1alpha1', resource: 'dynamomodels' },
      requestKind: { group: 'nvidia.com', version: 'v1alpha1', kind: 'DynamoModel' },
      name: 'llama',
      namespace: 'team-a',
      operation,
      userInfo: { username: 'kubernetes-admin', groups: ['system:masters'] },
      object,
      oldObject,
      dryRun: false,
      options: null,
    },
  };
}

export function model(baseModelName: string | undefined, replicas = 1): Record<string, unknown> {
  return {
    apiVersion: 'nvidia.com/v1alpha1',
    kind: 'DynamoModel',
    metadata: { name: 'llama', namespace: 'team-a', uid: randomUUID() },
    spec: { ...(baseModelName === undefined ? {} : { baseModelName }), replicas },
  };
}
