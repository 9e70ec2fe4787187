/**
 * The `AdmissionReview` of admission.k8s.io/v1 as the API server sends it to a webhook, and the answer
 * it expects: the same apiVersion and kind, and `response.uid` equal to `request.uid`.
 */

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type AdmissionOperation = (typeof ADMISSION_OPERATIONS)[number];

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** `AdmissionReview.request`: the fields a validator reads (others are kept as sent). */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly resource: GroupVersionResource;
  readonly subResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: AdmissionOperation;
  readonly userInfo?: { readonly username?: string; readonly groups?: readonly string[] };
  /** The new object (CREATE, UPDATE, CONNECT); null for DELETE. */
  readonly object?: Record<string, unknown> | null;
  /** The existing object (UPDATE, DELETE); null for CREATE. */
  readonly oldObject?: Record<string, unknown> | null;
  readonly dryRun?: boolean;
  readonly options?: Record<string, unknown> | null;
}

export interface AdmissionReview {
  readonly apiVersion: typeof ADMISSION_API_VERSION;
  readonly kind: 'AdmissionReview';
  readonly request: AdmissionRequest;
}

/** `AdmissionReview.response.status`: a metav1.Status shown to the user when the request is denied. */
export interface AdmissionStatus {
  readonly code: number;
  readonly message: string;
  readonly reason?: string;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus;
  readonly warnings?: readonly string[];
}

export interface AdmissionReviewResponse {
  readonly apiVersion: typeof ADMISSION_API_VERSION;
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

export type ParsedAdmissionReview =
  | { readonly ok: true; readonly review: AdmissionReview }
  | { readonly ok: false; readonly error: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 64 ? `${value.slice(0, 64)}…` : value}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function checkStrings(
  where: string,
  value: unknown,
  keys: readonly string[],
  allowEmpty: ReadonlySet<string>,
): string | undefined {
  if (!isObject(value)) return `${where} must be an object, got ${describe(value)}`;
  for (const key of keys) {
    const field = value[key];
    if (typeof field !== 'string' || (field === '' && !allowEmpty.has(key)))
      return `${where}.${key} must be a ${allowEmpty.has(key) ? '' : 'non-empty '}string, got ${describe(field)}`;
  }
  return undefined;
}

const GROUP_MAY_BE_EMPTY = new Set(['group']);

/**
 * Checks an `AdmissionReview` (admission.k8s.io/v1) as decoded from JSON. The error names the first
 * field that is wrong, what it holds and what is accepted, e.g.
 * `AdmissionReview.request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, got "PATCH"`.
 */
export function parseAdmissionReview(value: unknown): ParsedAdmissionReview {
  const fail = (error: string): ParsedAdmissionReview => ({ ok: false, error });
  if (!isObject(value)) return fail(`AdmissionReview must be a JSON object, got ${describe(value)}`);
  if (value.apiVersion !== ADMISSION_API_VERSION)
    return fail(
      `AdmissionReview.apiVersion must be "${ADMISSION_API_VERSION}" (set admissionReviewVersions: ["v1"] on the webhook configuration), got ${describe(value.apiVersion)}`,
    );
  if (value.kind !== 'AdmissionReview')
    return fail(`AdmissionReview.kind must be "AdmissionReview", got ${describe(value.kind)}`);
  const request = value.request;
  if (!isObject(request)) return fail(`AdmissionReview.request must be an object, got ${describe(request)}`);
  if (typeof request.uid !== 'string' || request.uid === '')
    return fail(`AdmissionReview.request.uid must be a non-empty string, got ${describe(request.uid)}`);
  if (!(ADMISSION_OPERATIONS as readonly unknown[]).includes(request.operation))
    return fail(
      `AdmissionReview.request.operation must be one of ${ADMISSION_OPERATIONS.join(', ')}, got ${describe(request.operation)}`,
    );
  const problem =
    checkStrings(
      'AdmissionReview.request.kind',
      request.kind,
      ['group', 'version', 'kind'],
      GROUP_MAY_BE_EMPTY,
    ) ??
    checkStrings(
      'AdmissionReview.request.resource',
      request.resource,
      ['group', 'version', 'resource'],
      GROUP_MAY_BE_EMPTY,
    );
  if (problem !== undefined) return fail(problem);
  for (const key of ['name', 'namespace', 'subResource'] as const) {
    if (request[key] !== undefined && typeof request[key] !== 'string')
      return fail(
        `AdmissionReview.request.${key} must be a string when present, got ${describe(request[key])}`,
      );
  }
  for (const key of ['object', 'oldObject'] as const) {
    const field = request[key];
    if (field !== undefined && field !== null && !isObject(field))
      return fail(`AdmissionReview.request.${key} must be an object or null, got ${describe(field)}`);
  }
  const operation = request.operation as AdmissionOperation;
  if ((operation === 'CREATE' || operation === 'UPDATE') && !isObject(request.object))
    return fail(
      `AdmissionReview.request.object must be an object for ${operation}, got ${describe(request.object)}`,
    );
  if (operation === 'UPDATE' && !isObject(request.oldObject))
    return fail(
      `AdmissionReview.request.oldObject must be an object for UPDATE, got ${describe(request.oldObject)}`,
    );
  return { ok: true, review: value as unknown as AdmissionReview };
}

/** The answer to the review whose request had `uid`. */
export function admissionReviewResponse(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}
