/**
 * The DynamoModel controller: list + watch the resource, keep the inventory gauges from what it sees,
 * and reconcile each changed object. The reconcile moves `.status.state` from nothing to `pending`
 * (and asks to be requeued, as a controller waiting for pods would) and then to `ready`, or to `failed`
 * when the spec has no base model. Every reconcile is recorded with Dynamo's operator metrics, traced
 * and logged by `observeReconcile`; API errors (404, 409, 422, …) are thrown and retried with backoff.
 */
import type { Telemetry } from 'dynotel';
import { observeReconcile, ResourceInventory } from 'dynotel/kubernetes';
import type { KubeClient, KubeObject, ResourcePath } from './kube-client.ts';
import { WorkQueue } from './work-queue.ts';

export const DYNAMO_MODELS: ResourcePath = {
  group: 'nvidia.com',
  version: 'v1alpha1',
  plural: 'dynamomodels',
};
export const RESOURCE_TYPE = 'DynamoModel';

export type DynamoModel = KubeObject<{ baseModelName?: string; replicas?: number }, { state?: string }>;

export interface ControllerOptions {
  readonly telemetry: Telemetry;
  readonly client: KubeClient;
  /** Requeue delay while a model is pending. */
  readonly pendingRequeueMs?: number;
  /** Delay before a list + watch starts again after the watch ended or failed. */
  readonly rewatchDelayMs?: number;
}

export class DynamoModelController {
  readonly #client: KubeClient;
  readonly #logger: Telemetry['logger'];
  readonly #inventory: ResourceInventory<DynamoModel>;
  readonly #queue: WorkQueue;
  readonly #pendingRequeueMs: number;
  readonly #rewatchDelayMs: number;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(options: ControllerOptions) {
    const { telemetry, client } = options;
    this.#client = client;
    this.#logger = telemetry.logger.child({ target: 'controller' });
    this.#pendingRequeueMs = options.pendingRequeueMs ?? 200;
    this.#rewatchDelayMs = options.rewatchDelayMs ?? 500;
    this.#inventory = new ResourceInventory<DynamoModel>({ telemetry, resourceType: RESOURCE_TYPE });
    const reconcile = observeReconcile({ telemetry, resourceType: RESOURCE_TYPE }, (request) =>
      this.#reconcile(request.namespace, request.name),
    );
    this.#queue = new WorkQueue((key) => {
      const [namespace, name] = key.split('/') as [string, string];
      return reconcile({ namespace, name });
    });
  }

  /** Starts the list + watch loop (runs until stop()). */
  start(): void {
    this.#loop ??= this.#listAndWatch();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#queue.stop();
    await this.#loop;
  }

  async #listAndWatch(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const list = await this.#client.list<DynamoModel>(DYNAMO_MODELS);
        this.#inventory.replace(list.items);
        for (const item of list.items) this.#enqueue(item);
        this.#logger.info(
          { items: list.items.length, resource_version: list.metadata.resourceVersion },
          'listed',
        );
        let resourceVersion = list.metadata.resourceVersion;
        for await (const event of this.#client.watch<DynamoModel>(DYNAMO_MODELS, resourceVersion, signal)) {
          if (event.type === 'ERROR') break; // e.g. 410 Gone: relist.
          resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
          if (this.#inventory.apply(event) && event.type !== 'DELETED') this.#enqueue(event.object);
        }
      } catch (error) {
        if (signal.aborted) return;
        this.#logger.warn({ error: (error as Error).message }, 'list/watch failed; starting again');
      }
      await new Promise((resolve) => setTimeout(resolve, this.#rewatchDelayMs));
    }
  }

  #enqueue(object: DynamoModel): void {
    this.#queue.add(`${object.metadata.namespace}/${object.metadata.name}`);
  }

  async #reconcile(namespace: string, name: string) {
    const model = await this.#client.get<DynamoModel>(DYNAMO_MODELS, namespace, name);
    const state = model.status?.state;
    const desired = model.spec?.baseModelName ? (state === undefined ? 'pending' : 'ready') : 'failed';
    if (state === desired) return undefined;
    this.#logger.info({ from: state ?? 'none', to: desired }, 'updating model state');
    await this.#client.replaceStatus(DYNAMO_MODELS, {
      ...model,
      status: { ...model.status, state: desired },
    });
    return desired === 'pending' ? { requeueAfterMs: this.#pendingRequeueMs } : undefined;
  }
}
