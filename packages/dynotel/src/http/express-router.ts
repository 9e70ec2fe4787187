/**
 * Reads an Express app's router (Express 5's `app.router`, Express 4's `app._router`) to answer one
 * question: does a route of the app serve this method and path? dynotel's middleware sits before the
 * app's routes, so this is how it yields a path like `/health` or `/metrics` to the app that defines it.
 * No runtime dependency on express: only the shape of its router's layers is read.
 */

/** A layer of the router's stack: a route (`route` set), a mounted router, or a middleware. */
interface Layer {
  readonly route?: { _handlesMethod?: (method: string) => boolean } | undefined;
  readonly handle?: unknown;
  /** Router 2 returns the match (with `path`, the matched prefix); router 1 a boolean, setting `path`. */
  match(path: string): unknown;
  readonly path?: string;
}

export type RouteVerdict = 'app' | 'none' | 'unknown';

/** The router stack of an Express app (or of a router), if it has one. */
export function routerStack(app: unknown): readonly Layer[] | undefined {
  if (app === null || (typeof app !== 'object' && typeof app !== 'function')) return undefined;
  const candidate = app as { router?: unknown; _router?: unknown; stack?: unknown };
  const stack =
    stackOf(candidate.stack) ??
    stackOf((candidate.router as { stack?: unknown } | undefined)?.stack) ??
    stackOf((candidate._router as { stack?: unknown } | undefined)?.stack);
  return stack;
}

function stackOf(value: unknown): readonly Layer[] | undefined {
  return Array.isArray(value) ? (value as Layer[]) : undefined;
}

/**
 * `app`: a route of the app matches `method` and `path` (a router mounted on a prefix is searched; a
 * middleware mounted on exactly that path counts as a route). `unknown`: an Express sub-app is mounted
 * where the path falls (`app.use(subApp)`): Express hides its router, so whether it serves the path
 * cannot be told. `none`: nothing of the app serves it. Middleware mounted at the root is not a route.
 */
export function appServes(stack: readonly Layer[], method: string, path: string, depth = 0): RouteVerdict {
  if (depth > 16) return 'unknown';
  let verdict: RouteVerdict = 'none';
  for (const layer of stack) {
    let matched: unknown;
    try {
      matched = layer.match(path);
    } catch {
      continue;
    }
    if (matched === false || matched === undefined || matched === null) continue;
    if (layer.route !== undefined) {
      if (layer.route._handlesMethod?.(method) ?? true) return 'app';
      continue;
    }
    const prefix = typeof matched === 'object' ? (matched as { path?: unknown }).path : layer.path;
    const mountedAt = typeof prefix === 'string' ? prefix : '';
    const nested = routerStack(layer.handle);
    if (nested !== undefined) {
      const rest = path.slice(mountedAt.length) || '/';
      const inner = appServes(nested, method, rest.startsWith('/') ? rest : `/${rest}`, depth + 1);
      if (inner === 'app') return 'app';
      if (inner === 'unknown') verdict = 'unknown';
      continue;
    }
    if ((layer.handle as { name?: unknown } | undefined)?.name === 'mounted_app') {
      verdict = 'unknown';
      continue;
    }
    if (mountedAt !== '' && mountedAt !== '/') return 'app';
  }
  return verdict;
}

/** Whether `fn` is one of the stack's layers (at any depth of mounted routers). */
export function stackHolds(stack: readonly Layer[], fn: unknown, depth = 0): boolean {
  if (depth > 16) return false;
  for (const layer of stack) {
    if (layer.handle === fn) return true;
    const nested = layer.route === undefined ? routerStack(layer.handle) : undefined;
    if (nested !== undefined && stackHolds(nested, fn, depth + 1)) return true;
  }
  return false;
}
