import { defineErrorCatalogue } from '@dynotel/core';

/** Every code the umbrella package throws. All are thrown when a helper is created, never per request. */
export const dynotelErrors = defineErrorCatalogue('dynotel', {
  ERR_DYNOTEL_KUBERNETES_INVALID_OPTION:
    'An option of a dynotel/kubernetes helper (observeReconcile, ResourceInventory, an admission webhook) is missing or has an unusable value: resourceType, validate, maxBodyBytes, path.',
});

export type DynotelErrorCode = keyof typeof dynotelErrors.errors;
