import { createDependencyLoader, type DependencyLoader } from '@dynotel/core/internal';

/**
 * Loads this package's own dependencies synchronously at their first use, in the ESM and the CJS build
 * alike: the gRPC stack (@grpc/grpc-js) is loaded at the first export, not at import, so a service
 * that never exports spans never compiles it.
 */
export const loadDependency: DependencyLoader = createDependencyLoader(import.meta.url, import.meta.resolve);
