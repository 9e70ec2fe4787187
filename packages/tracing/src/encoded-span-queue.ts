import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ProtoWriter } from './export/protobuf/proto-writer.ts';
import { type EncodedScopeSpans, writeSpanEntry } from './export/protobuf/trace-request.ts';

/** A batch taken from the queue: the encoded spans by resource and scope, and how many there are. */
export interface EncodedSpanBatch {
  readonly count: number;
  readonly groups: ReadonlyArray<EncodedScopeSpans & { readonly count: number }>;
}

interface Group {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  /** The encoded span entries of this group, back to back. */
  readonly arena: ProtoWriter;
  /** End offset in `arena` of each queued span, oldest first. */
  ends: number[];
}

/**
 * The batch queue of the OTLP path: a span is encoded into protobuf when it ends, while it is still in
 * the CPU cache, and only its bytes wait for the batch. Encoding the whole batch later walked hundreds
 * of span objects gone cold (several times the encoding cost in a server's profile), and kept them alive
 * long enough to be promoted to the old generation. Spans are grouped by resource and scope (one group
 * per tracer); each group's bytes live in one growing buffer, consumed from the front.
 */
export class EncodedSpanQueue {
  readonly #groups: Group[] = [];
  #length = 0;
  /** The group a batch starts with, rotated so no tracer's spans wait behind another's backlog. */
  #nextGroup = 0;

  get length(): number {
    return this.#length;
  }

  /** Encodes and queues one span; on an encoding failure nothing is queued and the error is thrown. */
  push(span: ReadableSpan): void {
    const group = this.#groupOf(span);
    const start = group.arena.pos;
    try {
      writeSpanEntry(group.arena, span);
    } catch (error) {
      group.arena.pos = start;
      throw error;
    }
    group.ends.push(group.arena.pos);
    this.#length++;
  }

  /**
   * Removes up to `max` spans and returns them encoded: the oldest of each group, groups in turn
   * (starting with a different group each time when there are several).
   */
  take(max: number): EncodedSpanBatch {
    const groups: Array<EncodedScopeSpans & { count: number }> = [];
    let count = 0;
    const total = this.#groups.length;
    const first = total === 0 ? 0 : this.#nextGroup % total;
    this.#nextGroup = first + 1;
    for (let i = 0; i < total; i++) {
      const group = this.#groups[(first + i) % total] as Group;
      if (count >= max) break;
      const taken = Math.min(max - count, group.ends.length);
      if (taken === 0) continue;
      const end = group.ends[taken - 1] as number;
      groups.push({
        resource: group.resource,
        scope: group.scope,
        spans: Uint8Array.prototype.slice.call(group.arena.view(0, end)),
        count: taken,
      });
      group.arena.discardPrefix(end);
      group.ends = group.ends.slice(taken).map((offset) => offset - end);
      count += taken;
    }
    this.#length -= count;
    return { count, groups };
  }

  clear(): void {
    for (const group of this.#groups) {
      group.arena.reset();
      group.ends = [];
    }
    this.#length = 0;
  }

  #groupOf(span: ReadableSpan): Group {
    // One tracer (one group) is the usual case: a linear scan beats a two-level map.
    for (const group of this.#groups) {
      if (group.scope === span.instrumentationScope && group.resource === span.resource) return group;
    }
    const group: Group = {
      resource: span.resource,
      scope: span.instrumentationScope,
      arena: new ProtoWriter(16 * 1024),
      ends: [],
    };
    this.#groups.push(group);
    return group;
  }
}
