import { DynotelError, diag } from '@dynotel/core';
import { runOutsideRequests } from '@dynotel/core/internal';
import { type CanaryHandler, type CanaryResult, sendCanary } from './canary.ts';
import { DEFAULT_CHECK_TIMEOUT_MS, ReadinessCheck, type ReadinessCheckFn } from './readiness-check.ts';
import { endpointReady } from './self-metrics.ts';
import { durationOption, invalidArgument, invalidOption, nameArgument } from './validate.ts';

export type HealthStatus = 'ready' | 'notready';

/**
 * Where the process is in its life. `draining`: shutdown has begun, readiness answers 503, requests are
 * still served. `shutting_down`: the drain delay has passed; liveness answers 503 too.
 */
export type LifecyclePhase = 'running' | 'draining' | 'shutting_down';

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

/** The body Dynamo's system server sends on its health route. Keys in serde's sorted order. */
export interface HealthBody {
  /** Only present when readiness checks are registered (a dynotel addition). */
  checks?: Record<string, HealthStatus>;
  endpoints: Record<string, HealthStatus>;
  status: HealthStatus;
  uptime: { nanos: number; secs: number };
}

export interface HealthReport {
  readonly ready: boolean;
  readonly body: HealthBody;
}

export interface ReadinessCheckOptions {
  /** Per-check timeout in ms. Default `readinessCheckTimeoutMs` (800). */
  timeoutMs?: number | undefined;
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
  setPhase(phase: LifecyclePhase): void;
  /** Stops the canary timers (shutdown). The state keeps answering. */
  close(): void;
}

const STATUSES: readonly HealthStatus[] = ['ready', 'notready'];
const PHASE_ORDER: Record<LifecyclePhase, number> = { running: 0, draining: 1, shutting_down: 2 };

class Endpoint implements EndpointHealth {
  readonly name: string;
  status: HealthStatus;
  registered = false;
  canary: { handler: CanaryHandler; payload: Readonly<Record<string, unknown>> } | undefined;
  /** performance.now() of the last successful request or canary end, whichever is later. */
  lastActivity = 0;
  timer: NodeJS.Timeout | undefined;
  readonly #state: State;

  constructor(name: string, status: HealthStatus, state: State) {
    this.name = name;
    this.status = status;
    this.#state = state;
  }

  get isCanaryTarget(): boolean {
    return this.canary !== undefined;
  }

  setReady(ready: boolean): void {
    this.#state.setEndpointStatus(this, ready ? 'ready' : 'notready');
  }

  requestSucceeded(): void {
    this.lastActivity = performance.now();
  }
}

class State implements HealthState {
  phase: LifecyclePhase = 'running';
  processStatus: HealthStatus;
  readonly canaryEnabled: boolean;
  readonly #listed: ReadonlySet<string>;
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #checks = new Map<string, ReadinessCheck>();
  readonly #started = process.hrtime.bigint();
  readonly #waitMs: number;
  readonly #requestTimeoutMs: number;
  readonly #checkTimeoutMs: number;
  readonly #payloadOverride: Readonly<Record<string, unknown>> | undefined;
  readonly #onCanaryResult: ((result: CanaryResult) => void) | undefined;
  #closed = false;

