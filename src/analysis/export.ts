import type { CaseRecord, RunStartRecord } from '../log/schema.ts';

export type Cell = string | number | boolean | null;

/** The fixed columns of `tagliots export`, before the pipeline's own. */
export const BASE_COLUMNS = [
  'id',
  'index',
  'repeat',
  'status',
  'passed',
  'score',
  'keywords',
  'durationMs',
  'inputTokens',
  'outputTokens',
  'costUsd',
  'errorStage',
  'errorMessage',
] as const;

export interface ExportLayout {
  /** Every column, in order. */
  readonly columns: readonly string[];
  /** The pipeline's columns: the name in the log, and the column it is exported as. */
  readonly extra: readonly { readonly name: string; readonly column: string }[];
}

/** The columns of an export: the fixed ones, then the pipeline's (prefixed `column.` when a name clashes). */
export function exportLayout(header: RunStartRecord): ExportLayout {
  const taken = new Set<string>(BASE_COLUMNS);
  const extra = header.pipeline.columns.map((name) => {
    let column = taken.has(name) ? `column.${name}` : name;
    while (taken.has(column)) column = `column.${column}`;
    taken.add(column);
    return { name, column };
  });
  return { columns: [...BASE_COLUMNS, ...extra.map((e) => e.column)], extra };
}

/** One case record as a flat row: scalars only, keywords joined with `;`. */
export function exportRow(record: CaseRecord, layout: ExportLayout): Record<string, Cell> {
  const rawKeywords = record.case['keywords'];
  const keywords = Array.isArray(rawKeywords) ? rawKeywords.filter((k): k is string => typeof k === 'string') : [];
  const row: Record<string, Cell> = {
    id: record.caseId,
    index: record.index,
    repeat: record.repeat ?? 0,
    status: record.status,
    passed: record.passed,
    score: record.score,
    keywords: keywords.join(';'),
    durationMs: record.durationMs,
    inputTokens: record.usage?.inputTokens ?? null,
    outputTokens: record.usage?.outputTokens ?? null,
    costUsd: record.costUsd ?? null,
    errorStage: record.error ? (record.error.stage ?? 'case') : null,
    errorMessage: record.error ? record.error.message : null,
  };
  for (const { name, column } of layout.extra) row[column] = record.columns?.[name] ?? null;
  return row;
}
