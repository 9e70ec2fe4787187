import { contextFrameStorage } from '@dynotel/core/internal';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/**
 * The OpenTelemetry context manager on @dynotel/core's one context store: the contexts `context.with`
 * enters are the frames `getRequestContext()` and the logger read, so a request's span and its request
 * ids are one frame (the request context is a value in the request's OpenTelemetry context). Everything
 * else (`with`, `bind`, `attach`) is the SDK's AsyncLocalStorage manager, unchanged.
 */
export class DynotelContextManager extends AsyncLocalStorageContextManager {
  constructor() {
    super();
    // The SDK manager's own store, replaced by core's before any use (the field is the SDK's only store).
    (this as unknown as { _asyncLocalStorage: unknown })._asyncLocalStorage = contextFrameStorage();
  }

  /** Never disables the shared store (core's request context lives in it too): only stops being global. */
  override disable(): this {
    return this;
  }
}

let global = false;

/** dynotel's context manager is the global one: entering a frame enters the OpenTelemetry context too. */
export function ownsGlobalContext(): boolean {
  return global;
}

/** @internal Set by createTracing when it registered the manager, cleared at its shutdown. */
export function setOwnsGlobalContext(value: boolean): void {
  global = value;
}
