import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinaryInCi } from '../support/binaries.ts';
import { PrometheusServer } from '../support/prometheus.ts';
import { ALERT_RULES, K8S_DIR, RECORDING_RULES, readYaml, readYamlDocuments, ruleGroups } from './support.ts';

/**
 * deploy/k8s: the manifests parse, the PrometheusRule carries exactly the promtool-tested rules, probes
 * match Dynamo's operator (reference §7.7), the monitors select the example pods on ports they expose,
 * and the autoscaling example uses metrics the adapter really exposes with queries Prometheus accepts.
 * (No cluster here; kubernetes-schemas.test.ts validates every manifest against the Kubernetes and
 * prometheus-operator schemas.)
 */

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

interface Probe {
  httpGet: { path: string; port: string };
  initialDelaySeconds?: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

interface Container {
  name: string;
  ports: Array<{ name: string; containerPort: number }>;
  env: Array<{ name: string; value?: string }>;
  livenessProbe: Probe;
  readinessProbe: Probe;
  startupProbe?: Probe;
}

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[] };
}

const manifests = readdirSync(K8S_DIR)
  .filter((name) => name.endsWith('.yaml') && name !== 'prometheus-adapter-values.yaml')
  .flatMap((name) => readYamlDocuments(join(K8S_DIR, name)) as Manifest[]);

function find(kind: string, name: string): Manifest {
  const manifest = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!manifest) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return manifest;
}

function podTemplate(deployment: string): PodTemplate {
  return find('Deployment', deployment).spec.template as PodTemplate;
}

function env(container: Container): Record<string, string | undefined> {
  return Object.fromEntries(container.env.map((variable) => [variable.name, variable.value]));
}

function probe(p: Probe) {
  return {
    path: p.httpGet.path,
    port: p.httpGet.port,
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold: p.failureThreshold,
  };
}

describe('deploy/k8s manifests', () => {
  it('parse and have apiVersion, kind and a name', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(8);
    for (const manifest of manifests) {
      expect(manifest.apiVersion).toEqual(expect.any(String));
      expect(manifest.kind).toEqual(expect.any(String));
      expect(manifest.metadata.name).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it('ship exactly the promtool-tested rules in the PrometheusRule', () => {
    const rule = find('PrometheusRule', 'dynotel-rules');
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.spec.groups).toEqual([...ruleGroups(RECORDING_RULES), ...ruleGroups(ALERT_RULES)]);
  });

  it("give workers Dynamo's probes on the system port (reference §7.7)", () => {
    const worker = podTemplate('llm-worker').spec.containers[0]!;
    expect(probe(worker.livenessProbe)).toEqual({
      path: '/live',
      port: 'system',
      initialDelaySeconds: 0,
      periodSeconds: 5,
      timeoutSeconds: 4,
      failureThreshold: 1,
    });
    expect(probe(worker.readinessProbe)).toEqual({
      path: '/health',
      port: 'system',
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 4,
      failureThreshold: 3,
    });
    expect(probe(worker.startupProbe!)).toEqual({
      path: '/live',
      port: 'system',
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 720,
    });
  });

  it("give the gateway Dynamo's frontend probes on port http (reference §7.7)", () => {
    const gateway = podTemplate('llm-gateway').spec.containers[0]!;
    expect(probe(gateway.livenessProbe)).toEqual({
      path: '/live',
      port: 'http',
      initialDelaySeconds: 15,
      periodSeconds: 10,
      timeoutSeconds: 1,
      failureThreshold: 3,
    });
    expect(probe(gateway.readinessProbe)).toEqual({
      path: '/health',
      port: 'http',
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    });
  });

  it("set the variables Dynamo's operator sets", () => {
    const worker = env(podTemplate('llm-worker').spec.containers[0]!);
    expect(worker).toMatchObject({
      DYN_SYSTEM_PORT: '9090',
      DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: '["generate"]',
      DYN_HEALTH_CHECK_ENABLED: 'false',
    });
    const gateway = env(podTemplate('llm-gateway').spec.containers[0]!);
    expect(gateway).toMatchObject({ DYN_HTTP_PORT: '8000' });
    for (const variables of [worker, gateway]) {
      expect(variables).toMatchObject({ DYN_LOGGING_JSONL: 'true', OTEL_EXPORT_ENABLED: 'true' });
      expect(variables.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/:4317$/);
      expect(variables.OTEL_RESOURCE_ATTRIBUTES).toMatch(/dynamo\.namespace=.*dynamo\.component=/);
    }
  });

  it.each([
    ['dynamo-frontend', 'llm-gateway'],
    ['dynamo-worker', 'llm-worker'],
  ])('PodMonitor %s selects %s pods on a port they expose, every 5s at /metrics', (monitor, deployment) => {
    const spec = find('PodMonitor', monitor).spec as {
      selector: { matchLabels: Record<string, string> };
      podMetricsEndpoints: Array<{ port: string; path: string; interval: string }>;
    };
    const template = podTemplate(deployment);
    expect(template.metadata.labels).toMatchObject(spec.selector.matchLabels);
    const ports = template.spec.containers.flatMap((c) => c.ports.map((p) => p.name));
    for (const endpoint of spec.podMetricsEndpoints) {
      expect(ports).toContain(endpoint.port);
      expect(endpoint).toMatchObject({ path: '/metrics', interval: '5s' });
    }
  });
});

interface HpaMetric {
  type: string;
  external?: { metric: { name: string } };
  pods?: { metric: { name: string } };
}

interface AdapterRule {
  seriesQuery: string;
  name: { as: string };
  metricsQuery: string;
}

describe('autoscaling example', () => {
  const adapter = readYaml<{ rules: { custom: AdapterRule[]; external: AdapterRule[] } }>(
    join(K8S_DIR, 'prometheus-adapter-values.yaml'),
  );
  const hpas = manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler');

  it('scales on metrics the adapter exposes through the matching API', () => {
    expect(hpas.length).toBeGreaterThan(0);
    for (const hpa of hpas) {
      const target = (hpa.spec.scaleTargetRef as { name: string }).name;
      expect(() => find('Deployment', target)).not.toThrow();
      for (const metric of hpa.spec.metrics as HpaMetric[]) {
        if (metric.type === 'External') {
          expect(adapter.rules.external.map((r) => r.name.as)).toContain(metric.external?.metric.name);
        } else {
          expect(metric.type).toBe('Pods');
          expect(adapter.rules.custom.map((r) => r.name.as)).toContain(metric.pods?.metric.name);
        }
      }
    }
  });

  const prometheusBinary = requireBinaryInCi('prometheus');
  describe.skipIf(prometheusBinary === undefined)('adapter queries on a real Prometheus', () => {
    let prometheus: PrometheusServer;
    beforeAll(async () => {
      prometheus = await PrometheusServer.start({ binary: prometheusBinary!, jobs: [] });
    });
    afterAll(async () => {
      await prometheus?.stop();
    });

    it.each(
      [...adapter.rules.custom, ...adapter.rules.external].map((rule) => [rule.name.as, rule] as const),
    )('%s: seriesQuery and metricsQuery parse', async (_name, rule) => {
      await expect(prometheus.query(rule.seriesQuery)).resolves.toEqual(expect.any(Array));
      const metricsQuery = rule.metricsQuery
        .replaceAll('<<.Series>>', rule.seriesQuery.replace(/\{.*\}$/, ''))
        .replaceAll('<<.LabelMatchers>>', 'namespace="default"')
        .replaceAll('<<.GroupBy>>', 'namespace');
      await expect(prometheus.query(metricsQuery)).resolves.toEqual(expect.any(Array));
    });
  });
});
