/**
 * The wire format between the gateway and the worker (this example's request plane): the gateway POSTs
 * a JSON `WorkerRequest` to the worker's `/generate`, and the worker answers with one JSON `WorkerFrame`
 * per line (NDJSON) while it generates. Errors before the first token are HTTP statuses with a JSON body.
 */

export const GENERATE_PATH = '/generate';

/**
 * This example's discovery: the worker answers `GET /instance` with the identity it serves under, as a
 * Dynamo worker registers its instance; the gateway lists it on /health and labels per-worker metrics.
 */
export const INSTANCE_PATH = '/instance';

export interface WorkerInstance {
  readonly namespace: string;
  readonly component: string;
  readonly endpoint: string;
  /** Decimal text (a u64 is not exact as a JSON number in JavaScript). */
  readonly instance_id: string;
}

export interface WorkerRequest {
  readonly model: string;
  readonly prompt: string;
  readonly max_tokens: number;
}

export type WorkerFrame =
  | { readonly token: string; readonly index: number; readonly input_tokens: number }
  | {
      readonly finish_reason: 'length' | 'stop';
      readonly input_tokens: number;
      readonly output_tokens: number;
    }
  | { readonly error: string };

/** Fault injection for demos and tests: put one of these words in the prompt. */
export const FAULT_KEYWORDS = {
  /** The worker's engine fails before the first token: 500, counted as a work-handler `generate` error. */
  workerError: '[worker-error]',
  /** The engine fails after two tokens: the stream ends with an error frame (frontend `internal`). */
  workerErrorMidStream: '[worker-error-midstream]',
  /** The engine stops after the first token and never finishes: the gateway's response timeout ends it. */
  workerStall: '[worker-stall]',
  /** The worker refuses the request as if it were full: 503, the frontend's `overload`/rejection. */
  workerOverload: '[worker-overload]',
} as const;
