import { defineErrorCatalogue } from '@dynotel/core';

export const healthErrors = defineErrorCatalogue('@dynotel/health', {
  ERR_DYNOTEL_HEALTH_INVALID_OPTION:
    'An option of createHealthState, createHealthHandlers, startSystemServer or createShutdownCoordinator has a value outside its accepted form (the message names the option, the value and what is accepted).',
  ERR_DYNOTEL_HEALTH_INVALID_ARGUMENT:
    'A method received a bad argument: an empty endpoint or check name, a check or hook that is not a function, a status other than ready/notready.',
  ERR_DYNOTEL_HEALTH_DUPLICATE_NAME:
    'An endpoint, readiness check or shutdown hook was registered twice under the same name.',
  ERR_DYNOTEL_HEALTH_LISTEN_FAILED:
    'startSystemServer could not bind its host and port (port in use, address not available); the cause carries the system error.',
  ERR_DYNOTEL_HEALTH_CANARY_NO_HANDLER:
    'The canary is enabled and an endpoint was registered with a canary payload but without a handler to send it to (Dynamo fails start-up the same way).',
});

export type HealthErrorCode = keyof typeof healthErrors.errors;
