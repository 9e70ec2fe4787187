/**
 * The value dynotel's one AsyncLocalStorage holds: an immutable key/value context, structurally the
 * OpenTelemetry API's `Context` (core has no dependency on the API; @dynotel/tracing's context manager
 * stores its contexts here, so a request's span and its request ids are one frame).
 */
export interface FrameContext {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): FrameContext;
  deleteValue(key: symbol): FrameContext;
}

/**
 * The key of the request context (`RequestContext`) inside a frame. A global symbol, as the OpenTelemetry
 * API's own keys: two installed copies of dynotel read the same value.
 */
export const REQUEST_CONTEXT_KEY: unique symbol = Symbol.for('dynotel.requestContext') as never;

/**
 * Past this many links a chain is folded into its base context, so that a lookup walks at most this
 * many links however deep a request nests its contexts.
 */
export const MAX_CHAIN_LENGTH = 16;

/**
 * A context that adds one value to its parent without copying it. The API's own Context copies its
 * parent's whole Map and makes three closures on every `setValue`, ~170 ns; a request sets three values
 * (its request context, the incoming trace, then its span), and every span a handler starts sets one
 * more. A link costs one small object, and a lookup walks the links to the first one with the key, then
 * asks the base context (the first context in the chain that is not a link). The request context is the
 * exception: every link holds its chain's, so the logger reads it per line without a walk.
 *
 * Reads and writes behave as the API's Context: values are immutable once set, `setValue` and
 * `deleteValue` return a new context and leave this one as it was, and a deleted key reads `undefined`.
 */
export class ChainedContext implements FrameContext {
  readonly #parent: FrameContext;
  readonly #key: symbol;
  readonly #value: unknown;
  readonly #length: number;
  /** The chain's request context (the value of REQUEST_CONTEXT_KEY), copied from the parent at creation. */
  readonly #request: unknown;

  private constructor(parent: FrameContext, key: symbol, value: unknown, length: number, request: unknown) {
    this.#parent = parent;
    this.#key = key;
    this.#value = value;
    this.#length = length;
    this.#request = request;
  }

  /** `parent` with `key` set to `value`, as `parent.setValue` would return it but without a copy. */
  static set<C extends FrameContext>(parent: C, key: symbol, value: unknown): C;
  static set(parent: FrameContext, key: symbol, value: unknown): FrameContext {
    const chained = parent instanceof ChainedContext;
    const length = chained ? parent.#length + 1 : 1;
    if (length > MAX_CHAIN_LENGTH) return (parent as ChainedContext).#fold().setValue(key, value);
    const request =
      key === REQUEST_CONTEXT_KEY ? value : chained ? parent.#request : parent.getValue(REQUEST_CONTEXT_KEY);
    return new ChainedContext(parent, key, value, length, request);
  }

  getValue(key: symbol): unknown {
    if (key === REQUEST_CONTEXT_KEY) return this.#request;
    let context: FrameContext = this;
    while (context instanceof ChainedContext) {
      if (context.#key === key) return context.#value;
      context = context.#parent;
    }
    return context.getValue(key);
  }

  setValue(key: symbol, value: unknown): FrameContext {
    return ChainedContext.set(this, key, value);
  }

  deleteValue(key: symbol): FrameContext {
    // A link that hides the key: every read of it answers undefined, as after the API's deleteValue.
    return ChainedContext.set(this, key, undefined);
  }

  /** The same values in the base context's own kind, written oldest first so newer values win. */
  #fold(): FrameContext {
    const links: ChainedContext[] = [];
    let context: FrameContext = this;
    while (context instanceof ChainedContext) {
      links.push(context);
      context = context.#parent;
    }
    for (let i = links.length - 1; i >= 0; i--) {
      const link = links[i]!;
      context =
        link.#value === undefined ? context.deleteValue(link.#key) : context.setValue(link.#key, link.#value);
    }
    return context;
  }
}

/** A copying base context, as the API's `ROOT_CONTEXT`: the root of frames made without @dynotel/tracing. */
class MapContext implements FrameContext {
  readonly #values: ReadonlyMap<symbol, unknown>;

  constructor(values: ReadonlyMap<symbol, unknown>) {
    this.#values = values;
  }

  getValue(key: symbol): unknown {
    return this.#values.get(key);
  }

  setValue(key: symbol, value: unknown): FrameContext {
    return new MapContext(new Map(this.#values).set(key, value));
  }

  deleteValue(key: symbol): FrameContext {
    const values = new Map(this.#values);
    values.delete(key);
    return new MapContext(values);
  }
}

/** The empty frame: what a frame made outside any context starts from. */
export const ROOT_FRAME: FrameContext = new MapContext(new Map());
