import {
  type EndpointPath,
  endpointPath,
  hierarchyName,
  instanceId,
  keyValueList,
  text,
} from '../parsers.ts';
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
      'Dynamo namespace of this service: the `dynamo_namespace` label of hierarchy metrics and a span attribute. Served endpoints (`telemetry.endpoint()`) use `dynamo` when no namespace is set (`identity.served.namespace`, derived).',
    source: 'dynotel',
    keys: ['identity.namespace', 'identity.served.namespace'],
    parse: hierarchyName,
    fallback: undefined,
  }),
  DYN_COMPONENT: envVar({
    name: 'DYN_COMPONENT',
    group: 'identity',
    type: 'string',
    default: 'unset',
    accepted: HIERARCHY_ACCEPTED,
    description:
      'Component name: the `dynamo_component` label of hierarchy metrics. Served endpoints use `backend` when no component is set (`identity.served.component`, derived).',
    source: 'dynotel',
    keys: ['identity.component', 'identity.served.component'],
    parse: hierarchyName,
    fallback: undefined,
  }),
  DYN_NAMESPACE_WORKER_SUFFIX: envVar({
    name: 'DYN_NAMESPACE_WORKER_SUFFIX',
    group: 'identity',
    type: 'string',
    default: 'unset',
    accepted: HIERARCHY_ACCEPTED,
    description:
      "Appended to the namespace as `<namespace>-<suffix>`, as Dynamo's workers do (`get_worker_namespace`; without a namespace, `dynamo-<suffix>`): the Dynamo operator sets it on workers during rolling updates, so old and new workers register under different namespaces. Empty means no suffix.",
    source: 'dynamo',
    keys: ['identity.namespace'],
    parse: hierarchyName,
    fallback: undefined,
  }),
  DYN_NAMESPACE_PREFIX: envVar({
    name: 'DYN_NAMESPACE_PREFIX',
    group: 'identity',
    type: 'string',
    default: 'unset',
    accepted: HIERARCHY_ACCEPTED,
    description:
      'The base namespace the Dynamo operator gives a frontend for prefix-based worker discovery. dynotel uses it as the namespace when neither DYN_NAMESPACE nor DYN_ENDPOINT names one (the operator sets both to the same base).',
    source: 'dynamo',
    keys: ['identity.namespace', 'identity.namespacePrefix'],
    parse: hierarchyName,
    fallback: undefined,
  }),
  DYN_ENDPOINT: envVar({
    name: 'DYN_ENDPOINT',
    group: 'identity',
    type: 'string',
    default: 'unset',
    accepted:
      'dyn://<namespace>.<component>.<endpoint> (three names with a letter or digit each), or a plain endpoint name without dots',
    description:
      "Dynamo's endpoint path (`--endpoint`): `dyn://dynamo.backend.generate` sets the endpoint (the `dynamo_endpoint` label of endpoint-level metrics) and, where DYN_NAMESPACE / DYN_COMPONENT are unset, the namespace and component. A plain name sets the endpoint only. Unset, `telemetry.endpoint()` serves `generate` (`identity.served.endpoint`, derived).",
    source: 'dynamo',
    keys: ['identity.endpoint', 'identity.namespace', 'identity.component', 'identity.served.endpoint'],
    parse: endpointPath,
    fallback: undefined as EndpointPath | undefined,
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
