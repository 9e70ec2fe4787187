import { jsonObjectOrFile, oneOf, seconds, stringArray, truthyBoolean } from '../parsers.ts';
import type { HealthStatus } from '../types.ts';
import { envVar } from './row.ts';

export const HEALTH_VARIABLES = {
  DYN_SYSTEM_STARTING_HEALTH_STATUS: envVar({
    name: 'DYN_SYSTEM_STARTING_HEALTH_STATUS',
    group: 'health',
    type: 'enum',
    default: 'notready',
    accepted: 'ready|notready',
    description:
      'Process-wide health status at start, used when no endpoint list and no canary targets exist (the service marks itself ready later).',
    source: 'dynamo',
    keys: ['health.startingStatus'],
    parse: oneOf<HealthStatus>(['ready', 'notready']),
    fallback: 'notready' as HealthStatus,
  }),
  DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: envVar({
    name: 'DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS',
    group: 'health',
    type: 'json-array',
    default: '[]',
    accepted: 'a JSON array of endpoint names, e.g. ["generate"] (figment\'s [generate] works too)',
    description:
      'Endpoints that must all be ready for the process to be healthy. Dynamo marks it deprecated but still honours it, and so does dynotel.',
    source: 'dynamo',
    keys: ['health.endpointHealthStatus'],
    parse: stringArray,
    fallback: Object.freeze([]) as readonly string[],
  }),
  DYN_HEALTH_CHECK_ENABLED: envVar({
    name: 'DYN_HEALTH_CHECK_ENABLED',
    group: 'health',
    type: 'bool-truthy',
    default: 'false',
    accepted: '1|true|on|yes or 0|false|off|no (case-insensitive)',
    description:
      'Turns on the canary: a synthetic request to each idle endpoint, which decides its readiness.',
    source: 'dynamo',
    keys: ['health.canaryEnabled'],
    parse: truthyBoolean,
    fallback: false,
  }),
  DYN_CANARY_WAIT_TIME: envVar({
    name: 'DYN_CANARY_WAIT_TIME',
    group: 'health',
    type: 'duration-seconds',
    default: '10',
    accepted: 'seconds > 0 (decimals allowed)',
    description:
      'Seconds without a successfully completed request on an endpoint before a canary is sent; repeated while idle.',
    source: 'dynamo',
    keys: ['health.canaryWaitMs'],
    parse: seconds(0, true),
    fallback: 10_000,
  }),
  DYN_HEALTH_CHECK_REQUEST_TIMEOUT: envVar({
    name: 'DYN_HEALTH_CHECK_REQUEST_TIMEOUT',
    group: 'health',
    type: 'duration-seconds',
    default: '3',
    accepted: 'seconds > 0 (decimals allowed)',
    description: 'Timeout of one canary request; a timeout marks the endpoint not ready.',
    source: 'dynamo',
    keys: ['health.canaryTimeoutMs'],
    parse: seconds(0, true),
    fallback: 3000,
  }),
  DYN_HEALTH_CHECK_PAYLOAD: envVar({
    name: 'DYN_HEALTH_CHECK_PAYLOAD',
    group: 'health',
    type: 'json-object-or-file',
    default: 'unset',
    accepted: 'a JSON object, or @/path/to/file.json holding one',
    description: 'Replaces the canary payload of every endpoint (the file is read once at start-up).',
    source: 'dynamo',
    keys: ['health.canaryPayload'],
    parse: jsonObjectOrFile,
    fallback: undefined,
  }),
} as const;
