import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@dynotel/core';
import { settlesWithin } from '@dynotel/core/internal';
import type { HealthState } from './health-state.ts';
import type { LifecyclePhase } from './lifecycle.ts';
import { followOpenResponses, type OpenResponses } from './open-responses.ts';
import {
  type HookResult,
  type ShutdownHook,
  type ShutdownHookOptions,
  ShutdownHooks,
} from './shutdown-hooks.ts';
import { installSignalHandling } from './shutdown-signals.ts';
import { durationOption, invalidArgument, invalidOption } from './validate.ts';

export interface ShutdownCoordinatorOptions {
  /**
   * Time between the signal and closing the servers: readiness is 503, requests are still served, each
   * response with `Connection: close`, and idle keep-alive connections stay open. Default 5 000.
   */
  drainDelayMs?: number | undefined;
  /** After the drain, how long in-flight requests may take before their sockets are cut. Default 10 000. */
  inFlightTimeoutMs?: number | undefined;
  /** Default timeout of each shutdown hook. Default 5 000. */
  hookTimeoutMs?: number | undefined;
  /**
   * The orchestrator's grace period (Kubernetes terminationGracePeriodSeconds). Default 30 000. The hooks
   * end before it (each is shortened so the ones after it still get their timeout).
   */
  gracePeriodMs?: number | undefined;
  /**
   * After a sequence that a signal of `install()` started: exit with its code, unless the application
   * listens to that signal too (then its listener owns the exit; see `install()`). `shutdown()` called
   * in code never exits. Default false.
   */
  exitAfterSignal?: boolean | undefined;
  /** Signals `install()` listens to. Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[] | undefined;
  /** The health state to flip: readiness 503 at once, liveness 503 once the drain delay has passed. */
  health?: HealthState | undefined;
}

/** The coordinator's phase: the one lifecycle phase type it shares with the health state it moves. */
export type ShutdownPhase = LifecyclePhase;

export type { HookResult, ShutdownHook, ShutdownHookOptions } from './shutdown-hooks.ts';

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
  /** True when the drain delay was cut short (a second SIGINT, or `endDrain()`). */
  readonly drainEndedEarly: boolean;
}

export interface ShutdownCoordinator {
  /** Mirrored into the health state given as `health` at every step. */
  readonly phase: LifecyclePhase;
  readonly isShuttingDown: boolean;
  /** In-flight requests on the tracked servers. */
  readonly inFlight: number;
  /**
   * Adds a hook (close a pool, flush spans, flush logs). Hooks run after the drain and the in-flight
   * wait, by ascending `order` (default 0), then in the order added, each bounded by its `timeoutMs`
   * (default `hookTimeoutMs`). Returns a function that removes it.
   */
  addHook(name: string, hook: ShutdownHook, options?: ShutdownHookOptions): () => void;
  /** Tracks a server: counts in-flight requests, sends `Connection: close` once shutdown began, closes it after the drain. */
  trackServer(server: HttpServer): void;
  /** Runs the sequence once; later calls (a second signal) return the same promise. Never exits the process. */
  shutdown(reason?: string): Promise<ShutdownResult>;
  /** Ends the drain delay now, if it is running (what a second SIGINT does). True when it was. */
  endDrain(): boolean;
  /**
   * Listens to the signals: the first runs the sequence; during it a SIGINT ends the drain and the next
   * one exits at once (130). With `exitAfterSignal` the process exits when the sequence is done, unless
   * the application has its own listener of that signal. Sets process.exitCode. Returns an uninstaller.
   * `exitAfterSignal` given here wins over the coordinator's option. Installing again without
   * uninstalling first returns the same uninstaller (a signal never counts twice).
   */
  install(options?: { readonly exitAfterSignal?: boolean | undefined }): () => void;
}

interface Tracked {
  readonly server: HttpServer;
  readonly open: OpenResponses;
}

class Coordinator implements ShutdownCoordinator {
  phase: LifecyclePhase = 'running';
  readonly #drainDelayMs: number;
  readonly #inFlightTimeoutMs: number;
  readonly #hookTimeoutMs: number;
  readonly #gracePeriodMs: number;
  readonly #exitAfterSignal: boolean;
  readonly #signals: readonly NodeJS.Signals[];
  readonly #health: HealthState | undefined;
  readonly #hooks: ShutdownHooks;
  readonly #servers: Tracked[] = [];
  #result: Promise<ShutdownResult> | undefined;
  #idleWaiters: (() => void)[] = [];
  /** Ends the drain delay early; set while it runs. */
  #endDrain: (() => void) | undefined;
  #drainEndedEarly = false;
  /** Responses whose 'close' the shutdown listens to (only once it has begun). */
  readonly #watched = new WeakSet<ServerResponse>();
  #uninstall: (() => void) | undefined;

  constructor(options: ShutdownCoordinatorOptions) {
    this.#drainDelayMs = durationOption('drainDelayMs', options.drainDelayMs, 5_000);
    this.#inFlightTimeoutMs = durationOption('inFlightTimeoutMs', options.inFlightTimeoutMs, 10_000);
    this.#hookTimeoutMs = durationOption('hookTimeoutMs', options.hookTimeoutMs, 5_000, 1);
    this.#gracePeriodMs = durationOption('gracePeriodMs', options.gracePeriodMs, 30_000, 1);
    this.#exitAfterSignal = options.exitAfterSignal ?? false;
    const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
    if (!Array.isArray(signals) || !signals.every((s) => typeof s === 'string' && s.startsWith('SIG'))) {
      throw invalidOption('signals', signals, "an array of signal names such as 'SIGTERM'");
    }
    this.#signals = signals;
    this.#health = options.health;
    this.#hooks = new ShutdownHooks(this.#hookTimeoutMs);
    this.#checkBudget();
  }

