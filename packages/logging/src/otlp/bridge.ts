import { diag } from '@dynotel/core';
import { type Context, context } from '@opentelemetry/api';
import {
  type AnyValue,
  type LogAttributes,
  type LoggerProvider,
  SeverityNumber,
} from '@opentelemetry/api-logs';
import { jsonValue } from '../format/json-text.ts';
import { logRecordsExportFailed } from '../self-metrics.ts';
import { boundedProcessorOf } from './provider.ts';
import { logRecordsDropped } from './self-metrics.ts';

/**
 * Hands each written record to an OpenTelemetry `LoggerProvider` (api-logs), so it is also exported
 * over OTLP. The record carries the active context, so the SDK attaches the trace and span ids itself;
 * `target`, the fields and the request ids become attributes.
 */
export interface OtlpBridge {
  emit(
    levelNumber: number,
    target: string,
    message: string,
    fields: ReadonlyArray<readonly [string, unknown]>,
    file?: string,
    line?: number,
    /** The frame the line was given (logWithCorrelation); else the active context. */
    recordContext?: Context,
  ): void;
}

const SEVERITY: Record<number, [SeverityNumber, string]> = {
  10: [SeverityNumber.TRACE, 'TRACE'],
  20: [SeverityNumber.DEBUG, 'DEBUG'],
  30: [SeverityNumber.INFO, 'INFO'],
  40: [SeverityNumber.WARN, 'WARN'],
  50: [SeverityNumber.ERROR, 'ERROR'],
  60: [SeverityNumber.FATAL, 'FATAL'],
};

const SCOPE = '@dynotel/logging';

function attributeValue(value: unknown): AnyValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    default:
      // Objects, arrays and errors travel as their JSON text: bounded, never circular.
      return jsonValue(value, 32_768);
  }
}

export function createOtlpBridge(loggerProvider: LoggerProvider): OtlpBridge {
  const logger = loggerProvider.getLogger(SCOPE);
  const processor = boundedProcessorOf(loggerProvider);
  return {
    emit(levelNumber, target, message, fields, file, line, recordContext) {
      // Once shutdown started the SDK's logger silently ignores records: count them here instead.
      if (processor?.isClosing === true) {
        logRecordsDropped.inc({ reason: 'shutdown' });
        return;
      }
      try {
        const attributes: LogAttributes = { target };
        for (const [key, value] of fields) {
          if (key === 'trace_id' || key === 'span_id') continue; // carried by the record's context
          const converted = attributeValue(value);
          if (converted !== undefined) attributes[key] = converted;
        }
        if (file !== undefined) attributes['code.file.path'] = file;
        if (line !== undefined) attributes['code.line.number'] = line;
        const [severityNumber, severityText] = SEVERITY[levelNumber] ?? [SeverityNumber.INFO, 'INFO'];
        logger.emit({
          timestamp: Date.now(),
          severityNumber,
          severityText,
          body: message,
          attributes,
          context: recordContext ?? context.active(),
        });
      } catch (error) {
        logRecordsExportFailed.inc();
        diag.once('dynotel.logging.otlp.emit', {
          level: 'warn',
          target: 'dynotel.logging',
          message:
            'a log record could not be passed to the OTLP logger provider; later failures are only counted',
          fields: { error: error instanceof Error ? error.message : String(error) },
        });
      }
    },
  };
}