  constructor(options: HealthStateOptions) {
    const starting = options.startingStatus ?? 'notready';
    if (!STATUSES.includes(starting))
      throw invalidOption('startingStatus', starting, "'ready' or 'notready'");
    const listed = options.endpointHealthStatus ?? [];
    if (!Array.isArray(listed) || !listed.every((n) => typeof n === 'string' && n.length > 0)) {
      throw invalidOption('endpointHealthStatus', listed, 'an array of non-empty endpoint names');
    }
    const payload = options.canaryPayload;
    if (payload !== undefined && !isPlainObject(payload)) {
      throw invalidOption('canaryPayload', payload, 'a JSON object (already parsed)');
    }
    this.processStatus = starting;
    this.canaryEnabled = options.canaryEnabled ?? false;
    this.#waitMs = durationOption('canaryWaitMs', options.canaryWaitMs, 10_000, 1);
    this.#requestTimeoutMs = durationOption('canaryTimeoutMs', options.canaryTimeoutMs, 3_000, 1);
    this.#checkTimeoutMs = durationOption(
      'readinessCheckTimeoutMs',
      options.readinessCheckTimeoutMs,
      DEFAULT_CHECK_TIMEOUT_MS,
      1,
    );
    this.#payloadOverride = payload;
    this.#onCanaryResult = options.onCanaryResult;
    this.#listed = new Set(listed);
    // Dynamo (system_health.rs L69-78): listed endpoints start at the starting status, or notready
    // when the canary is on.
    const initial: HealthStatus = this.canaryEnabled ? 'notready' : starting;
    for (const name of this.#listed) {
      const endpoint = new Endpoint(name, initial, this);
      this.#endpoints.set(name, endpoint);
      endpointReady.set({ endpoint: name }, initial === 'ready' ? 1 : 0);
    }
  }

  registerEndpoint(name: string, options: EndpointOptions = {}): EndpointHealth {
    nameArgument('name', name);
    let endpoint = this.#endpoints.get(name);
    if (endpoint?.registered === true) {
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
    if (endpoint === undefined) {
      endpoint = new Endpoint(name, this.canaryEnabled ? 'notready' : this.processStatus, this);
      this.#endpoints.set(name, endpoint);
    }
    endpoint.registered = true;
    endpoint.lastActivity = performance.now();
    if (canary !== undefined) {
      endpoint.canary = { handler: canary.handler, payload: this.#payloadOverride ?? canary.payload ?? {} };
      // A health-check target starts notready (system_health.rs L163-216) ...
      this.setEndpointStatus(endpoint, 'notready');
    }
    // ... and serving makes it ready unless the canary decides (L103-109).
    if (!this.canaryEnabled) this.setEndpointStatus(endpoint, 'ready');
    else if (endpoint.canary !== undefined) this.#schedule(endpoint, this.#waitMs);
    else endpointReady.set({ endpoint: name }, endpoint.status === 'ready' ? 1 : 0);
    return endpoint;
  }

  endpoint(name: string): EndpointHealth | undefined {
    return this.#endpoints.get(name);
  }

  setEndpointReady(name: string, ready: boolean): void {
    nameArgument('name', name);
    let endpoint = this.#endpoints.get(name);
    if (endpoint === undefined) {
      endpoint = new Endpoint(name, 'notready', this);
      this.#endpoints.set(name, endpoint);
    }
    this.setEndpointStatus(endpoint, ready ? 'ready' : 'notready');
  }

  setEndpointStatus(endpoint: Endpoint, status: HealthStatus): void {
    endpoint.status = status;
    endpointReady.set({ endpoint: endpoint.name }, status === 'ready' ? 1 : 0);
  }

  setProcessStatus(status: HealthStatus): void {
    if (!STATUSES.includes(status)) throw invalidArgument('status', status, "'ready' or 'notready'");
    this.processStatus = status;
  }

  addReadinessCheck(name: string, check: ReadinessCheckFn, options: ReadinessCheckOptions = {}): () => void {
    nameArgument('name', name);
    if (typeof check !== 'function')
      throw invalidArgument('check', check, 'a function returning a boolean or a promise');
    if (this.#checks.has(name)) {
      throw new DynotelError(
        'ERR_DYNOTEL_HEALTH_DUPLICATE_NAME',
        `readiness check '${name}' is already registered`,
        {
          details: { check: name },
        },
      );
    }
    const timeoutMs = durationOption('options.timeoutMs', options.timeoutMs, this.#checkTimeoutMs, 1);
    if (timeoutMs >= 1000) {
      diag.once(`dynotel.health.check.${name}.slow-timeout`, {
        level: 'warn',
        target: 'dynotel.health',
        message: 'readiness check timeout is not below the kubelet default probe timeout of 1 s',
        fields: { check: name, timeoutMs },
      });
    }
    const entry = new ReadinessCheck(name, check, timeoutMs);
    this.#checks.set(name, entry);
    return () => {
      if (this.#checks.get(name) === entry) this.#checks.delete(name);
    };
  }

  /** Dynamo's overall rule (system_health.rs L122-161). */
  #baseReady(): boolean {
    if (this.#listed.size > 0) {
      for (const name of this.#listed) if (this.#endpoints.get(name)?.status !== 'ready') return false;
      return true;
    }
    let targets = 0;
    for (const endpoint of this.#endpoints.values()) {
      if (endpoint.canary === undefined) continue;
      targets++;
      if (endpoint.status !== 'ready') return false;
    }
    if (targets > 0) return true;
    return this.processStatus === 'ready';
  }

  readiness(): Promise<HealthReport> {
    const base = this.phase === 'running' && this.#baseReady();
    if (this.#checks.size === 0) return Promise.resolve(this.#report(base, undefined));
    // Checks are skipped (not run) when readiness is already decided, e.g. while draining.
    if (!base) {
      const checks: Record<string, HealthStatus> = {};
      for (const check of this.#checks.values())
        checks[check.name] = check.lastOutcome === 'pass' ? 'ready' : 'notready';
      return Promise.resolve(this.#report(false, checks));
    }
    const entries = [...this.#checks.values()];
    return Promise.all(entries.map((check) => check.run())).then((outcomes) => {
      const checks: Record<string, HealthStatus> = {};
      let allPass = true;
      for (let i = 0; i < entries.length; i++) {
        const pass = outcomes[i] === 'pass';
        if (!pass) allPass = false;
        checks[entries[i]!.name] = pass ? 'ready' : 'notready';
      }
      // The phase may have changed while the checks ran.
      return this.#report(allPass && this.phase === 'running', checks);
    });
  }

  #report(ready: boolean, checks: Record<string, HealthStatus> | undefined): HealthReport {
    const endpoints: Record<string, HealthStatus> = {};
    for (const name of [...this.#endpoints.keys()].sort())
      endpoints[name] = this.#endpoints.get(name)!.status;
    const elapsed = process.hrtime.bigint() - this.#started;
    const uptime = { nanos: Number(elapsed % 1_000_000_000n), secs: Number(elapsed / 1_000_000_000n) };
    const status: HealthStatus = ready ? 'ready' : 'notready';
    const body: HealthBody =
      checks === undefined
        ? { endpoints, status, uptime }
        : { checks: sortKeys(checks), endpoints, status, uptime };
    return { ready, body };
  }

  isLive(): boolean {
    return this.phase !== 'shutting_down';
  }

  setPhase(phase: LifecyclePhase): void {
    // The phase only moves forward: a late 'draining' cannot revive liveness.
    if (!Object.hasOwn(PHASE_ORDER, phase))
      throw invalidArgument('phase', phase, "'running', 'draining' or 'shutting_down'");
    if (PHASE_ORDER[phase] <= PHASE_ORDER[this.phase]) return;
    this.phase = phase;
    this.close();
  }

  close(): void {
    this.#closed = true;
    for (const endpoint of this.#endpoints.values()) clearTimeout(endpoint.timer);
  }

  // Canary scheduling. One timer per target; on firing it checks how long the endpoint has been idle
  // and either sends the canary or sleeps the rest of the wait. The request hot path never touches it.
  #schedule(endpoint: Endpoint, delayMs: number): void {
    if (this.#closed) return;
    clearTimeout(endpoint.timer);
    // Armed outside any request (registerEndpoint may run inside one): canaries are background work.
    endpoint.timer = runOutsideRequests(setTimeout, () => this.#onTimer(endpoint), Math.max(1, delayMs));
    endpoint.timer.unref();
  }

  #onTimer(endpoint: Endpoint): void {
    endpoint.timer = undefined;
    if (this.#closed) return;
    const idleMs = performance.now() - endpoint.lastActivity;
    // 1 ms of slack: timers and performance.now() round differently.
    if (idleMs + 1 < this.#waitMs) {
      this.#schedule(endpoint, this.#waitMs - idleMs);
      return;
    }
    const canary = endpoint.canary;
    if (canary === undefined) return;
    // The next timer is armed only after this canary settles, so a canary never overlaps itself.
    void sendCanary(endpoint.name, canary.handler, canary.payload, this.#requestTimeoutMs).then((result) => {
      if (this.#closed) return;
      this.setEndpointStatus(endpoint, result.outcome === 'success' ? 'ready' : 'notready');
      endpoint.lastActivity = Math.max(endpoint.lastActivity, performance.now());
      this.#notify(result);
      this.#schedule(endpoint, this.#waitMs);
    });
  }

  #notify(result: CanaryResult): void {
    if (this.#onCanaryResult === undefined) return;
    try {
      this.#onCanaryResult(result);
    } catch (error) {
      diag.once('dynotel.health.onCanaryResult', {
        level: 'warn',
        target: 'dynotel.health',
        message: 'onCanaryResult threw; the canary continues (logged once)',
        fields: { error: error instanceof Error ? error.message : String(error) },
      });
    }
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  const sorted: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = record[key]!;
  return sorted;
}

export function createHealthState(options: HealthStateOptions = {}): HealthState {
  return new State(options);
}
