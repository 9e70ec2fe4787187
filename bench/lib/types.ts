/** One measured figure of one implementation in one case, e.g. "counter inc, cached child" for prom-client. */
export interface BenchRow {
  readonly suite: string;
  readonly case: string;
  readonly impl: string;
  /** The headline figure, in `unit`; the median over rounds. */
  readonly value: number;
  readonly unit: string;
  /** Extra figures (p99, bytes, max event-loop block…). */
  readonly extra?: Readonly<Record<string, number>>;
}

export interface SuiteContext {
  /** Short mode for CI: proves the harness runs, figures are meaningless. */
  readonly smoke: boolean;
  /** A subset of the cells (--quick): figures valid, coverage partial. */
  readonly quick: boolean;
  readonly rounds: number;
  log(message: string): void;
}

export interface Suite {
  readonly name: string;
  readonly title: string;
  /** Runs the BUILT packages (dist/): the runner checks the build before the first suite and between suites. */
  readonly usesBuiltPackages?: boolean;
  /** What "better" means and which ratio matters, printed above the table. */
  readonly description: string;
  run(context: SuiteContext): Promise<BenchRow[]>;
  /**
   * Renders the suite's rows itself (e.g. a matrix); undefined (rows of another layout, such as a
   * results.json recorded by a former version of the suite) falls back to the generic table.
   */
  render?(rows: readonly BenchRow[]): string | undefined;
}
