/** The OpenAI chat-completions wire shapes the gateway sends: SSE chunks, the unary body, error bodies. */
import { randomUUID } from 'node:crypto';

export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly stream: boolean;
  readonly maxTokens: number;
  readonly includeUsage: boolean;
}

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

/** Defaults to this many completion tokens when the client sends no `max_tokens`. */
export const DEFAULT_MAX_TOKENS = 32;

/**
 * Parses the body. `model` must be there to label the request at all; any other problem is a 400 whose
 * message starts with `Validation:` (Dynamo counts those as `error_type="validation"`).
 */
export function parseChatRequest(body: unknown): ChatRequest | { model?: string; error: string } {
  if (typeof body !== 'object' || body === null) return { error: 'request body must be a JSON object' };
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return { error: 'model must be a non-empty string' };
  const model = b.model;
  const invalid = (message: string) => ({ model, error: `Validation: ${message}` });
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    return invalid('messages must be a non-empty array');
  const messages: ChatMessage[] = [];
  for (const m of b.messages as unknown[]) {
    const { role, content } = (m ?? {}) as Record<string, unknown>;
    if (typeof role !== 'string' || typeof content !== 'string') {
      return invalid('every message needs a string role and content');
    }
    messages.push({ role, content });
  }
  const maxTokens = b.max_tokens ?? b.max_completion_tokens ?? DEFAULT_MAX_TOKENS;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 4096) {
    return invalid('max_tokens must be an integer from 1 to 4096');
  }
  const streamOptions = (b.stream_options ?? {}) as Record<string, unknown>;
  return {
    model,
    messages,
    stream: b.stream === true,
    maxTokens,
    includeUsage: streamOptions.include_usage === true,
  };
}

/** The prompt the worker sees: the messages as a transcript. */
export function promptOf(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n');
}

export class CompletionIds {
  readonly id = `chatcmpl-${randomUUID()}`;
  readonly created = Math.floor(Date.now() / 1000);
}

export function chunkEvent(
  ids: CompletionIds,
  model: string,
  delta: Record<string, string>,
  finishReason: string | null,
): string {
  const chunk = {
    id: ids.id,
    object: 'chat.completion.chunk',
    created: ids.created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

export function usageEvent(ids: CompletionIds, model: string, usage: Usage): string {
  const chunk = {
    id: ids.id,
    object: 'chat.completion.chunk',
    created: ids.created,
    model,
    choices: [],
    usage,
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

export const DONE_EVENT = 'data: [DONE]\n\n';

export function completionBody(
  ids: CompletionIds,
  model: string,
  text: string,
  finishReason: string,
  usage: Usage,
) {
  return {
    id: ids.id,
    object: 'chat.completion',
    created: ids.created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finishReason }],
    usage,
  };
}

/** OpenAI's error envelope. */
export function errorBody(status: number, message: string) {
  const type = status === 404 ? 'not_found_error' : status < 500 ? 'invalid_request_error' : 'server_error';
  return { error: { message, type, code: status } };
}

/** A failure after the stream started (the 200 is already sent): an SSE `error` event. */
export function errorEvent(status: number, message: string): string {
  return `event: error\ndata: ${JSON.stringify(errorBody(status, message))}\n\n`;
}
