import { instrumentNodeHttpClient } from './node-http-channels.ts';
import { OutgoingCalls, type OutgoingCallsDeps } from './outgoing-calls.ts';
import { instrumentUndici } from './undici-channels.ts';

export interface OutgoingInstrumentationOptions extends OutgoingCallsDeps {
  /** node:http / node:https clients (`DYN_INSTRUMENT_HTTP_CLIENT`). */
  readonly httpClient: boolean;
  /** fetch() and undici (`DYN_INSTRUMENT_FETCH`). */
  readonly fetch: boolean;
}

// One installation per process, whichever copy of this module made it: two would add the headers
// twice and record every call twice. A later init() replaces the earlier one.
const INSTALLED = Symbol.for('dynotel.outgoingHttpInstrumentation');
type Holder = { [INSTALLED]?: () => void };

/**
 * Instruments outgoing HTTP calls (fetch/undici, node:http/https) on Node's diagnostics channels, with
 * no monkeypatching: subscribing is all it does. Returns the uninstall (idempotent).
 */
export function installOutgoingHttpInstrumentation(options: OutgoingInstrumentationOptions): () => void {
  const holder = globalThis as Holder;
  uninstallOutgoingHttpInstrumentation();
  if (!options.httpClient && !options.fetch) return () => {};
  const calls = new OutgoingCalls(options);
  const undo: (() => void)[] = [];
  if (options.fetch) undo.push(instrumentUndici(calls));
  if (options.httpClient) undo.push(instrumentNodeHttpClient(calls));
  const uninstall = () => {
    for (const step of undo.splice(0)) step();
    if (holder[INSTALLED] === uninstall) delete holder[INSTALLED];
  };
  holder[INSTALLED] = uninstall;
  return uninstall;
}

/** Removes the process's outgoing HTTP instrumentation, if one is installed. */
export function uninstallOutgoingHttpInstrumentation(): void {
  (globalThis as Holder)[INSTALLED]?.();
}
