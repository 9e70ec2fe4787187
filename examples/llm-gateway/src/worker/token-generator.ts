/**
 * A fake LLM engine: it "generates" words with an engine's timing shape — one prefill delay before the
 * first token (growing with the prompt), then one decode delay per token — and honours an abort signal.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface GeneratorTiming {
  /** Time to first token for an empty prompt, in ms. */
  readonly ttftMs: number;
  /** Extra prefill time per prompt token, in ms. */
  readonly prefillMsPerToken: number;
  /** Inter-token latency, in ms. */
  readonly itlMs: number;
  /** Random spread around each delay, 0..1 (0.2 = ±20%). */
  readonly jitter: number;
}

export interface GenerateRequest {
  readonly promptTokens: number;
  readonly maxTokens: number;
  readonly signal?: AbortSignal | undefined;
}

export interface GeneratedToken {
  readonly index: number;
  readonly text: string;
}

const WORDS = (
  'the a model token stream of light and data flows through every layer while attention ' +
  'weights settle into place and the answer grows one piece at a time until it is done'
).split(' ');

export async function* generateTokens(
  timing: GeneratorTiming,
  request: GenerateRequest,
): AsyncGenerator<GeneratedToken> {
  const { signal } = request;
  await sleep(
    spread(timing.ttftMs + timing.prefillMsPerToken * request.promptTokens, timing.jitter),
    undefined,
    { signal },
  );
  for (let index = 0; index < request.maxTokens; index++) {
    if (index > 0) await sleep(spread(timing.itlMs, timing.jitter), undefined, { signal });
    const word = WORDS[(index * 7 + request.promptTokens) % WORDS.length] ?? 'token';
    yield { index, text: index === 0 ? word : ` ${word}` };
  }
}

function spread(ms: number, jitter: number): number {
  return Math.max(0, ms * (1 + jitter * (Math.random() * 2 - 1)));
}
