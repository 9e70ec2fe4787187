import { diag } from '@dynotel/core';
import type { ShutdownPhase, ShutdownResult } from './shutdown.ts';

/** What signal handling needs from the coordinator. */
export interface SignalTarget {
  readonly phase: ShutdownPhase;
  readonly started: boolean;
  shutdown(reason: string): Promise<ShutdownResult>;
  /** Ends the drain delay now (the next steps start at once); false when it was not running. */
  endDrain(): boolean;
}

export interface SignalHandlingOptions {
  readonly signals: readonly NodeJS.Signals[];
  /** Exit once a signal's sequence is done, when no other listener of that signal exists. */
  readonly exitAfterSignal: boolean;
  readonly gracePeriodMs: number;
}

/** Exit code of an interrupted process (128 + SIGINT), as shells and most CLIs use. */
const INTERRUPTED_EXIT_CODE = 130;

/**
 * Listens to `signals`. The first one starts the sequence. Once it runs, a SIGINT ends the drain delay
 * at once (Ctrl-C should not wait for load balancers that a terminal does not have) and the next SIGINT
 * exits at once with 130; a repeated SIGTERM is ignored.
 *
 * How the process ends: with `exitAfterSignal` and no other listener of the signal, dynotel exits with
 * the result's code once the sequence is done (installing a listener removed Node's own exit). When the
 * application listens to that signal too, its listener owns the exit: dynotel never calls process.exit
 * under it — not at the end of the sequence, not on a third SIGINT — and only sets process.exitCode
 * (when the application has not) and arms an unref'd last-resort exit at the grace period, which fires
 * only if something still keeps the process alive then (the platform would SIGKILL it a moment later).
 */
export function installSignalHandling(target: SignalTarget, options: SignalHandlingOptions): () => void {
  let interruptsDuringShutdown = 0;
  const othersListen = (signal: NodeJS.Signals): boolean =>
    process.listeners(signal).some((listener) => listener !== onSignal);

  const onSignal = (signal: NodeJS.Signals): void => {
    if (!target.started) {
      const signalledAt = performance.now();
      // Decided now: the application's listener of this signal runs right after this one.
      const appOwnsExit = othersListen(signal);
      void target.shutdown(signal).then((result) => {
        if (!options.exitAfterSignal) {
          process.exitCode = result.exitCode;
          return;
        }
        if (!appOwnsExit) process.exit(result.exitCode);
        process.exitCode ??= result.exitCode;
        const left = options.gracePeriodMs - (performance.now() - signalledAt);
        setTimeout(
          () => {
            diag.warn(
              'dynotel.health',
              'still running at the end of the grace period after the signal; exiting',
              {
                signal,
                gracePeriodMs: options.gracePeriodMs,
              },
            );
            process.exit();
          },
          Math.max(0, left),
        ).unref();
      });
      return;
    }
    if (signal !== 'SIGINT') {
      diag.info('dynotel.health', `${signal} received during shutdown; the sequence is already running`);
      return;
    }
    interruptsDuringShutdown++;
    if (interruptsDuringShutdown === 1 && target.endDrain()) {
      diag.info(
        'dynotel.health',
        'SIGINT during the drain: ending the drain now (another SIGINT exits at once)',
      );
      return;
    }
    if (options.exitAfterSignal && !othersListen(signal)) {
      diag.warn('dynotel.health', 'SIGINT received again during shutdown: exiting at once', {
        phase: target.phase,
      });
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    diag.info('dynotel.health', 'SIGINT received during shutdown; the sequence is already running', {
      phase: target.phase,
    });
  };

  for (const signal of options.signals) process.on(signal, onSignal);
  return () => {
    for (const signal of options.signals) process.off(signal, onSignal);
  };
}
