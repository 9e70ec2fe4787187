/**
 * The few Kubernetes API calls the controller makes, on fetch: list, watch (JSON lines), get and a
 * status update. A failed call throws a {@link KubeApiError} carrying the API server's `Status`, which
 * dynotel classifies like Dynamo does (404 not_found, 409 conflict, 422 validation, …). A real operator
 * would use @kubernetes/client-node; its errors are classified the same way.
 */

export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export interface KubeObject<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly spec?: Spec;
  readonly status?: Status;
}

export interface KubeList<T> {
  readonly metadata: { readonly resourceVersion: string };
  readonly items: readonly T[];
}

export interface KubeWatchEvent<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
}

/** An API call answered with an error status. `code` and `body` as @kubernetes/client-node's ApiException. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly body: { kind?: string; reason?: string; code?: number; message?: string };
  constructor(code: number, body: KubeApiError['body'], what: string) {
    super(`${what}: ${code} ${body.reason ?? ''} ${body.message ?? ''}`.trim());
    this.name = 'KubeApiError';
    this.code = code;
    this.body = body;
  }
}

export interface ResourcePath {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export class KubeClient {
  readonly #baseUrl: string;
  readonly #headers: Record<string, string>;

  constructor(baseUrl: string, token?: string) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
    this.#headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
  }

  #collection(resource: ResourcePath, namespace?: string): string {
    const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
    return `${this.#baseUrl}/apis/${resource.group}/${resource.version}${ns}/${resource.plural}`;
  }

  async #call<T>(what: string, url: string, init: RequestInit = {}): Promise<T> {
    const response = await fetch(url, { ...init, headers: { ...this.#headers, ...(init.headers ?? {}) } });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      body = { message: text.slice(0, 200) };
    }
    if (!response.ok) throw new KubeApiError(response.status, body as KubeApiError['body'], what);
    return body as T;
  }

  /** Every object of the resource, in all namespaces. */
  list<T>(resource: ResourcePath): Promise<KubeList<T>> {
    return this.#call('list', this.#collection(resource));
  }

  get<T>(resource: ResourcePath, namespace: string, name: string): Promise<T> {
    return this.#call(
      `get ${namespace}/${name}`,
      `${this.#collection(resource, namespace)}/${encodeURIComponent(name)}`,
    );
  }

  /** PUT the status subresource: the object's resourceVersion makes a stale write a 409 Conflict. */
  replaceStatus<T extends KubeObject>(resource: ResourcePath, object: T): Promise<T> {
    const { namespace, name } = object.metadata;
    return this.#call(
      `update status of ${namespace}/${name}`,
      `${this.#collection(resource, namespace)}/${encodeURIComponent(name)}/status`,
      { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(object) },
    );
  }

  /** Watch events after `resourceVersion`, one JSON object per line, until the server or `signal` ends it. */
  async *watch<T>(
    resource: ResourcePath,
    resourceVersion: string,
    signal: AbortSignal,
  ): AsyncGenerator<KubeWatchEvent<T>> {
    const url = `${this.#collection(resource)}?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    const response = await fetch(url, { headers: this.#headers, signal });
    if (!response.ok || response.body === null)
      throw new KubeApiError(
        response.status,
        (await response.json().catch(() => ({}))) as KubeApiError['body'],
        'watch',
      );
    let buffered = '';
    for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') yield JSON.parse(line) as KubeWatchEvent<T>;
        newline = buffered.indexOf('\n');
      }
    }
  }
}
