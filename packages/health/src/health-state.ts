import { configDefaults, DynotelError, type HealthStatus } from '@dynotel/core';
import type { CanaryResult } from './canary.ts';
import { CanaryScheduler } from './canary-scheduler.ts';
import { type EndpointHealth, type EndpointOptions, EndpointRegistry } from './endpoint-registry.ts';
import { type HealthReport, healthReport } from './health-body.ts';
import { checkPhase, isAhead, isLivePhase, type LifecyclePhase } from './lifecycle.ts';
import { DEFAULT_CHECK_TIMEOUT_MS, type ReadinessCheckFn } from './readiness-check.ts';
import { type ReadinessCheckOptions, ReadinessChecks } from './readiness-checks.ts';
import { endpointsReady } from './readiness-rules.ts';
import { durationOption, invalidArgument, invalidOption, nameArgument } from './validate.ts';

// The health state composes the concerns of the files it imports (endpoint registry, readiness rules,
// readiness checks, canary scheduler, response body, lifecycle phase); none of them imports it back.

export type { HealthStatus } from '@dynotel/core';

/** Defaults are core's (the env table's), for a state made without init(); init() passes them all. */
export interface HealthStateOptions {
  /** DYN_SYSTEM_STARTING_HEALTH_STATUS: the process-wide status before anyone sets it. Default `notready`. */
  startingStatus?: HealthStatus | undefined;
  /** DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: endpoints that must all be ready. Default `[]`. */
  endpointHealthStatus?: readonly string[] | undefined;
  /** DYN_HEALTH_CHECK_ENABLED: turns the canary on. Default `false`. */
  canaryEnabled?: boolean | undefined;
  /** DYN_CANARY_WAIT_TIME in ms: idle time before a canary, and the period while idle. Default 10 000. */
  canaryWaitMs?: number | undefined;
  /** DYN_HEALTH_CHECK_REQUEST_TIMEOUT in ms: timeout of one canary. Default 3 000. */
  canaryTimeoutMs?: number | undefined;
  /** DYN_HEALTH_CHECK_PAYLOAD, already parsed: replaces every endpoint's own canary payload. */
  canaryPayload?: Readonly<Record<string, unknown>> | undefined;
  /** Default timeout of readiness checks in ms (below the kubelet's 1 s). Default 800. */
  readinessCheckTimeoutMs?: number | undefined;
  /** Called after every canary (feeds a duration histogram). Exceptions are caught. */
  onCanaryResult?: ((result: CanaryResult) => void) | undefined;
}

/**
 * The readiness and liveness state behind `/health` and `/live`: the lifecycle phase, the process
 * status, each registered endpoint (with its canary) and the readiness checks.
 *
 * @example
 * ```ts
 * import { createHealthState } from '@dynotel/health';
 *
 * const health = createHealthState({ endpointHealthStatus: ['generate'] });
 * health.registerEndpoint('generate'); // no canary: ready as registered
 * health.setProcessStatus('ready'); // dynotel does this once the service listens
 * health.addReadinessCheck('db', async () => {}, { timeoutMs: 500 });
 * const report = await health.readiness();
 * console.log(report.ready, JSON.stringify(report.body)); // true {"checks":{"db":"ready"},"endpoints":{"generate":"ready"},…}
 * health.close();
 * ```
 */
export interface HealthState {
  readonly phase: LifecyclePhase;
  readonly processStatus: HealthStatus;
  readonly canaryEnabled: boolean;
  /**
   * Registers an endpoint that has started serving. Without the canary it becomes ready; with the
   * canary on, a canary target starts notready and its canary decides; other endpoints keep their status.
   */
  registerEndpoint(name: string, options?: EndpointOptions): EndpointHealth;
  endpoint(name: string): EndpointHealth | undefined;
  setEndpointReady(name: string, ready: boolean): void;
  setProcessStatus(status: HealthStatus): void;
  /** Adds a dependency check to readiness; returns a function that removes it. */
  addReadinessCheck(name: string, check: ReadinessCheckFn, options?: ReadinessCheckOptions): () => void;
  /** Readiness per Dynamo's rules, the readiness checks and the lifecycle phase. */
  readiness(): Promise<HealthReport>;
  /** Liveness: true until the phase is `shutting_down`. Canary and checks never affect it. */
  isLive(): boolean;
  /** Moves the phase forward (a phase not ahead of the current one is ignored); stops the canary. */
  setPhase(phase: LifecyclePhase): void;
  /** Stops the canary timers (shutdown). The state keeps answering. */
  close(): void;
}

const STATUSES: readonly HealthStatus[] = ['ready', 'notready'];

class State implements HealthState {
  phase: LifecyclePhase = 'running';
  processStatus: HealthStatus;
  readonly canaryEnabled: boolean;
  readonly #endpoints: EndpointRegistry;
  readonly #checks: ReadinessChecks;
  readonly #canaries: CanaryScheduler;
  readonly #started = process.hrtime.bigint();
  readonly #payloadOverride: Readonly<Record<string, unknown>> | undefined;

