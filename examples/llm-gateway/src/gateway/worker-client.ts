/**
 * The gateway's side of the request plane: POSTs to the worker's `/generate` with the request id of the
 * current request, and reads back the worker's NDJSON frames. `traceparent` and `x-request-id` are
 * added by dynotel's outgoing instrumentation (a CLIENT span for the call, the worker's span its child).
 */
import { FRONTEND_SEND_TS_HEADER, getRequestContext, wallClockNanos } from 'dynotel';
import {
  GENERATE_PATH,
  INSTANCE_PATH,
  type WorkerFrame,
  type WorkerInstance,
  type WorkerRequest,
} from '../shared/protocol.ts';

/** The worker's registration (this example's discovery), or undefined when it does not answer. */
export async function discoverWorker(workerUrl: string): Promise<WorkerInstance | undefined> {
  try {
    const response = await fetch(new URL(INSTANCE_PATH, workerUrl), { signal: AbortSignal.timeout(1000) });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return (await response.json()) as WorkerInstance;
  } catch {
    return undefined;
  }
}

export type WorkerAnswer =
  | { readonly kind: 'frames'; readonly frames: AsyncGenerator<WorkerFrame> }
  | { readonly kind: 'refused'; readonly status: number; readonly message: string };

export async function callWorker(
  workerUrl: string,
  body: WorkerRequest,
  signal: AbortSignal,
): Promise<WorkerAnswer> {
  // Dynamo's frontend also hands its request-id to the worker; dynotel adds traceparent and x-request-id.
  const requestId = getRequestContext()?.requestId;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (requestId !== undefined) headers['request-id'] = requestId;
  // Dynamo's frontend stamps its send time: the worker's dynamo_work_handler_network_transit_seconds.
  headers[FRONTEND_SEND_TS_HEADER] = wallClockNanos().toString();
  const response = await fetch(new URL(GENERATE_PATH, workerUrl), {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok || response.body === null) {
    const text = await response.text().catch(() => '');
    return {
      kind: 'refused',
      status: response.status,
      message: errorMessageOf(text) ?? `worker answered ${response.status}`,
    };
  }
  return { kind: 'frames', frames: readFrames(response.body) };
}

async function* readFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<WorkerFrame> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const bytes of body) {
    buffered += decoder.decode(bytes, { stream: true });
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== '') yield JSON.parse(line) as WorkerFrame;
      newline = buffered.indexOf('\n');
    }
  }
  if (buffered.trim() !== '') yield JSON.parse(buffered) as WorkerFrame;
}

function errorMessageOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}
