import { randomFillSync } from 'node:crypto';

/**
 * Random ids cut from a block of text rendered from CSPRNG bytes at once (hex trace and span ids,
 * UUIDs). `randomFillSync` costs ~2 µs a call whatever its size up to a few KiB, and rendering many ids
 * in one go beats building each from small strings, so an id costs a slice: ~30–60 ns and 32 bytes.
 * The price: V8 makes a slice of 13 characters or more a view of its block, so an id keeps its whole
 * block alive for as long as it is referenced. The ids of requests in flight share a few blocks; an
 * application that keeps a sparse few ids for long (say, of failed requests) keeps a block per id.
 * Flat copies were measured at 30–60 ns more per id (three ids per request), so the README says so
 * instead.
 */
export class RandomTextPool {
  readonly #random: Buffer;
  readonly #render: (random: Buffer) => string;
  #block = '';
  #offset = 0;

  /** `render` turns `bytes` random bytes into the block's text (it may change them in place). */
  constructor(bytes: number, render: (random: Buffer) => string) {
    this.#random = Buffer.allocUnsafe(bytes);
    this.#render = render;
  }

  /** The next `chars` characters of the block, after a refill when fewer are left. */
  take(chars: number): string {
    if (this.#offset + chars > this.#block.length) {
      randomFillSync(this.#random);
      this.#block = this.#render(this.#random);
      this.#offset = 0;
    }
    const text = this.#block.slice(this.#offset, this.#offset + chars);
    this.#offset += chars;
    return text;
  }
}