  constructor(options: HealthStateOptions) {
    const defaults = configDefaults().health;
    const starting = options.startingStatus ?? defaults.startingStatus;
    if (!STATUSES.includes(starting))
      throw invalidOption('startingStatus', starting, "'ready' or 'notready'");
    const listed = options.endpointHealthStatus ?? defaults.endpointHealthStatus;
    if (!Array.isArray(listed) || !listed.every((n) => typeof n === 'string' && n.length > 0)) {
      throw invalidOption('endpointHealthStatus', listed, 'an array of non-empty endpoint names');
    }
    const payload = options.canaryPayload;
    if (payload !== undefined && !isPlainObject(payload)) {
      throw invalidOption('canaryPayload', payload, 'a JSON object (already parsed)');
    }
    this.processStatus = starting;
    this.canaryEnabled = options.canaryEnabled ?? defaults.canaryEnabled;
    this.#canaries = new CanaryScheduler({
      waitMs: durationOption('canaryWaitMs', options.canaryWaitMs, defaults.canaryWaitMs, 1),
      requestTimeoutMs: durationOption(
        'canaryTimeoutMs',
        options.canaryTimeoutMs,
        defaults.canaryTimeoutMs,
        1,
      ),
      onResult: options.onCanaryResult,
    });
    this.#checks = new ReadinessChecks(
      durationOption('readinessCheckTimeoutMs', options.readinessCheckTimeoutMs, DEFAULT_CHECK_TIMEOUT_MS, 1),
    );
    this.#payloadOverride = payload;
    // Dynamo (system_health.rs L69-78): listed endpoints start at the starting status, or notready
    // when the canary is on.
    this.#endpoints = new EndpointRegistry(listed, this.canaryEnabled ? 'notready' : starting);
  }

  registerEndpoint(name: string, options: EndpointOptions = {}): EndpointHealth {
    nameArgument('name', name);
    const existing = this.#endpoints.get(name);
    if (existing?.registered === true) {
      throw new DynotelError(
        'ERR_DYNOTEL_HEALTH_DUPLICATE_NAME',
        `endpoint '${name}' is already registered`,
        {
          details: { endpoint: name },
        },
      );
    }
    const canary = options.canary;
    if (canary !== undefined && typeof canary.handler !== 'function') {
      if (this.canaryEnabled) {
        throw new DynotelError(
          'ERR_DYNOTEL_HEALTH_CANARY_NO_HANDLER',
          `Endpoint '${name}' has a canary payload and the canary is enabled, but no handler was given (options.canary.handler)`,
          { details: { endpoint: name } },
        );
      }
      throw invalidArgument(
        'options.canary.handler',
        canary.handler,
        'a function (payload, { signal }) => unknown',
      );
    }
    if (canary?.payload !== undefined && !isPlainObject(canary.payload)) {
      throw invalidArgument('options.canary.payload', canary.payload, 'a JSON object');
    }
    const endpoint = this.#endpoints.getOrCreate(name, this.canaryEnabled ? 'notready' : this.processStatus);
    endpoint.registered = true;
    endpoint.lastActivity = performance.now();
    if (canary !== undefined) {
      endpoint.canary = { handler: canary.handler, payload: this.#payloadOverride ?? canary.payload ?? {} };
      // A health-check target starts notready (system_health.rs L163-216) ...
      endpoint.setStatus('notready');
    }
    // ... and serving makes it ready unless the canary decides (L103-109).
    if (!this.canaryEnabled) endpoint.setStatus('ready');
    else if (endpoint.canary !== undefined) this.#canaries.start(endpoint);
    else endpoint.publishStatus();
    return endpoint;
  }

  endpoint(name: string): EndpointHealth | undefined {
    return this.#endpoints.get(name);
  }

  setEndpointReady(name: string, ready: boolean): void {
    nameArgument('name', name);
    this.#endpoints.getOrCreate(name, 'notready').setReady(ready);
  }

  setProcessStatus(status: HealthStatus): void {
    if (!STATUSES.includes(status)) throw invalidArgument('status', status, "'ready' or 'notready'");
    this.processStatus = status;
  }

  addReadinessCheck(name: string, check: ReadinessCheckFn, options: ReadinessCheckOptions = {}): () => void {
    return this.#checks.add(name, check, options);
  }

  readiness(): Promise<HealthReport> {
    const base = this.phase === 'running' && endpointsReady(this.#endpoints, this.processStatus);
    if (this.#checks.size === 0) return Promise.resolve(this.#report(base, undefined));
    // Checks are skipped (not run) when readiness is already decided, e.g. while draining.
    if (!base) return Promise.resolve(this.#report(false, this.#checks.lastOutcomes()));
    return this.#checks.run().then(({ allPass, checks }) =>
      // The phase may have changed while the checks ran.
      this.#report(allPass && this.phase === 'running', checks),
    );
  }

  #report(ready: boolean, checks: HealthReport['body']['checks']): HealthReport {
    return healthReport(ready, this.#endpoints.statuses(), checks, this.#started);
  }

  isLive(): boolean {
    return isLivePhase(this.phase);
  }

  setPhase(phase: LifecyclePhase): void {
    checkPhase(phase);
    // The phase only moves forward: a late 'draining' cannot revive liveness.
    if (!isAhead(this.phase, phase)) return;
    this.phase = phase;
    this.close();
  }

  close(): void {
    this.#canaries.close(this.#endpoints.values());
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function createHealthState(options: HealthStateOptions = {}): HealthState {
  return new State(options);
}
