import pino from 'pino';

const { serializersSym } = pino.symbols;

type Serializers = Record<string, (value: unknown) => unknown>;

/**
 * Applies the logger's pino serializers (`child({}, { serializers })`, as Fastify does with its
 * `loggerInstance`: compact `req` and `res` instead of the whole request and reply objects) to a call's
 * fields. dynotel replaces pino's line assembly, which is where pino applies them. pino's standard error
 * serializer is left out: errors are written by the formatter itself, with type, message, stack and
 * causes. Returns the fields untouched (no copy) when no serializer applies.
 */
export function serializeFields(
  logger: object,
  fields: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (fields === undefined || fields === null || typeof fields !== 'object') return fields;
  const serializers = (logger as { [serializersSym]?: Serializers })[serializersSym];
  if (serializers === undefined) return fields;
  const applicable = applicableSerializers(serializers);
  let copy: Record<string, unknown> | undefined;
  for (let i = 0; i < applicable.length; i++) {
    const [key, serializer] = applicable[i] as ApplicableSerializer;
    if (!Object.hasOwn(fields, key)) continue;
    copy ??= { ...fields };
    copy[key] = serializer(fields[key]);
  }
  return copy ?? fields;
}

type ApplicableSerializer = readonly [key: string, serializer: (value: unknown) => unknown];

/**
 * The serializers of one pino serializers object that apply to fields, listed once: pino makes that
 * object without a prototype (a dictionary-mode object, slow to enumerate) once per logger and never
 * changes it, and every line of the logger would otherwise enumerate it.
 */
const applicableBySerializers = new WeakMap<Serializers, readonly ApplicableSerializer[]>();

function applicableSerializers(serializers: Serializers): readonly ApplicableSerializer[] {
  let applicable = applicableBySerializers.get(serializers);
  if (applicable === undefined) {
    const list: ApplicableSerializer[] = [];
    for (const key in serializers) {
      const serializer = serializers[key];
      if (typeof serializer === 'function' && serializer.name !== 'errSerializer')
        list.push([key, serializer]);
    }
    applicable = list;
    applicableBySerializers.set(serializers, applicable);
  }
  return applicable;
}
