import { defineErrorCatalogue } from '@dynotel/core';

/** Every error code the `dynotel` package itself raises (the signal packages keep their own). */
export const dynotelErrors = defineErrorCatalogue('dynotel', {
  ERR_DYNOTEL_KUBERNETES_INVALID_OPTION:
    'An option of a dynotel/kubernetes helper (observeReconcile, ResourceInventory, an admission webhook) is missing or has an unusable value: resourceType, validate, maxBodyBytes, path.',
  ERR_DYNOTEL_SYSTEM_ROUTE_UNDECIDABLE:
    "An Express app with dynotel's middleware started listening with an Express sub-app mounted where one of dynotel's routes (/health, /live, /metrics or their DYN_HTTP_SVC_*_PATH) falls: Express hides a sub-app's routes, so dynotel cannot tell whether the app serves that path and refuses to start (the server emits this error) instead of shadowing it. Pass `systemRoutes: false` to `dynotel()` (the routes stay on the system port, DYN_SYSTEM_PORT) or mount the sub-app on a prefix.",
});

export type DynotelErrorCode = keyof typeof dynotelErrors.errors;
