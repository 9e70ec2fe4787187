/**
 * A bounded synthetic load against the gateway: a fixed, shuffled plan of OpenAI chat requests —
 * streaming and unary successes, client disconnects mid-stream, and every error the gateway maps
 * (worker failure, worker overload, unknown model, invalid request) — run with a fixed concurrency.
 */
import { FAULT_KEYWORDS } from '../shared/protocol.ts';

export type RequestKind =
  | 'stream'
  | 'unary'
  | 'disconnect'
  | 'worker_error'
  | 'worker_error_midstream'
  | 'worker_stall'
  | 'worker_overload'
  | 'unknown_model'
  | 'invalid';

export interface LoadPlan {
  readonly counts: Readonly<Record<RequestKind, number>>;
  readonly concurrency: number;
  readonly seed: number;
}

export const DEFAULT_PLAN: LoadPlan = {
  counts: {
    stream: 30,
    unary: 16,
    disconnect: 4,
    worker_error: 3,
    worker_error_midstream: 2,
    worker_stall: 2,
    worker_overload: 3,
    unknown_model: 2,
    invalid: 2,
  },
  concurrency: 8,
  seed: 42,
};

export interface LoadResult {
  readonly sent: number;
  readonly durationMs: number;
  /** Client-side view: HTTP status → count (`disconnected` for the requests the client dropped). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Streaming answers that ended with `data: [DONE]`. */
  readonly streamsCompleted: number;
  /** x-request-id of the first streaming request that completed (its logs and spans are shown). */
  readonly sampleRequestId: string | undefined;
}

export interface LoadProgress {
  readonly done: number;
  readonly total: number;
  readonly inFlight: number;
  readonly byStatus: Readonly<Record<string, number>>;
}

export async function runLoad(
  gatewayUrl: string,
  model: string,
  plan: LoadPlan,
  /** Stops sending (and reporting) at once: the demo was interrupted. */
  signal: AbortSignal,
  onProgress: (progress: LoadProgress) => void,
): Promise<LoadResult> {
  const random = mulberry32(plan.seed);
  const kinds = shuffle(
    Object.entries(plan.counts).flatMap(([kind, n]) => Array.from({ length: n }, () => kind as RequestKind)),
    random,
  );
  const byStatus: Record<string, number> = {};
  let next = 0;
  let done = 0;
  let inFlight = 0;
  let streamsCompleted = 0;
  let sampleRequestId: string | undefined;
  const started = performance.now();
  const progressTimer = setInterval(
    () => onProgress({ done, total: kinds.length, inFlight, byStatus }),
    1000,
  );

  async function lane(): Promise<void> {
    while (next < kinds.length && !signal.aborted) {
      const index = next++;
      const kind = kinds[index] as RequestKind;
      const requestId = `demo-${String(index + 1).padStart(4, '0')}`;
      inFlight++;
      const outcome = await send(gatewayUrl, model, kind, requestId, random).catch((error: unknown) => ({
        status: `failed: ${error instanceof Error ? error.message : String(error)}`,
        completedStream: false,
      }));
      inFlight--;
      done++;
      byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
      if (outcome.completedStream) {
        streamsCompleted++;
        sampleRequestId ??= requestId;
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: plan.concurrency }, () => lane()));
  } finally {
    clearInterval(progressTimer);
  }
  if (signal.aborted) throw new Error('interrupted');
  onProgress({ done, total: kinds.length, inFlight, byStatus });
  return {
    sent: kinds.length,
    durationMs: performance.now() - started,
    byStatus,
    streamsCompleted,
    sampleRequestId,
  };
}

async function send(
  gatewayUrl: string,
  model: string,
  kind: RequestKind,
  requestId: string,
  random: () => number,
): Promise<{ status: string; completedStream: boolean }> {
  const words = 8 + Math.floor(random() * 150);
  let prompt = Array.from({ length: words }, (_, i) => `word${i}`).join(' ');
  if (kind === 'worker_error') prompt += ` ${FAULT_KEYWORDS.workerError}`;
  if (kind === 'worker_error_midstream') prompt += ` ${FAULT_KEYWORDS.workerErrorMidStream}`;
  if (kind === 'worker_stall') prompt += ` ${FAULT_KEYWORDS.workerStall}`;
  if (kind === 'worker_overload') prompt += ` ${FAULT_KEYWORDS.workerOverload}`;
  const stream =
    kind === 'stream' ||
    kind === 'disconnect' ||
    kind === 'worker_error_midstream' ||
    (kind !== 'unary' && random() < 0.5);
  const body: Record<string, unknown> = {
    model: kind === 'unknown_model' ? 'no-such-model' : model,
    messages: kind === 'invalid' ? [] : [{ role: 'user', content: prompt }],
    max_tokens: kind === 'disconnect' ? 200 : 16 + Math.floor(random() * 48),
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  };
  const abort = new AbortController();
  const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify(body),
    signal: abort.signal,
  });
  if (!stream || response.status !== 200 || response.body === null) {
    await response.arrayBuffer();
    return { status: String(response.status), completedStream: false };
  }
  // Read the SSE stream; a "disconnect" client hangs up after a few chunks.
  const decoder = new TextDecoder();
  let text = '';
  let chunks = 0;
  try {
    for await (const bytes of response.body) {
      text += decoder.decode(bytes, { stream: true });
      chunks = text.split('data: ').length - 1;
      if (kind === 'disconnect' && chunks >= 3) {
        abort.abort();
        return { status: 'disconnected', completedStream: false };
      }
    }
  } catch (error) {
    if (abort.signal.aborted) return { status: 'disconnected', completedStream: false };
    throw error;
  }
  // A failure after the first token cannot change the 200 any more: it arrives as an SSE error event.
  if (text.includes('event: error')) return { status: '200+error event', completedStream: false };
  return { status: '200', completedStream: text.trimEnd().endsWith('data: [DONE]') };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** A small seeded PRNG, so every demo run sends the same plan. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
