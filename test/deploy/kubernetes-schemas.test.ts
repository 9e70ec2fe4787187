import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  PodMonitor,
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { K8S_DIR, readYamlDocuments } from './support.ts';
import { moduleUnderRoot, typeCheck } from './type-check.ts';

/**
 * deploy/k8s against the real schemas: every manifest validates against the Kubernetes OpenAPI schema
 * of its kind (`kubernetes-models`) or the prometheus-operator CRD schema
 * (`@kubernetes-models/prometheus-operator`): types, required fields, enums, duration patterns. Those
 * schemas, like the API server's OpenAPI, allow unknown fields, which `kubectl apply` rejects
 * (`--validate=strict`): so each manifest is also type-checked, as an object literal, against the
 * TypeScript interface generated from the same schema, whose excess-property check names any field
 * the kind does not have (a typo such as `intervall`), at any depth.
 */

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
}

interface Kind {
  readonly validate: (manifest: Manifest) => void;
  /** The generated interface and the module declaring it (under node_modules). */
  readonly type: string;
  readonly module: string;
}

const PROMETHEUS_OPERATOR = '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/index.js';

/** Every kind deploy/k8s uses; a manifest of any other kind fails the test until it is added here. */
const KINDS: Readonly<Record<string, Kind>> = {
  'v1/Service': {
    validate: (m) => new Service(m as never).validate(),
    type: 'IService',
    module: 'kubernetes-models/v1/index.js',
  },
  'apps/v1/Deployment': {
    validate: (m) => new Deployment(m as never).validate(),
    type: 'IDeployment',
    module: 'kubernetes-models/apps/v1/index.js',
  },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    validate: (m) => new HorizontalPodAutoscaler(m as never).validate(),
    type: 'IHorizontalPodAutoscaler',
    module: 'kubernetes-models/autoscaling/v2/index.js',
  },
  'monitoring.coreos.com/v1/PodMonitor': {
    validate: (m) => new PodMonitor(m as never).validate(),
    type: 'IPodMonitor',
    module: PROMETHEUS_OPERATOR,
  },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    validate: (m) => new ServiceMonitor(m as never).validate(),
    type: 'IServiceMonitor',
    module: PROMETHEUS_OPERATOR,
  },
  'monitoring.coreos.com/v1/PrometheusRule': {
    validate: (m) => new PrometheusRule(m as never).validate(),
    type: 'IPrometheusRule',
    module: PROMETHEUS_OPERATOR,
  },
};

const manifests = readdirSync(K8S_DIR)
  .filter((name) => name.endsWith('.yaml') && name !== 'prometheus-adapter-values.yaml')
  .flatMap((file) =>
    (readYamlDocuments(join(K8S_DIR, file)) as Manifest[]).map((manifest) => ({ file, manifest })),
  );

const label = ({ file, manifest }: { file: string; manifest: Manifest }): string =>
  `${file}: ${manifest.kind} ${manifest.metadata.name}`;

function kindOf(manifest: Manifest): Kind {
  const kind = KINDS[`${manifest.apiVersion}/${manifest.kind}`];
  if (kind === undefined) throw new Error(`no schema wired for ${manifest.apiVersion} ${manifest.kind}`);
  return kind;
}

/** Schema errors of a manifest, or undefined when it is valid. */
function schemaErrors(manifest: Manifest): string | undefined {
  try {
    kindOf(manifest).validate(manifest);
    return undefined;
  } catch (error) {
    return String(error);
  }
}

/**
 * Type-checks each manifest as a literal of its kind's interface; returns tsc's diagnostics ('' when
 * clean). One program for all of them: a single tsc run.
 */
async function unknownFieldErrors(
  entries: ReadonlyArray<{ name: string; manifest: Manifest }>,
): Promise<string> {
  const imports = new Map<string, Set<string>>();
  const declarations = entries.map(({ name, manifest }, index) => {
    const kind = kindOf(manifest);
    imports.set(kind.module, (imports.get(kind.module) ?? new Set()).add(kind.type));
    return `// ${name}\nexport const manifest${index}: ${kind.type} = ${JSON.stringify(manifest, null, 2)};`;
  });
  const source = [
    ...[...imports].map(
      ([module, types]) => `import type { ${[...types].join(', ')} } from '${moduleUnderRoot(module)}';`,
    ),
    ...declarations,
  ].join('\n');
  return typeCheck(`${source}\n`);
}

describe('deploy/k8s against the Kubernetes and prometheus-operator schemas', () => {
  it('every manifest is of a kind with a schema wired here', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(9);
    const unknown = manifests
      .filter(({ manifest }) => KINDS[`${manifest.apiVersion}/${manifest.kind}`] === undefined)
      .map(label);
    expect(unknown).toEqual([]);
  });

  for (const entry of manifests) {
    it(`${label(entry)} validates against its schema`, () => {
      expect(schemaErrors(entry.manifest)).toBeUndefined();
    });
  }

  it('no manifest has a field its kind does not define (excess-property check, any depth)', async () => {
    const errors = await unknownFieldErrors(
      manifests.map((entry) => ({ name: label(entry), manifest: entry.manifest })),
    );
    expect(errors).toBe('');
  }, 60_000);

  it('the checks catch a wrong type, a bad duration and a misspelt field', async () => {
    const podMonitor = manifests.find(({ manifest }) => manifest.kind === 'PodMonitor')!.manifest;
    const deployment = manifests.find(({ manifest }) => manifest.kind === 'Deployment')!.manifest;

    const badInterval = structuredClone(podMonitor) as Manifest & {
      spec: { podMetricsEndpoints: Array<Record<string, unknown>> };
    };
    badInterval.spec.podMetricsEndpoints[0]!.interval = 'five seconds';
    expect(schemaErrors(badInterval)).toMatch(/podMetricsEndpoints\/0\/interval must match pattern/);

    const badPort = structuredClone(deployment) as Manifest & {
      spec: { template: { spec: { containers: Array<{ ports: Array<Record<string, unknown>> }> } } };
    };
    badPort.spec.template.spec.containers[0]!.ports[0]!.containerPort = '8000';
    expect(schemaErrors(badPort)).toMatch(/containerPort must be integer/);

    const misspelt = structuredClone(podMonitor) as Manifest & {
      spec: { podMetricsEndpoints: Array<Record<string, unknown>> };
    };
    misspelt.spec.podMetricsEndpoints[0]!.intervall = '5s';
    // The schema alone lets it through, as the API server's OpenAPI does; the typed check does not.
    expect(schemaErrors(misspelt)).toBeUndefined();
    const errors = await unknownFieldErrors([{ name: 'misspelt', manifest: misspelt }]);
    expect(errors).toMatch(/intervall\W+ does not exist in type 'IPodMetricsEndpoint'/);
  }, 60_000);
});
