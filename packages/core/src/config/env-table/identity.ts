import { hierarchyName, instanceId, keyValueList, text } from '../parsers.ts';
import { envVar } from './row.ts';

const NAME_ACCEPTED = 'any string without control characters';
const HIERARCHY_ACCEPTED = 'a name with at least one letter or digit, without control characters';

export const IDENTITY_VARIABLES = {
  OTEL_SERVICE_NAME: envVar({
    name: 'OTEL_SERVICE_NAME',
    group: 'identity',
    type: 'string',
    default: 'dynamo',
    accepted: NAME_ACCEPTED,
    description:
      'The `service.name` resource attribute and tracer name. Wins over a `service.name` given in OTEL_RESOURCE_ATTRIBUTES. Dynamo uses the same default.',
    source: 'otel',
    keys: ['identity.serviceName'],
    parse: text,
    fallback: 'dynamo',
  }),
  OTEL_RESOURCE_ATTRIBUTES: envVar({
    name: 'OTEL_RESOURCE_ATTRIBUTES',
    group: 'identity',
    type: 'key-value-list',
    default: 'unset',
    accepted: 'key1=value1,key2=value2 with percent-encoded values',
    description:
      'Extra resource attributes on every span and OTLP log record. Any malformed pair discards the whole value (OTel spec).',
    source: 'otel',
    keys: ['identity.resourceAttributes'],
    parse: keyValueList('attributes'),
    fallback: Object.freeze({}) as Readonly<Record<string, string>>,
  }),
  DYN_NAMESPACE: envVar({
    name: 'DYN_NAMESPACE',
    group: 'identity',
    type: 'string',
    default: 'unset',
    accepted: HIERARCHY_ACCEPTED,
    description:
      'Dynamo namespace of this service: the `dynamo_namespace` label of hierarchy metrics and a span attribute.',
    source: 'dynotel',
    keys: ['identity.namespace'],
    parse: hierarchyName,
    fallback: undefined,
  }),
  DYN_COMPONENT: envVar({
    name: 'DYN_COMPONENT',
    group: 'identity',
    type: 'string',
    default: 'unset',
    accepted: HIERARCHY_ACCEPTED,
    description: 'Component name: the `dynamo_component` label of hierarchy metrics.',
    source: 'dynotel',
    keys: ['identity.component'],
    parse: hierarchyName,
    fallback: undefined,
  }),
  DYN_ENDPOINT: envVar({
    name: 'DYN_ENDPOINT',
    group: 'identity',
    type: 'string',
    default: 'unset',
    accepted: HIERARCHY_ACCEPTED,
    description: 'Default endpoint name: the `dynamo_endpoint` label of endpoint-level metrics.',
    source: 'dynotel',
    keys: ['identity.endpoint'],
    parse: hierarchyName,
    fallback: undefined,
  }),
  DYN_INSTANCE_ID: envVar({
    name: 'DYN_INSTANCE_ID',
    group: 'identity',
    type: 'instance-id',
    default: 'unset',
    accepted: 'an unsigned 64-bit integer: decimal, 0x-prefixed hex, or hex containing a letter',
    description:
      'Instance id of this process, printed as lowercase hex without 0x in the `worker_id` label (as Dynamo prints its etcd lease id).',
    source: 'dynotel',
    keys: ['identity.instanceId'],
    parse: instanceId,
    fallback: undefined,
  }),
} as const;
