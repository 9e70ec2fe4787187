import type { DynotelLogger } from '@dynotel/logging';
import { createOperatorMetrics, type OperatorMetrics } from '@dynotel/metrics';
import type { Tracer } from '@opentelemetry/api';
import { init } from '../init.ts';
import type { Telemetry } from '../telemetry.ts';

/** What the reconcile, inventory and admission helpers record into. */
export interface OperatorDeps {
  /** Dynamo's `dynamo_operator_*` metrics on the root level (no hierarchy labels, as Dynamo's operator). */
  readonly metrics: OperatorMetrics;
  readonly tracer: Tracer;
  /** The service logger with target `kubernetes` (DYN_LOG=kubernetes=debug selects these lines). */
  readonly logger: DynotelLogger;
}

const perTelemetry = new WeakMap<Telemetry, OperatorDeps>();

/** The operator metrics, tracer and logger of `telemetry` (default `init()`), made once per handle. */
export function operatorDeps(telemetry: Telemetry = init()): OperatorDeps {
  let deps = perTelemetry.get(telemetry);
  if (deps === undefined) {
    deps = {
      metrics: createOperatorMetrics(telemetry.metrics),
      tracer: telemetry.tracer,
      logger: telemetry.logger.child({ target: 'kubernetes' }),
    };
    perTelemetry.set(telemetry, deps);
  }
  return deps;
}
