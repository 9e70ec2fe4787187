// Placeholder until the env table lands (being written now).
export interface EnvVariable {
  readonly name: string;
}
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}
export interface DynotelConfig {
  readonly strict: boolean;
}
export interface ReadConfigOptions {
  readonly strict?: boolean;
}
export interface ReadConfigResult {
  readonly config: DynotelConfig;
  readonly problems: readonly ConfigProblem[];
}
export const ENV_TABLE: readonly EnvVariable[] = [];
export function readConfig(
  _env: Record<string, string | undefined> = {},
  options: ReadConfigOptions = {},
): ReadConfigResult {
  return { config: { strict: options.strict ?? false }, problems: [] };
}
