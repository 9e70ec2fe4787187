/** Label value sets of the frontend metrics (lib/llm/src/http/service/metrics.rs L1180-1255; prometheus_names.rs L303-346). */

export const FRONTEND_ENDPOINTS = [
  'completions',
  'chat_completions',
  'embeddings',
  'images',
  'videos',
  'audios',
  'responses',
  'anthropic_messages',
  'tensor',
] as const;
export type FrontendEndpoint = (typeof FRONTEND_ENDPOINTS)[number];

export type FrontendRequestType = 'stream' | 'unary';
export type FrontendStatus = 'success' | 'error';

/** `''` is the error type of a successful request. */
export const FRONTEND_ERROR_TYPES = [
  '',
  'validation',
  'not_found',
  'overload',
  'cancelled',
  'response_timeout',
  'internal',
  'not_implemented',
] as const;
export type FrontendErrorType = (typeof FRONTEND_ERROR_TYPES)[number];

export type MigrationType = 'new_request' | 'ongoing_request';

/**
 * Dynamo's HTTP status → `error_type` mapping (openai.rs L104-124): 400 whose message starts with
 * `Validation:` → validation, any other 400 → internal; 404 → not_found; 501 → not_implemented; 429 and
 * 503 → overload; 500 → internal; 499 → cancelled; any other 4xx → validation; anything else → internal.
 */
export function errorTypeFromHttpStatus(status: number, message?: string): FrontendErrorType {
  switch (status) {
    case 400:
      return message?.startsWith('Validation:') === true ? 'validation' : 'internal';
    case 404:
      return 'not_found';
    case 501:
      return 'not_implemented';
    case 429:
    case 503:
      return 'overload';
    case 500:
      return 'internal';
    case 499:
      return 'cancelled';
    default:
      return status >= 400 && status < 500 ? 'validation' : 'internal';
  }
}
