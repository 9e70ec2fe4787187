import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { DynotelError, diag, settlesWithin } from '@dynotel/core';
import type { HealthState } from './health-state.ts';
import { followOpenResponses, type OpenResponses } from './open-responses.ts';
import { durationOption, invalidArgument, invalidOption, nameArgument } from './validate.ts';

export interface ShutdownCoordinatorOptions {
  /** Time between the signal and closing the servers: readiness is 503, requests are still served. Default 5 000. */
  drainDelayMs?: number | undefined;
  /** After the drain, how long in-flight requests may take before their sockets are cut. Default 10 000. */
  inFlightTimeoutMs?: number | undefined;
  /** Timeout of each shutdown hook. Default 5 000. */
  hookTimeoutMs?: number | undefined;
  /** The orchestrator's grace period (Kubernetes terminationGracePeriodSeconds). Default 30 000. */
  gracePeriodMs?: number | undefined;
  /** Calls process.exit(exitCode) when the sequence ends. Default false. */
  exitOnComplete?: boolean | undefined;
  /** Signals `install()` listens to. Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[] | undefined;
  /** The health state to flip: readiness 503 at once, liveness 503 once the drain delay has passed. */
  health?: HealthState | undefined;
}

export type ShutdownPhase = 'running' | 'draining' | 'shutting_down' | 'stopped';

export type ShutdownHook = () => unknown;

export interface HookResult {
  readonly name: string;
  readonly outcome: 'ok' | 'error' | 'timeout';
  readonly durationMs: number;
}

export interface ShutdownResult {
  readonly reason: string;
  /**
   * 0: every in-flight request completed and every hook finished in time.
   * 1: a hook threw, rejected or timed out, or in-flight requests had to be cut.
   */
  readonly exitCode: 0 | 1;
  readonly durationMs: number;
  readonly hooks: readonly HookResult[];
  /** Requests still open when inFlightTimeoutMs ran out (their sockets were destroyed). */
  readonly abandonedRequests: number;
}

export interface ShutdownCoordinator {
  readonly phase: ShutdownPhase;
  readonly isShuttingDown: boolean;
  /** In-flight requests on the tracked servers. */
  readonly inFlight: number;
  /** Adds a hook (flush spans, flush logs, close a pool). Hooks run in the order added, each with its timeout. */
  addHook(name: string, hook: ShutdownHook): void;
  /** Tracks a server: counts in-flight requests, sends `Connection: close` once shutdown began, closes it after the drain. */
  trackServer(server: HttpServer): void;
  /** Runs the sequence once; later calls (a second signal) return the same promise. */
  shutdown(reason?: string): Promise<ShutdownResult>;
  /** Listens to the signals; on one, runs the sequence and sets process.exitCode. Returns an uninstaller. */
  install(): () => void;
}

interface Tracked {
  readonly server: HttpServer;
  readonly open: OpenResponses;
}

class Coordinator implements ShutdownCoordinator {
  phase: ShutdownPhase = 'running';
  readonly #drainDelayMs: number;
  readonly #inFlightTimeoutMs: number;
  readonly #hookTimeoutMs: number;
  readonly #gracePeriodMs: number;
  readonly #exitOnComplete: boolean;
  readonly #signals: readonly NodeJS.Signals[];
  readonly #health: HealthState | undefined;
  readonly #hooks: { name: string; hook: ShutdownHook }[] = [];
  readonly #servers: Tracked[] = [];
  #result: Promise<ShutdownResult> | undefined;
  #idleWaiters: (() => void)[] = [];
  /** Responses whose 'close' the shutdown listens to (only once it has begun). */
  readonly #watched = new WeakSet<ServerResponse>();
  #uninstall: (() => void) | undefined;

