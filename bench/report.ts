/** One line of the benchmark table: Baton's figure, the floor measured in the same run, and the target. */
export interface BenchRow {
  /** What was measured, e.g. `cold start: ingest` or `DynamoDB requests per inbound message`. */
  figure: string;
  unit: 'KB' | 'ms' | 'req/s' | 'count' | 'calls/s';
  baton: number;
  /** The floor measured in the same run; undefined where the figure has no baseline (a count). */
  baseline?: number | undefined;
  /** Baton ÷ baseline when it is not simply `baton / baseline` (e.g. a median of paired ratios). */
  ratio?: number | undefined;
  /** The target as text (`≤ baseline + 60 KB`, `≤ 1.2 ×`, `≤ 2`), and whether it was met. */
  target: string;
  met: boolean;
  /**
   * For an absolute target (req/s, ms), whether the floor itself meets it: where it does not, no
   * code on top of it can on this machine, and the table says so.
   */
  baselineMet?: boolean | undefined;
  /** How it was measured (sample size, what the baseline does), for the reader of the JSON. */
  note?: string | undefined;
}

/**
 * Baton ÷ baseline: above 1, Baton is slower or bigger, except for a rate (req/s), where above 1
 * is better.
 */
export const ratio = (row: BenchRow): number | undefined =>
  row.ratio ?? (row.baseline === undefined || row.baseline === 0 ? undefined : row.baton / row.baseline);

/** A size's target is a difference (baseline + 60 KB), so its row shows the difference. */
const comparison = (row: BenchRow): string => {
  if (row.unit === 'KB' && row.baseline !== undefined) return `+${(row.baton - row.baseline).toFixed(1)} KB`;
  const value = ratio(row);
  return value === undefined ? '–' : `${value.toFixed(2)} ×`;
};

/** Rows that have a target, not only a figure to report. */
export const hasTarget = (row: BenchRow): boolean => row.target !== 'report';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const fixed = (value: number | undefined, digits = 1): string =>
  value === undefined ? '–' : value.toFixed(value >= 100 ? 0 : digits);

export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['figure', 'unit', 'Baton', 'baseline', 'vs baseline', 'target', 'met'];
  const lines = rows.map((row) => [
    row.figure,
    row.unit,
    fixed(row.baton),
    fixed(row.baseline),
    comparison(row),
    row.target,
    !hasTarget(row) ? '–' : row.met ? 'yes' : row.baselineMet === false ? 'NO (floor too)' : 'NO',
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => line[i]?.length ?? 0)),
  );
  const format = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...lines.map(format)].join('\n');
}
