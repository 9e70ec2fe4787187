/**
 * Keep-alive load through a shutdown signal, for the drain tests: `connections` clients on one pooled
 * undici dispatcher send requests back to back; once `warmUp` have been answered the signal is sent,
 * and the clients stop `stopBeforeDrainEndMs` before the drain delay ends (a request written on an idle
 * connection at the very instant the server closes it can still race, as with any server). Bounded by
 * `maxRequests` as well, so a server that never drains cannot keep the loop running.
 */
import { type Dispatcher, request } from 'undici';

export interface LoadOutcome {
  readonly sentAt: number;
  readonly endedAt: number;
  /** 0 when the request failed (`error` says how). */
  readonly status: number;
  /** The response's `Connection` header. */
  readonly connection: string | undefined;
  readonly error: string | undefined;
}

export interface KeepAliveLoadOptions {
  readonly dispatcher: Dispatcher;
  readonly url: (index: number) => string;
  readonly connections: number;
  readonly warmUp: number;
  readonly maxRequests: number;
  readonly drainDelayMs: number;
  readonly stopBeforeDrainEndMs: number;
  /** Sends the signal (e.g. `child.kill('SIGTERM')`). */
  readonly signal: () => void;
  /** Runs beside the clients (e.g. readiness probes), reading the live state. */
  readonly alongside?: (state: KeepAliveLoadState) => Promise<void>;
}

export interface KeepAliveLoadState {
  readonly outcomes: LoadOutcome[];
  /** When the signal was sent (performance.now()), once it was. */
  signalAt: number | undefined;
  /** When the clients stop sending. */
  stopAt: number;
  /** Requests sent. */
  requests: number;
}

export async function keepAliveLoadThroughSignal(options: KeepAliveLoadOptions): Promise<KeepAliveLoadState> {
  const state: KeepAliveLoadState = {
    outcomes: [],
    signalAt: undefined,
    stopAt: Number.POSITIVE_INFINITY,
    requests: 0,
  };
  const client = async (): Promise<void> => {
    while (state.requests < options.maxRequests && performance.now() < state.stopAt) {
      const index = state.requests++;
      const sentAt = performance.now();
      try {
        const response = await request(options.url(index), {
          dispatcher: options.dispatcher,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        await response.body.text();
        const connection = response.headers.connection;
        state.outcomes.push({
          sentAt,
          endedAt: performance.now(),
          status: response.statusCode,
          connection: typeof connection === 'string' ? connection : undefined,
          error: undefined,
        });
      } catch (error) {
        state.outcomes.push({
          sentAt,
          endedAt: performance.now(),
          status: 0,
          connection: undefined,
          error: (error as { code?: string }).code ?? (error as Error).name,
        });
      }
      if (state.signalAt === undefined && state.outcomes.length >= options.warmUp) {
        state.signalAt = performance.now();
        state.stopAt = state.signalAt + options.drainDelayMs - options.stopBeforeDrainEndMs;
        options.signal();
      }
    }
  };
  const clients = Array.from({ length: options.connections }, client);
  await Promise.all(options.alongside === undefined ? clients : [...clients, options.alongside(state)]);
  return state;
}