  constructor(options: ShutdownCoordinatorOptions) {
    this.#drainDelayMs = durationOption('drainDelayMs', options.drainDelayMs, 5_000);
    this.#inFlightTimeoutMs = durationOption('inFlightTimeoutMs', options.inFlightTimeoutMs, 10_000);
    this.#hookTimeoutMs = durationOption('hookTimeoutMs', options.hookTimeoutMs, 5_000, 1);
    this.#gracePeriodMs = durationOption('gracePeriodMs', options.gracePeriodMs, 30_000, 1);
    this.#exitOnComplete = options.exitOnComplete ?? false;
    const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
    if (!Array.isArray(signals) || !signals.every((s) => typeof s === 'string' && s.startsWith('SIG'))) {
      throw invalidOption('signals', signals, "an array of signal names such as 'SIGTERM'");
    }
    this.#signals = signals;
    this.#health = options.health;
    this.#checkBudget();
  }

  get isShuttingDown(): boolean {
    return this.phase !== 'running';
  }

  get inFlight(): number {
    let open = 0;
    for (const tracked of this.#servers) open += tracked.open.list().length;
    return open;
  }

  /** Worst case of the sequence; warns (once per size) when it exceeds the grace period. */
  #checkBudget(): void {
    const hooks = Math.max(1, this.#hooks.length);
    const worst = this.#drainDelayMs + this.#inFlightTimeoutMs + hooks * this.#hookTimeoutMs;
    if (worst <= this.#gracePeriodMs) return;
    diag.once(`dynotel.health.shutdown.budget.${hooks}`, {
      level: 'warn',
      target: 'dynotel.health',
      message:
        'shutdown budget exceeds the termination grace period: the process can be killed before its hooks run',
      fields: {
        drainDelayMs: this.#drainDelayMs,
        inFlightTimeoutMs: this.#inFlightTimeoutMs,
        hookTimeoutMs: this.#hookTimeoutMs,
        hooks,
        worstCaseMs: worst,
        gracePeriodMs: this.#gracePeriodMs,
      },
    });
  }

  addHook(name: string, hook: ShutdownHook): void {
    nameArgument('name', name);
    if (typeof hook !== 'function') throw invalidArgument('hook', hook, 'a function');
    if (this.#hooks.some((h) => h.name === name)) {
      throw new DynotelError(
        'ERR_DYNOTEL_HEALTH_DUPLICATE_NAME',
        `shutdown hook '${name}' is already registered`,
        {
          details: { hook: name },
        },
      );
    }
    this.#hooks.push({ name, hook });
    this.#checkBudget();
  }

  trackServer(server: HttpServer): void {
    if (server === null || typeof server !== 'object' || typeof server.closeIdleConnections !== 'function') {
      throw invalidArgument('server', server, 'a node:http or node:https Server');
    }
    if (this.#servers.some((t) => t.server === server)) return;
    // Nothing per request while running: the open responses are read from node:http when needed.
    const tracked: Tracked = { server, open: followOpenResponses(server) };
    this.#servers.push(tracked);
    if (this.phase !== 'running') this.#drain(tracked);
  }

  /**
   * From the start of the shutdown: every response not yet started, and every request still to come on
   * an open connection, gets `Connection: close`; every open response is watched until it closes.
   */
  #drain(tracked: Tracked): void {
    for (const res of tracked.open.list()) {
      if (!res.headersSent) res.setHeader('connection', 'close');
      this.#watch(res);
    }
    // Prepended so the header is set before the application's handler can write.
    tracked.server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('connection', 'close');
      this.#watch(res);
    });
  }

  #watch(res: ServerResponse): void {
    if (this.#watched.has(res)) return;
    this.#watched.add(res);
    res.on('close', this.#onWatchedClose);
  }

  /** Only responses of a shutdown in progress are watched, so this runs only during one. */
  readonly #onWatchedClose = (): void => {
    let open = 0;
    for (const tracked of this.#servers) {
      // A keep-alive connection whose response just closed is idle now: close it.
      tracked.server.closeIdleConnections();
      // A pipelined request's response gets the connection only after the one before it finished.
      const responses = tracked.open.list();
      for (const res of responses) this.#watch(res);
      open += responses.length;
    }
    if (open === 0) this.#wakeIdleWaiters();
  };

