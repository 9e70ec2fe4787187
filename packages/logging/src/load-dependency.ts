import { createDependencyLoader, type DependencyLoader } from '@dynotel/core/internal';

/**
 * Loads this package's own dependencies synchronously at their first use, in the ESM and the CJS build
 * alike: the OTLP log export stack (sdk-logs, the exporters, grpc-js, otlp-transformer) is loaded when
 * a provider is created (`createOtlpLoggerProvider`, i.e. logs export configured), not at import.
 */
export const loadDependency: DependencyLoader = createDependencyLoader(import.meta.url, import.meta.resolve);
