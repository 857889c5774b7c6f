/**
 * Evaluation of a finished case (or turn) by the pipeline: its passed() verdict, score(), extra
 * summary columns and report sections (`format`), computed once, when the case ends, and stored in
 * the record: reports read the log and never run pipeline code.
 */
import type { CaseRecord, FormatSection } from '../log/schema.ts';
import { messageOf } from '../errors.ts';
import type { CaseResult, ColumnValue } from '../pipeline/types.ts';
import type { JsonObject } from '../util/json.ts';
import type { CaseEnvironment } from './case.ts';
import { toErrorInfo } from './error-info.ts';
import type { TurnInfo } from './stage-context.ts';

/**
 * Applies the pipeline's passed(), score(), columns and format sections to a finished case (or,
 * in a multi-turn case, a finished turn), recording their failures: a verdict or score that throws
 * or is not of its type turns a complete case into an error. Only complete cases are judged;
 * columns and sections are computed for every case.
 */
export function evaluate(env: CaseEnvironment, record: CaseRecord, turn: TurnInfo | null = null): void {
  const { spec } = env;
  const view = resultView(env, record, turn);
  if (record.status === 'complete') {
    let evaluating = 'passed()';
    try {
      if (spec.passed) {
        const verdict = spec.passed(view);
        if (typeof verdict !== 'boolean') throw new TypeError(`passed() returned ${describeType(verdict)}; it must return true or false.`);
        record.passed = verdict;
      }
      if (spec.score) {
        evaluating = 'score()';
        const score = spec.score(view);
        if (score !== null && (typeof score !== 'number' || !Number.isFinite(score))) {
          throw new TypeError(`score() returned ${describeType(score)}; it must return a finite number or null.`);
        }
        record.score = score;
      }
    } catch (error) {
      record.status = 'error';
      record.passed = null;
      record.score = null;
      record.error = toErrorInfo(error, null, [`evaluating the pipeline's ${evaluating}`]);
    }
  }
  if (spec.columns) record.columns = computeColumns(env, view);
  if (spec.format) record.sections = computeSections(env, view);
}

/**
 * The pipeline's report sections for a case, in the order the pipeline lists them: a section whose
 * function returns null or undefined is left out; one that throws, or returns something other
 * than text, is kept with its error, so the report says why it is missing.
 */
export function computeSections(env: CaseEnvironment, view: CaseResult): FormatSection[] {
  const sections: FormatSection[] = [];
  for (const [name, fn] of Object.entries(env.spec.format!)) {
    try {
      const value: unknown = fn(view);
      if (value === null || value === undefined) continue;
      if (typeof value === 'string') sections.push({ name, format: 'text', content: value });
      else if (isTextObject(value, 'markdown')) sections.push({ name, format: 'markdown', content: value.markdown });
      else if (isTextObject(value, 'text')) sections.push({ name, format: 'text', content: value.text });
      else throw new TypeError(`it returned ${describeType(value)}; it must return a string, { markdown: string }, { text: string }, or null.`);
    } catch (error) {
      sections.push({ name, format: 'text', content: '', error: `${error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : ''}${messageOf(error)}` });
    }
  }
  return sections;
}

function isTextObject<K extends string>(value: unknown, key: K): value is Record<K, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Record<string, unknown>)[key] === 'string';
}

/**
 * The pipeline's extra summary columns for a case: a column that throws shows empty (null), an
 * object is shown as its JSON, and a value that is not finite is null.
 */
export function computeColumns(env: CaseEnvironment, view: CaseResult): Record<string, ColumnValue> {
  const specColumns = env.spec.columns!;
  const columns: Record<string, ColumnValue> = {};
  for (const name of Object.keys(specColumns)) {
    let value: ColumnValue;
    try {
      value = specColumns[name]!(view);
    } catch {
      // A display column that cannot be computed (say, from a stage that did not run) shows empty.
      value = null;
    }
    columns[name] = value === undefined || (typeof value === 'number' && !Number.isFinite(value)) ? null : typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
  }
  return columns;
}

/** What passed(), score() and the columns see of a finished case or turn. */
function resultView(env: CaseEnvironment, record: CaseRecord, turn: TurnInfo | null): CaseResult {
  const view: CaseResult = {
    case: record.case as JsonObject,
    caseId: record.caseId,
    stages: record.stages as Record<string, never>,
    config: env.config,
    status: record.status,
    error: record.error,
  };
  return turn ? { ...view, turn: turn.index, turns: turn.turns, turnCase: turn.turnCase as JsonObject } : view;
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `a ${typeof value}`;
}
