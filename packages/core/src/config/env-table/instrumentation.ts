import { truthyBoolean } from '../parsers.ts';
import { envVar } from './row.ts';

const BOOLEAN_ACCEPTED = '1|true|on|yes or 0|false|off|no (case-insensitive)';

/** Zero-code instrumentation on Node's diagnostics channels: each part can be turned off alone. */
export const INSTRUMENTATION_VARIABLES = {
  DYN_INSTRUMENT_HTTP_SERVER: envVar({
    name: 'DYN_INSTRUMENT_HTTP_SERVER',
    group: 'instrumentation',
    type: 'bool-truthy',
    default: 'true',
    accepted: BOOLEAN_ACCEPTED,
    description:
      "Instruments every request of every node:http server (Express, Fastify, Koa, plain node:http) from Node's `http.server.request.start` diagnostics channel: request id, server span, RED metrics (Express and Fastify route templates), access line, and the handler run in the request's context. The Express middleware and Fastify plugin reuse that request (never counted twice); off, they instrument their own requests as before.",
    source: 'dynotel',
    keys: ['instrumentation.httpServer'],
    parse: truthyBoolean,
    fallback: true,
  }),
  DYN_INSTRUMENT_HTTP_CLIENT: envVar({
    name: 'DYN_INSTRUMENT_HTTP_CLIENT',
    group: 'instrumentation',
    type: 'bool-truthy',
    default: 'true',
    accepted: BOOLEAN_ACCEPTED,
    description:
      "Instruments outgoing node:http and node:https client requests from Node's `http.client.*` diagnostics channels: a CLIENT span each, `traceparent`/`tracestate` and `x-request-id` injected, the client duration histogram.",
    source: 'dynotel',
    keys: ['instrumentation.httpClient'],
    parse: truthyBoolean,
    fallback: true,
  }),
  DYN_INSTRUMENT_FETCH: envVar({
    name: 'DYN_INSTRUMENT_FETCH',
    group: 'instrumentation',
    type: 'bool-truthy',
    default: 'true',
    accepted: BOOLEAN_ACCEPTED,
    description:
      "Instruments outgoing `fetch()` and undici requests from undici's `undici:request:*` diagnostics channels: a CLIENT span each, `traceparent`/`tracestate` and `x-request-id` injected, the client duration histogram.",
    source: 'dynotel',
    keys: ['instrumentation.fetch'],
    parse: truthyBoolean,
    fallback: true,
  }),
} as const;
