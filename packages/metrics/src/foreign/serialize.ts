import { textSampleLine, textWriter } from '../expose/text-writer.ts';
import { escapeLabelValue } from '../format/escape.ts';
import type { FamilyType } from '../model/family.ts';
import type {
  ExpositionFamily,
  ExpositionLabel,
  ExpositionSample,
  MetricFamilyType,
  ParsedExposition,
} from './model.ts';

/**
 * Writes families as Prometheus text 0.0.4 with the scrape's own text writer (`expose/text-writer.ts`,
 * the one 0.0.4 writer), sample by sample in the order given, labels in the order written; every label
 * value and HELP text is escaped anew: foreign bytes are never passed through verbatim. Families must
 * already follow 0.0.4 naming (see `toPrometheusFamilies`); a family whose source declared no type gets
 * no TYPE line. Returns `''` for no families; otherwise the text ends with a line feed.
 */
export function serializePrometheusText(families: readonly ExpositionFamily[]): string {
  let out = '';
  for (const family of families) {
    const { name, help, typeDeclared } = family;
    out += textWriter.header({ name, help, type: textType(family.type), typeDeclared });
    for (const sample of family.samples) out += sampleLine(sample);
  }
  return out;
}

function sampleLine(sample: ExpositionSample): string {
  const series = sample.labels.length === 0 ? sample.name : `${sample.name}${formatLabels(sample.labels)}`;
  return textSampleLine(series, sample.value, sample.timestampMs);
}

/** `toPrometheusFamilies` leaves only 0.0.4 types, `unknown` aside (written `untyped`). */
function textType(type: MetricFamilyType): FamilyType {
  switch (type) {
    case 'counter':
    case 'gauge':
    case 'histogram':
    case 'summary':
      return type;
    default:
      return 'untyped';
  }
}

/** `{name="value",…}` in the order written, values escaped, or `{}` for none. */
export function formatLabels(labels: readonly ExpositionLabel[]): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as ExpositionLabel;
    if (i > 0) out += ',';
    out += `${label.name}="${escapeLabelValue(label.value)}"`;
  }
  return `${out}}`;
}

/**
 * Maps a parsed exposition onto 0.0.4 families, the way prometheus_client writes 0.0.4: an OpenMetrics
 * counter `foo` becomes counter `foo_total` plus gauge `foo_created`; histogram and summary `_created`
 * samples become a gauge `<name>_created`; info `foo` becomes gauge `foo_info`; stateset becomes a gauge;
 * a gauge histogram becomes gauges `foo_bucket`, `foo_gcount`, `foo_gsum`; `unknown` becomes `untyped`.
 * Units and exemplars have no 0.0.4 form and are dropped.
 */
export function toPrometheusFamilies(exposition: ParsedExposition): ExpositionFamily[] {
  if (exposition.format === 'text') return [...exposition.families];
  const out: ExpositionFamily[] = [];
  for (const family of exposition.families) {
    const split = (suffixes: readonly string[], type: MetricFamilyType) => {
      for (const suffix of suffixes) {
        const name = `${family.name}${suffix}`;
        const samples = family.samples.filter((s) => s.name === name).map(withoutExemplar);
        if (samples.length > 0) out.push(convertedFamily(family, name, type, true, samples));
      }
    };
    switch (family.type) {
      case 'counter':
        split(['_total'], 'counter');
        split(['_created'], 'gauge');
        break;
      case 'histogram':
      case 'summary': {
        const created = `${family.name}_created`;
        out.push(
          convertedFamily(
            family,
            family.name,
            family.type,
            true,
            family.samples.filter((s) => s.name !== created).map(withoutExemplar),
          ),
        );
        split(['_created'], 'gauge');
        break;
      }
      case 'gaugehistogram':
        split(['_bucket', '_gcount', '_gsum'], 'gauge');
        break;
      case 'info':
        split(['_info'], 'gauge');
        break;
      case 'stateset':
        out.push(convertedFamily(family, family.name, 'gauge', true, family.samples));
        break;
      default:
        out.push(
          convertedFamily(
            family,
            family.name,
            family.type === 'unknown' ? 'untyped' : family.type,
            family.typeDeclared,
            [...family.samples],
          ),
        );
    }
  }
  return out;
}

function convertedFamily(
  source: ExpositionFamily,
  name: string,
  type: MetricFamilyType,
  typeDeclared: boolean,
  samples: readonly ExpositionSample[],
): ExpositionFamily {
  return { name, type, typeDeclared, help: source.help, unit: undefined, samples };
}

function withoutExemplar(sample: ExpositionSample): ExpositionSample {
  return sample.exemplar === undefined ? sample : { ...sample, exemplar: undefined };
}
