import type { HealthStatus } from '@dynotel/core';
import type { CanaryHandler } from './canary.ts';
import { endpointReady } from './self-metrics.ts';

export interface EndpointOptions {
  /** Makes the endpoint a canary target: while it is idle, the payload is sent to the handler. */
  canary?: {
    handler: CanaryHandler;
    /** The endpoint's default payload; `canaryPayload` replaces it. Default `{}`. */
    payload?: Readonly<Record<string, unknown>>;
  };
}

/** The handle of one registered endpoint. */
export interface EndpointHealth {
  readonly name: string;
  readonly status: HealthStatus;
  /** Whether a canary checks this endpoint. */
  readonly isCanaryTarget: boolean;
  setReady(ready: boolean): void;
  /**
   * A request on this endpoint finished successfully: resets the canary idle time. Hot path: one
   * timestamp write, no timer is touched.
   */
  requestSucceeded(): void;
}

/** What a canary target sends: its handler and the payload in force (the override or its own). */
export interface EndpointCanary {
  readonly handler: CanaryHandler;
  readonly payload: Readonly<Record<string, unknown>>;
}

/**
 * One endpoint: its status (mirrored in the `dynotel_endpoint_ready` self-metric), whether it has been
 * registered as serving, and the canary's bookkeeping. It knows nothing of the state around it.
 */
export class Endpoint implements EndpointHealth {
  readonly name: string;
  status: HealthStatus;
  registered = false;
  canary: EndpointCanary | undefined;
  /** performance.now() of the last successful request or canary end, whichever is later. */
  lastActivity = 0;
  /** The canary timer of this endpoint (owned by the canary scheduler). */
  timer: NodeJS.Timeout | undefined;

  constructor(name: string, status: HealthStatus) {
    this.name = name;
    this.status = status;
  }

  get isCanaryTarget(): boolean {
    return this.canary !== undefined;
  }

  setReady(ready: boolean): void {
    this.setStatus(ready ? 'ready' : 'notready');
  }

  setStatus(status: HealthStatus): void {
    this.status = status;
    endpointReady.set({ endpoint: this.name }, status === 'ready' ? 1 : 0);
  }

  /** Publishes the current status to the self-metric without changing it. */
  publishStatus(): void {
    endpointReady.set({ endpoint: this.name }, this.status === 'ready' ? 1 : 0);
  }

  requestSucceeded(): void {
    this.lastActivity = performance.now();
  }
}

/**
 * The endpoints by name, and which of them DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS lists. Listed endpoints
 * exist from the start (at `initial`), before anything registers them.
 */
export class EndpointRegistry {
  readonly listed: ReadonlySet<string>;
  readonly #endpoints = new Map<string, Endpoint>();

  constructor(listed: readonly string[], initial: HealthStatus) {
    this.listed = new Set(listed);
    for (const name of this.listed) {
      const endpoint = new Endpoint(name, initial);
      this.#endpoints.set(name, endpoint);
      endpoint.publishStatus();
    }
  }

  get(name: string): Endpoint | undefined {
    return this.#endpoints.get(name);
  }

  /** The endpoint of that name, created at `status` when it does not exist yet. */
  getOrCreate(name: string, status: HealthStatus): Endpoint {
    let endpoint = this.#endpoints.get(name);
    if (endpoint === undefined) {
      endpoint = new Endpoint(name, status);
      this.#endpoints.set(name, endpoint);
    }
    return endpoint;
  }

  values(): IterableIterator<Endpoint> {
    return this.#endpoints.values();
  }

  /** Every endpoint's status, by name in sorted order (the order of the health body). */
  statuses(): Record<string, HealthStatus> {
    const statuses: Record<string, HealthStatus> = {};
    for (const name of [...this.#endpoints.keys()].sort()) statuses[name] = this.#endpoints.get(name)!.status;
    return statuses;
  }
}
