/** A monotonic clock in milliseconds. Injectable so tests can drive time; defaults to performance.now(). */
export type Clock = () => number;

export const monotonicClock: Clock = () => performance.now();
