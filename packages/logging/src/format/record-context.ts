import type { OtlpBridge } from '../otlp/bridge.ts';
import type { BaseFields } from './base-fields.ts';
import type { BoundField } from './fields.ts';
import type { FieldLayout } from './json-fields.ts';
import type { Redactor } from './redaction.ts';
import type { TimestampFormatter } from './timestamp.ts';

/** What every line of one logger tree shares, fixed when the root logger is made. */
export interface SharedFormatState {
  readonly format: 'jsonl' | 'readable';
  readonly timestamp: TimestampFormatter;
  readonly maxFieldLength: number;
  readonly fileAndLine: boolean;
  readonly ansi: boolean;
  readonly otlp: OtlpBridge | undefined;
}

/** What one (child) logger adds: its target and bindings, serialised once when it is made. */
export interface LoggerFormatState {
  readonly target: string;
  readonly targetJson: string;
  /** pino's `redact` of this logger (inherited by children unless a child sets its own). */
  readonly redact: Redactor | undefined;
  /** By pino level number: what follows the time in a line without file and line (see `levelHeads`). */
  readonly levelHeads: readonly string[];
  /** The message of the logger's last line and its JSON (see `messageJson` in jsonl.ts). */
  lastMessage: string | undefined;
  lastMessageJson: string;
  readonly bindings: readonly BoundField[];
  /** Bindings merged with the current correlation fragments (mutable cache, see `jsonFields`). */
  readonly base: BaseFields;
  /** How call fields of the shapes seen so far interleave with `base` (see `jsonFields`). */
  readonly layouts: FieldLayout[];
  /** The slot the next new layout replaces once `layouts` is full. */
  nextLayoutSlot: number;
}
