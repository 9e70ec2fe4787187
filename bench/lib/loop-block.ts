/**
 * Measures the longest stretch the event loop was blocked while `work` ran: a setImmediate ticker
 * records the largest gap between two of its ticks. A fully synchronous task shows its whole duration.
 */
export async function measureLoopBlock<T>(
  work: () => Promise<T> | T,
): Promise<{ result: T; maxBlockMs: number }> {
  let maxGap = 0;
  let last = performance.now();
  let running = true;
  const tick = () => {
    const now = performance.now();
    if (now - last > maxGap) maxGap = now - last;
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const started = performance.now();
  const result = await work();
  const finished = performance.now();
  running = false;
  // A synchronous task never lets the ticker run: its whole duration is one block.
  maxGap = Math.max(maxGap, finished - last);
  if (maxGap === 0) maxGap = finished - started;
  return { result, maxBlockMs: maxGap };
}
