import { UNKNOWN_RESOURCE_STATUS } from '@dynotel/metrics';
import type { Telemetry } from '../telemetry.ts';
import { type OperatorDeps, operatorDeps } from './operator-deps.ts';
import { requireResourceType } from './options.ts';

/** The parts of a Kubernetes object the inventory reads. */
export interface InventoryObject {
  readonly metadata?: { readonly uid?: string; readonly name?: string; readonly namespace?: string };
  readonly status?: unknown;
}

/** One event of a Kubernetes watch (`?watch=1`, one JSON object per line). */
export interface WatchEvent<T extends InventoryObject = InventoryObject> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | (string & {});
  readonly object: T;
}

export interface ResourceInventoryOptions<T extends InventoryObject> {
  /** The `resource_type` label: the resource's Kubernetes kind. */
  readonly resourceType: string;
  /** Default: the handle `init()` returns. */
  readonly telemetry?: Telemetry;
  /**
   * The `status` label of an object. Default: `.status.state` as Dynamo's resource counter reads it, and
   * `unknown` when that is missing or empty.
   */
  readonly statusOf?: (object: T) => string | undefined;
}

interface Entry {
  readonly namespace: string;
  readonly status: string;
}

function defaultStatus(object: InventoryObject): string | undefined {
  const state = (object.status as { state?: unknown } | undefined)?.state;
  return typeof state === 'string' ? state : undefined;
}

/**
 * Keeps `dynamo_operator_resources_total{resource_type,namespace,status}` equal to the objects a
 * controller sees: `replace()` with a list response, `apply()` with each watch event. Dynamo's operator
 * recounts its cache every 30 s and leaves a namespace/status that no longer has objects at its last
 * count; here every change updates the gauges at once and an emptied namespace/status goes to 0.
 */
export class ResourceInventory<T extends InventoryObject = InventoryObject> {
  readonly #resourceType: string;
  readonly #deps: OperatorDeps;
  readonly #statusOf: (object: T) => string | undefined;
  readonly #objects = new Map<string, Entry>();
  /** `namespace\0status` → count, including cells at 0 (so their gauge is kept at 0, not left stale). */
  readonly #counts = new Map<string, number>();

  constructor(options: ResourceInventoryOptions<T>) {
    this.#resourceType = requireResourceType('ResourceInventory', options?.resourceType);
    this.#deps = operatorDeps(options.telemetry);
    this.#statusOf = options.statusOf ?? defaultStatus;
  }

  /** Replaces everything with the items of a list response (the start of a list+watch, or a relist). */
  replace(objects: Iterable<T>): void {
    const previous = [...this.#objects.entries()];
    this.#objects.clear();
    for (const [, entry] of previous) this.#add(entry, -1);
    for (const object of objects) this.#put(object);
    this.#flush();
  }

  /** Applies one watch event; BOOKMARK and ERROR events change nothing. Returns whether it counted. */
  apply(event: WatchEvent<T>): boolean {
    if (event.type === 'ADDED' || event.type === 'MODIFIED') this.#put(event.object);
    else if (event.type === 'DELETED') this.#delete(event.object);
    else return false;
    this.#flush();
    return true;
  }

  /** The current counts, for tests and status pages. */
  counts(): Array<{ namespace: string; status: string; count: number }> {
    return [...this.#counts.entries()]
      .filter(([, count]) => count > 0)
      .map(([key, count]) => {
        const [namespace, status] = key.split('\u0000') as [string, string];
        return { namespace, status, count };
      });
  }

  #keyOf(object: T): string | undefined {
    const meta = object.metadata;
    if (meta === undefined) return undefined;
    return meta.uid ?? (meta.name === undefined ? undefined : `${meta.namespace ?? ''}/${meta.name}`);
  }

  #put(object: T): void {
    const key = this.#keyOf(object);
    if (key === undefined) return;
    const status = this.#statusOf(object);
    const entry: Entry = {
      namespace: object.metadata?.namespace ?? '',
      status: status === undefined || status === '' ? UNKNOWN_RESOURCE_STATUS : status,
    };
    const old = this.#objects.get(key);
    if (old !== undefined) this.#add(old, -1);
    this.#objects.set(key, entry);
    this.#add(entry, 1);
  }

  #delete(object: T): void {
    const key = this.#keyOf(object);
    const old = key === undefined ? undefined : this.#objects.get(key);
    if (old === undefined) return;
    this.#objects.delete(key!);
    this.#add(old, -1);
  }

  #add(entry: Entry, delta: number): void {
    const key = `${entry.namespace}\u0000${entry.status}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + delta);
  }

  #flush(): void {
    for (const [key, count] of this.#counts) {
      const [namespace, status] = key.split('\u0000') as [string, string];
      this.#deps.metrics.setResourceCount(this.#resourceType, namespace, status, count);
    }
  }
}