  get isShuttingDown(): boolean {
    return this.phase !== 'running';
  }

  get started(): boolean {
    return this.#result !== undefined;
  }

  get inFlight(): number {
    let open = 0;
    for (const tracked of this.#servers) open += tracked.open.list().length;
    return open;
  }

  /** Worst case of the sequence; warns (once per size) when it exceeds the grace period. */
  #checkBudget(): void {
    const hooks = Math.max(1, this.#hooks.size);
    const hooksWorstMs = this.#hooks.size === 0 ? this.#hookTimeoutMs : this.#hooks.worstCaseMs;
    const worst = this.#drainDelayMs + this.#inFlightTimeoutMs + hooksWorstMs;
    if (worst <= this.#gracePeriodMs) return;
    diag.once(`dynotel.health.shutdown.budget.${hooks}.${worst}`, {
      level: 'warn',
      target: 'dynotel.health',
      message:
        'shutdown budget exceeds the termination grace period: at worst the last hooks are shortened or skipped to end before it',
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

  addHook(name: string, hook: ShutdownHook, options?: ShutdownHookOptions): () => void {
    const remove = this.#hooks.add(name, hook, options);
    this.#checkBudget();
    return remove;
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
   * an open connection, gets `Connection: close` (node:http then ends that connection once the response
   * is written); every open response is watched until it closes.
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
      // After the drain, a keep-alive connection whose response (started before the shutdown, so
      // without `Connection: close`) just closed is idle: close it. Never during the drain: a client may
      // be sending its next request on an idle connection right now, and closing it would reset that
      // request. The response it gets carries `Connection: close` instead.
      if (this.phase !== 'draining') tracked.server.closeIdleConnections();
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

  endDrain(): boolean {
    if (this.#endDrain === undefined) return false;
    this.#drainEndedEarly = true;
    this.#endDrain();
    return true;
  }

  async #run(reason: string): Promise<ShutdownResult> {
    const started = performance.now();
    // The hooks must be done a little before the platform's kill, whatever the steps before took.
    const deadline = started + this.#gracePeriodMs - Math.min(1_000, this.#gracePeriodMs / 10);
    // 1. Readiness flips synchronously, before anything awaits.
    this.phase = 'draining';
    this.#health?.setPhase('draining');
    for (const tracked of this.#servers) this.#drain(tracked);
    diag.info('dynotel.health', 'shutdown started: readiness is notready, draining', {
      reason,
      drainDelayMs: this.#drainDelayMs,
    });

    // 2. Keep serving while load balancers notice (Kubernetes removes endpoints asynchronously).
    if (this.#drainDelayMs > 0) await this.#drainDelay();

    // 3. Stop accepting, reap idle keep-alive sockets, let in-flight requests finish: each of their
    // connections closes as its response ends (`Connection: close`, or closed here once idle).
    this.phase = 'shutting_down';
    this.#health?.setPhase('shutting_down');
    for (const { server } of this.#servers) closeServer(server);
    const abandonedRequests = await this.#waitForInFlight();

    // 4. Hooks, by order, each bounded; one failing or hanging does not stop the next.
    const hooks = await this.#hooks.runAll(deadline);

    this.phase = 'stopped';
    this.#health?.setPhase('stopped');
    const failed = abandonedRequests > 0 || hooks.some((h) => h.outcome !== 'ok');
    const result: ShutdownResult = {
      reason,
      exitCode: failed ? 1 : 0,
      durationMs: performance.now() - started,
      hooks,
      abandonedRequests,
      drainEndedEarly: this.#drainEndedEarly,
    };
    diag.info('dynotel.health', 'shutdown complete', {
      exitCode: result.exitCode,
      durationMs: Math.round(result.durationMs),
      abandonedRequests,
      ...(failed ? { failedHooks: hooks.filter((h) => h.outcome !== 'ok').map((h) => h.name) } : {}),
    });
    return result;
  }

  #drainDelay(): Promise<void> {
    return new Promise<void>((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        this.#endDrain = undefined;
        resolve();
      };
      const timer = setTimeout(end, this.#drainDelayMs);
      this.#endDrain = end;
    });
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

  install(options: { readonly exitAfterSignal?: boolean | undefined } = {}): () => void {
    // Idempotent: a second install() must not make one signal count twice.
    if (this.#uninstall !== undefined) return this.#uninstall;
    const remove = installSignalHandling(this, {
      signals: this.#signals,
      exitAfterSignal: options.exitAfterSignal ?? this.#exitAfterSignal,
      gracePeriodMs: this.#gracePeriodMs,
    });
    const uninstall = () => {
      remove();
      if (this.#uninstall === uninstall) this.#uninstall = undefined;
    };
    this.#uninstall = uninstall;
    return uninstall;
  }
}

/** Stops accepting and closes the connections that are idle now (busy ones close as they finish). */
function closeServer(server: HttpServer): void {
  server.close();
  server.closeIdleConnections();
}

/**
 * Creates the graceful-shutdown coordinator. `shutdown()` never exits the process. Installed on signals
 * it sets `process.exitCode` (0 clean, 1 when a hook failed or requests were cut) and lets the event loop
 * empty, or with `exitAfterSignal` exits (see `install()`).
 */
export function createShutdownCoordinator(options: ShutdownCoordinatorOptions = {}): ShutdownCoordinator {
  return new Coordinator(options);
}
