/**
 * A fake Kubernetes API server for one custom resource, on node:http at 127.0.0.1: list (with a
 * resourceVersion), watch (`?watch=1`, JSON lines streamed as objects change), get, and PUT of the
 * status subresource with optimistic concurrency (a stale resourceVersion is a 409 Conflict, as the real
 * API server answers). Errors are `Status` objects. `fail()` makes the next call on an object answer a
 * chosen error once (404, 409, 422, …).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

interface Fault {
  readonly method: 'GET' | 'PUT';
  readonly code: number;
  readonly reason: string;
}

const REASONS: Record<number, string> = {
  404: 'NotFound',
  409: 'Conflict',
  422: 'Invalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

export class FakeApiServer {
  readonly url: string;
  readonly #server: Server;
  readonly #objects = new Map<string, FakeObject>();
  readonly #watchers = new Set<ServerResponse>();
  readonly #faults = new Map<string, Fault[]>();
  readonly #history: Array<{ type: string; object: FakeObject }> = [];
  #version = 100;
  /** Requests served, by `METHOD kind` (list, watch, get, status). */
  readonly calls: string[] = [];

  private constructor(server: Server, url: string) {
    this.#server = server;
    this.url = url;
    server.on('request', (req, res) => this.#handle(req, res));
  }

  static async start(): Promise<FakeApiServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FakeApiServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  static key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  /** Creates or replaces an object (spec only; the status is kept on replace) and notifies watchers. */
  put(namespace: string, name: string, spec: Record<string, unknown>): FakeObject {
    const key = FakeApiServer.key(namespace, name);
    const existing = this.#objects.get(key);
    const object: FakeObject = {
      apiVersion: 'nvidia.com/v1alpha1',
      kind: 'DynamoModel',
      metadata: {
        name,
        namespace,
        uid: existing?.metadata.uid ?? randomUUID(),
        resourceVersion: this.#nextVersion(),
      },
      spec,
      ...(existing?.status === undefined ? {} : { status: existing.status }),
    };
    this.#objects.set(key, object);
    this.#emit(existing === undefined ? 'ADDED' : 'MODIFIED', object);
    return object;
  }

  delete(namespace: string, name: string): void {
    const key = FakeApiServer.key(namespace, name);
    const existing = this.#objects.get(key);
    if (existing === undefined) return;
    this.#objects.delete(key);
    this.#emit('DELETED', {
      ...existing,
      metadata: { ...existing.metadata, resourceVersion: this.#nextVersion() },
    });
  }

  /** The next `method` call on namespace/name answers `code` once. */
  fail(namespace: string, name: string, method: 'GET' | 'PUT', code: number): void {
    const key = FakeApiServer.key(namespace, name);
    const faults = this.#faults.get(key) ?? [];
    faults.push({ method, code, reason: REASONS[code] ?? 'InternalError' });
    this.#faults.set(key, faults);
  }

  get(namespace: string, name: string): FakeObject | undefined {
    return this.#objects.get(FakeApiServer.key(namespace, name));
  }

  /** Ends every watch stream (the controller relists). */
  closeWatches(): void {
    for (const watcher of this.#watchers) watcher.end();
    this.#watchers.clear();
  }

  async close(): Promise<void> {
    this.closeWatches();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #nextVersion(): string {
    this.#version += 1;
    return String(this.#version);
  }

  #emit(type: string, object: FakeObject): void {
    this.#history.push({ type, object });
    const line = `${JSON.stringify({ type, object })}\n`;
    for (const watcher of this.#watchers) watcher.write(line);
  }

  #status(res: ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason,
        code,
      }),
    );
  }

  #takeFault(key: string, method: string): Fault | undefined {
    const faults = this.#faults.get(key);
    const index = faults?.findIndex((fault) => fault.method === method) ?? -1;
    return index === -1 ? undefined : faults!.splice(index, 1)[0];
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const base = '/apis/nvidia.com/v1alpha1';
    if (req.method === 'GET' && url.pathname === `${base}/dynamomodels`) {
      if (url.searchParams.get('watch') === '1') {
        this.calls.push('watch');
        const since = Number(url.searchParams.get('resourceVersion') ?? '0');
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        for (const event of this.#history)
          if (Number(event.object.metadata.resourceVersion) > since) res.write(`${JSON.stringify(event)}\n`);
        this.#watchers.add(res);
        res.on('close', () => this.#watchers.delete(res));
        return;
      }
      this.calls.push('list');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          apiVersion: 'nvidia.com/v1alpha1',
          kind: 'DynamoModelList',
          metadata: { resourceVersion: String(this.#version) },
          items: [...this.#objects.values()],
        }),
      );
      return;
    }
    const match =
      /^\/apis\/nvidia\.com\/v1alpha1\/namespaces\/([^/]+)\/dynamomodels\/([^/]+)(\/status)?$/.exec(
        url.pathname,
      );
    if (match === null) {
      this.#status(res, 404, 'NotFound', `the server could not find the requested resource ${url.pathname}`);
      return;
    }
    const [, namespace, name, status] = match as unknown as [string, string, string, string | undefined];
    const key = FakeApiServer.key(decodeURIComponent(namespace), decodeURIComponent(name));
    const method = req.method === 'PUT' ? 'PUT' : 'GET';
    this.calls.push(`${method} ${key}${status ?? ''}`);
    const fault = this.#takeFault(key, method);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (fault !== undefined) {
        this.#status(res, fault.code, fault.reason, `injected ${fault.reason} for dynamomodels "${name}"`);
        return;
      }
      const existing = this.#objects.get(key);
      if (existing === undefined) {
        this.#status(res, 404, 'NotFound', `dynamomodels.nvidia.com "${name}" not found`);
        return;
      }
      if (method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(existing));
        return;
      }
      if (status === undefined) {
        this.#status(res, 405, 'MethodNotAllowed', 'only the status subresource is writable here');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeObject;
      if (body.metadata?.resourceVersion !== existing.metadata.resourceVersion) {
        this.#status(
          res,
          409,
          'Conflict',
          `Operation cannot be fulfilled on dynamomodels.nvidia.com "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
        return;
      }
      const updated: FakeObject = {
        ...existing,
        metadata: { ...existing.metadata, resourceVersion: this.#nextVersion() },
        status: body.status ?? {},
      };
      this.#objects.set(key, updated);
      this.#emit('MODIFIED', updated);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(updated));
    });
  }
}
