import type { EnvVariable } from '../types.ts';

type RowSpec<T> = Omit<EnvVariable<T>, 'secret' | 'deprecated'> & {
  readonly secret?: boolean;
  readonly deprecated?: boolean;
};

/** Builds one frozen table row; `secret` and `deprecated` default to false. */
export function envVar<T>(spec: RowSpec<T>): EnvVariable<T> {
  return Object.freeze({ ...spec, secret: spec.secret ?? false, deprecated: spec.deprecated ?? false });
}
