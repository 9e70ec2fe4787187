/** Default per-source limit of foreign exposition text: 16 MiB (a busy vLLM exposes a few hundred KiB). */
export const DEFAULT_FOREIGN_TEXT_MAX_BYTES = 16 * 1024 * 1024;

/** Whether `text` is longer than `maxBytes` in UTF-8 (bytes are counted only when the length leaves it open). */
export function exceedsBytes(text: string, maxBytes: number): boolean {
  // UTF-8 takes 1 to 3 bytes per UTF-16 unit.
  return text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes);
}
