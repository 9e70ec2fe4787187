// @dynotel/core/internal: what the other dynotel packages share and an application should not use.
// Not a stable API: it changes with the dynotel packages that import it, in any release. Everything
// exported here is listed by name.

export { settlesWithin } from './async/settles-within.ts';
export { type EnvVariable, renderConfigurationDoc } from './config/index.ts';
export type {
  ConfigGroup,
  EnvSource,
  EnvType,
  ParseContext,
  ParseResult,
  Parser,
} from './config/types.ts';
export {
  ChainedContext,
  type FrameContext,
  MAX_CHAIN_LENGTH,
  REQUEST_CONTEXT_KEY,
  ROOT_FRAME,
} from './context/context-frame.ts';
export { RandomTextPool } from './context/random-text-pool.ts';
export {
  contextFrameStorage,
  currentFrame,
  enterFrame,
  frameWithRequestContext,
  type RequestContext,
  requestContextOf,
  runInFrame,
  runOutsideRequests,
} from './context/request-context.ts';
export { isServerUninstrumented, markServerUninstrumented } from './context/uninstrumented-server.ts';
export { randomRequestUuid } from './context/uuid-pool.ts';
export { createDependencyLoader, type DependencyLoader } from './module/dependency-loader.ts';
