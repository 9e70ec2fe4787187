import { DynotelError, diag, type HealthStatus } from '@dynotel/core';
import { ReadinessCheck, type ReadinessCheckFn } from './readiness-check.ts';
import { durationOption, invalidArgument, nameArgument } from './validate.ts';

export interface ReadinessCheckOptions {
  /** Per-check timeout in ms. Default `readinessCheckTimeoutMs` (800). */
  timeoutMs?: number | undefined;
}

/** Each check's result as the health body lists it, and whether all passed. */
export interface ChecksOutcome {
  readonly allPass: boolean;
  readonly checks: Record<string, HealthStatus>;
}

/** The registered readiness checks (database reachable, model loaded), by name. */
export class ReadinessChecks {
  readonly #checks = new Map<string, ReadinessCheck>();
  readonly #defaultTimeoutMs: number;

  constructor(defaultTimeoutMs: number) {
    this.#defaultTimeoutMs = defaultTimeoutMs;
  }

  get size(): number {
    return this.#checks.size;
  }

  /** Adds a check; returns a function that removes it. */
  add(name: string, check: ReadinessCheckFn, options: ReadinessCheckOptions = {}): () => void {
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
    const timeoutMs = durationOption('options.timeoutMs', options.timeoutMs, this.#defaultTimeoutMs, 1);
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

  /** The last outcome of every check, without running any (readiness is already decided). */
  lastOutcomes(): Record<string, HealthStatus> {
    const checks: Record<string, HealthStatus> = {};
    for (const check of this.#checks.values())
      checks[check.name] = check.lastOutcome === 'pass' ? 'ready' : 'notready';
    return checks;
  }

  /** Runs every check (single-flight each) and collects their outcomes. */
  run(): Promise<ChecksOutcome> {
    const entries = [...this.#checks.values()];
    return Promise.all(entries.map((check) => check.run())).then((outcomes) => {
      const checks: Record<string, HealthStatus> = {};
      let allPass = true;
      for (let i = 0; i < entries.length; i++) {
        const pass = outcomes[i] === 'pass';
        if (!pass) allPass = false;
        checks[entries[i]!.name] = pass ? 'ready' : 'notready';
      }
      return { allPass, checks };
    });
  }
}