  #wakeIdleWaiters(): void {
    if (this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  shutdown(reason = 'shutdown()'): Promise<ShutdownResult> {
    this.#result ??= this.#run(reason);
    return this.#result;
  }

  async #run(reason: string): Promise<ShutdownResult> {
    const started = performance.now();
    // 1. Readiness flips synchronously, before anything awaits.
    this.phase = 'draining';
    this.#health?.setPhase('draining');
    for (const tracked of this.#servers) this.#drain(tracked);
    diag.info('dynotel.health', 'shutdown started: readiness is notready, draining', {
      reason,
      drainDelayMs: this.#drainDelayMs,
    });

    // 2. Keep serving while load balancers notice (Kubernetes removes endpoints asynchronously).
    if (this.#drainDelayMs > 0) await delay(this.#drainDelayMs);

    // 3. Stop accepting, reap idle keep-alive sockets, let in-flight requests finish.
    this.phase = 'shutting_down';
    this.#health?.setPhase('shutting_down');
    for (const { server } of this.#servers) {
      server.close();
      server.closeIdleConnections();
    }
    const abandonedRequests = await this.#waitForInFlight();

    // 4. Hooks, in order, each bounded; one failing or hanging does not stop the next.
    const hooks: HookResult[] = [];
    for (const { name, hook } of this.#hooks) hooks.push(await this.#runHook(name, hook));

    this.phase = 'stopped';
    const failed = abandonedRequests > 0 || hooks.some((h) => h.outcome !== 'ok');
    const result: ShutdownResult = {
      reason,
      exitCode: failed ? 1 : 0,
      durationMs: performance.now() - started,
      hooks,
      abandonedRequests,
    };
    diag.info('dynotel.health', 'shutdown complete', {
      exitCode: result.exitCode,
      durationMs: Math.round(result.durationMs),
      abandonedRequests,
    });
    if (this.#exitOnComplete) process.exit(result.exitCode);
    return result;
  }

  async #waitForInFlight(): Promise<number> {
    if (this.inFlight === 0) return 0;
    const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    if (await settlesWithin(idle, this.#inFlightTimeoutMs)) return 0;
    const abandoned = this.inFlight;
    diag.warn('dynotel.health', 'in-flight requests did not finish in time; closing their connections', {
      abandoned,
      inFlightTimeoutMs: this.#inFlightTimeoutMs,
    });
    for (const { server } of this.#servers) server.closeAllConnections();
    return abandoned;
  }

  async #runHook(name: string, hook: ShutdownHook): Promise<HookResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let outcome: HookResult['outcome'];
    try {
      outcome = await Promise.race([
        Promise.resolve()
          .then(hook)
          .then(() => 'ok' as const),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), this.#hookTimeoutMs);
        }),
      ]);
    } catch (error) {
      outcome = 'error';
      diag.warn('dynotel.health', `shutdown hook '${name}' failed`, {
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      clearTimeout(timer);
    }
    if (outcome === 'timeout') {
      diag.warn('dynotel.health', `shutdown hook '${name}' timed out`, {
        hookTimeoutMs: this.#hookTimeoutMs,
      });
    }
    return { name, outcome, durationMs: performance.now() - started };
  }

  install(): () => void {
    // Idempotent: a second install() must not make one signal count twice.
    if (this.#uninstall !== undefined) return this.#uninstall;
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.#result !== undefined) {
        diag.info('dynotel.health', `${signal} received during shutdown; the sequence is already running`);
        return;
      }
      void this.shutdown(signal).then((result) => {
        process.exitCode = result.exitCode;
      });
    };
    for (const signal of this.#signals) process.on(signal, onSignal);
    const uninstall = () => {
      for (const signal of this.#signals) process.off(signal, onSignal);
      if (this.#uninstall === uninstall) this.#uninstall = undefined;
    };
    this.#uninstall = uninstall;
    return uninstall;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Creates the graceful-shutdown coordinator. It never calls process.exit unless `exitOnComplete` is set;
 * installed on signals it sets `process.exitCode` (0 clean, 1 when a hook failed or requests were cut)
 * and lets the event loop empty.
 */
export function createShutdownCoordinator(options: ShutdownCoordinatorOptions = {}): ShutdownCoordinator {
  return new Coordinator(options);
}
