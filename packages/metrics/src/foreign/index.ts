export { type ExpositionFilter, filterExposition } from './filter.ts';
export {
  checkInjectedLabels,
  injectLabels,
  injectLabelsIntoFamilies,
  RESERVED_INJECTED_LABELS,
} from './inject.ts';
export type {
  ExpositionExemplar,
  ExpositionFamily,
  ExpositionLabel,
  ExpositionParseError,
  ExpositionParseResult,
  ExpositionSample,
  MetricFamilyType,
  ParsedExposition,
} from './model.ts';
export { looksLikeOpenMetrics, type ParseExpositionOptions, parseExposition } from './parser.ts';
export {
  type ForeignTextDropReason,
  type ForeignTextOptions,
  type ForeignTextResult,
  processForeignText,
} from './process.ts';
export { formatLabels, serializePrometheusText, toPrometheusFamilies } from './serialize.ts';
export { type ExpositionValidation, validateExpositionText, withFinalNewline } from './validate.ts';
