// @dynotel/tracing/testing: helpers for tests of code that creates spans. Listed by name.
export { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
export { createSpanCollector, type SpanCollector } from './span-collector.ts';
