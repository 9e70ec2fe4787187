import type { HealthReport } from './health-body.ts';
import type { LifecyclePhase } from './lifecycle.ts';
import { invalidOption } from './validate.ts';

/**
 * One backend instance a frontend routes to: Dynamo's discovery `Instance`
 * (`lib/runtime/src/component.rs`), as its frontend lists them on `/health`.
 */
export interface FrontendInstance {
  readonly namespace: string;
  readonly component: string;
  readonly endpoint: string;
  /** Dynamo's u64 instance id; printed as a JSON number, exact above 2^53 when given as bigint or decimal text. */
  readonly instanceId: bigint | number | string;
  /** How the frontend reaches it, e.g. `{ http: 'http://worker:9000/generate' }` (`nats_tcp`, `http`, `tcp`). */
  readonly transport: Readonly<Record<string, string>>;
  /** `cpu` or `cuda`; omitted from the body when unset, as Dynamo omits a null device type. */
  readonly deviceType?: string | undefined;
}

/** The instances a frontend-style service reports; the service adds and removes them as it discovers backends. */
export interface FrontendInstances {
  /** Adds or replaces (same namespace, component, endpoint and id) an instance. */
  add(instance: FrontendInstance): void;
  /** Removes an instance; returns whether it was there. */
  remove(instance: Pick<FrontendInstance, 'namespace' | 'component' | 'endpoint' | 'instanceId'>): boolean;
  list(): readonly FrontendInstance[];
}

function keyOf(i: Pick<FrontendInstance, 'namespace' | 'component' | 'endpoint' | 'instanceId'>): string {
  return `${i.namespace}\u0000${i.component}\u0000${i.endpoint}\u0000${String(i.instanceId)}`;
}

function decimalId(id: bigint | number | string): string {
  if (typeof id === 'bigint' && id >= 0n && id < 2n ** 64n) return id.toString();
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return String(id);
  if (typeof id === 'string' && /^\d{1,20}$/.test(id) && BigInt(id) < 2n ** 64n) return BigInt(id).toString();
  throw invalidOption(
    'instanceId',
    String(id),
    'an unsigned 64-bit integer (bigint, safe integer or decimal text)',
  );
}

export function createFrontendInstances(): FrontendInstances {
  const instances = new Map<string, FrontendInstance>();
  return {
    add(instance) {
      decimalId(instance.instanceId);
      for (const field of ['namespace', 'component', 'endpoint'] as const) {
        if (typeof instance[field] !== 'string' || instance[field] === '')
          throw invalidOption(field, instance[field], 'a non-empty string');
      }
      instances.set(keyOf(instance), Object.freeze({ ...instance, transport: { ...instance.transport } }));
    },
    remove: (instance) => instances.delete(keyOf(instance)),
    list: () => [...instances.values()],
  };
}

/** Dynamo's `dyn://namespace.component.endpoint` path of an instance (`lib/runtime/src/protocols.rs`). */
export function endpointPath(
  instance: Pick<FrontendInstance, 'namespace' | 'component' | 'endpoint'>,
): string {
  return `dyn://${instance.namespace}.${instance.component}.${instance.endpoint}`;
}

/** One instance as Dynamo's serde writes it: component, endpoint, namespace, instance_id, transport, device_type. */
function instanceJson(instance: FrontendInstance): string {
  const transport = JSON.stringify(instance.transport);
  const device =
    instance.deviceType === undefined ? '' : `,"device_type":${JSON.stringify(instance.deviceType)}`;
  return `{"component":${JSON.stringify(instance.component)},"endpoint":${JSON.stringify(instance.endpoint)},"namespace":${JSON.stringify(instance.namespace)},"instance_id":${decimalId(instance.instanceId)},"transport":${transport}${device}}`;
}

/**
 * The `/health` body of a frontend-style service (the one serving DYN_HTTP_PORT routes), in the shape of
 * Dynamo's frontend (`lib/llm/src/http/service/health.rs`) so Dynamo's tooling reads it
 * (`tests/utils/payloads.py` `check_health_generate` looks for `generate` in `endpoints` or `instances`):
 *
 * - ready: `200 {"endpoints":["dyn://ns.component.generate",…],"instances":[…],"status":"healthy"}`,
 *   endpoints sorted and de-duplicated: the instances' paths and the service's own served endpoints; dynotel adds `checks` (readiness checks) and `uptime`, which
 *   Dynamo's consumers ignore;
 * - not ready (readiness checks failing, the service's own endpoints not ready, or shutting down):
 *   `503 {"message":"Service is not ready","stage":"<stage>","status":"not_ready"}` as newer Dynamo
 *   frontends answer until they are ready, plus dynotel's `checks` and `endpoints` detail.
 */
export function frontendHealthBody(
  report: HealthReport,
  phase: LifecyclePhase,
  instances: readonly FrontendInstance[],
  ownEndpointPaths: readonly string[] = [],
): string {
  const extras: string[] = [];
  if (report.body.checks !== undefined) extras.push(`"checks":${JSON.stringify(report.body.checks)}`);
  if (!report.ready) {
    const failingCheck = Object.values(report.body.checks ?? {}).includes('notready');
    const stage = phase !== 'running' ? phase : failingCheck ? 'readiness_checks' : 'endpoints';
    const own = `"local_endpoints":${JSON.stringify(report.body.endpoints)}`;
    return `{${[...extras, own].join(',')},"message":"Service is not ready","stage":${JSON.stringify(stage)},"status":"not_ready"}`;
  }
  const paths = [...new Set([...instances.map(endpointPath), ...ownEndpointPaths])].sort();
  const uptime = `"uptime":${JSON.stringify(report.body.uptime)}`;
  return `{${[...extras, `"endpoints":${JSON.stringify(paths)}`, `"instances":[${instances.map(instanceJson).join(',')}]`].join(',')},"status":"healthy",${uptime}}`;
}
