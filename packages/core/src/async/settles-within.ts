/**
 * Resolves true when `promise` settles (either way) within `ms`, false otherwise; never rejects. The
 * bounded processors wait on exporters with it: an exporter that never answers must not hold a flush
 * or a shutdown past its budget, and its failure is counted where the processor sees it.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
