import type { EnvVariable } from '../types.ts';
import { CLUSTER_VARIABLES } from './cluster.ts';
import { GENERAL_VARIABLES } from './general.ts';
import { HEALTH_VARIABLES } from './health.ts';
import { IDENTITY_VARIABLES } from './identity.ts';
import { INSTRUMENTATION_VARIABLES } from './instrumentation.ts';
import { LOGGING_VARIABLES } from './logging.ts';
import { METRICS_VARIABLES } from './metrics.ts';
import { SERVER_VARIABLES } from './servers.ts';
import { SHUTDOWN_VARIABLES } from './shutdown.ts';
import { TRACING_VARIABLES } from './tracing.ts';

/** Every variable by name, with its typed parser; the reader looks rows up here. */
export const ENV = {
  ...GENERAL_VARIABLES,
  ...IDENTITY_VARIABLES,
  ...SERVER_VARIABLES,
  ...HEALTH_VARIABLES,
  ...METRICS_VARIABLES,
  ...LOGGING_VARIABLES,
  ...TRACING_VARIABLES,
  ...SHUTDOWN_VARIABLES,
  ...INSTRUMENTATION_VARIABLES,
  ...CLUSTER_VARIABLES,
} as const;

/** One table of every DYN_* and OTEL_* variable dynotel reads, in documentation order. */
export const ENV_TABLE: readonly EnvVariable[] = Object.freeze(Object.values(ENV));
