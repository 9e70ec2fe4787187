export {
  DEFAULT_LOG_BUCKET_LAYOUTS,
  FRONTEND_HISTOGRAM_ENV_STEMS,
  type FrontendHistogramName,
  frontendHistogramBuckets,
  type LogBucketLayout,
  type LogBucketOverride,
  logBucketLayoutProblem,
  MAX_LOG_BUCKET_COUNT,
  resolveLogBucketLayout,
} from './layouts.ts';
export { generateLogBuckets, roundToTwoSignificantDigits } from './log-buckets.ts';
