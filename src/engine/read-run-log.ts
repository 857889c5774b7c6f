/**
 * Reading a run from code: a run reference becomes its header, a stream of its (selected) case
 * records and its run.end record, without holding the log in memory.
 */
import { planRecordSelection } from '../analysis/select-records.ts';
import { readRunLogBatches, readRunLogEnds } from '../log/reader.ts';
import type { CaseRecord, RunEndRecord, RunStartRecord } from '../log/schema.ts';
import type { Selection } from '../suite/select.ts';
import { findRunLog, type RunsDirOptions } from './runs-dir.ts';

export interface ReadRunLogOptions extends RunsDirOptions {
  /** Only the case records of these cases (the `--filter`, `--ids`, `--limit`, `--sample` flags). */
  readonly selection?: Selection;
}

/** A run log opened for streaming. */
export interface RunLogReader {
  /** The log file, absolute. */
  readonly path: string;
  /** The run.start record: the run's id, pipeline, suite and config. GoTaglio logs are converted. */
  readonly header: RunStartRecord;
  /**
   * The case records of the selected cases (all without a selection), in log order: the order
   * cases finished (`index` is the suite order). Each iteration streams the log from its start.
   */
  readonly cases: AsyncIterable<CaseRecord>;
  /**
   * Like iterating `cases`, faster: one pass over the log calling `each` for every selected case
   * record, an `await` a chunk of the log rather than one a record.
   */
  forEachCase(each: (record: CaseRecord) => void): Promise<void>;
  /** The run.end record, or null when the log has none (the run crashed, was killed or is still running). */
  end(): Promise<RunEndRecord | null>;
  /** What was met reading the log so far (a truncated last line), each once. */
  readonly warnings: readonly string[];
  /**
   * How many cases the selection keeps, repetitions not counted; null without a selection. For a
   * filter alone it counts as the log is read: read it after a pass.
   */
  readonly selectedCases: number | null;
}

/**
 * Opens the run log `ref` names (`latest`, a run-id prefix or a path; a GoTaglio log too) for
 * streaming: reads its first line, checking the log version before anything else, and plans the
 * selection, which may read the log in passes of its own. Never holds more than a chunk of the log.
 */
export async function readRunLog(ref: string, options: ReadRunLogOptions = {}): Promise<RunLogReader> {
  return openRunLog(await findRunLog(ref, options), options.selection);
}

/** readRunLog() for a log path already resolved. */
export async function openRunLog(path: string, selection?: Selection): Promise<RunLogReader> {
  const { header } = await readRunLogEnds(path);
  const warnings: string[] = [];
  const onWarning = (warning: string) => {
    if (!warnings.includes(warning)) warnings.push(warning);
  };
  // run.end as the last full pass met it; until one is made, end() reads the last line.
  let endOfPass: { readonly end: RunEndRecord | null } | undefined;

  async function* batches(): AsyncGenerator<CaseRecord[]> {
    let end: RunEndRecord | null = null;
    for await (const batch of readRunLogBatches(path, { onWarning })) {
      const cases: CaseRecord[] = [];
      for (const { record } of batch) {
        if (record.type === 'case') cases.push(record);
        else if (record.type === 'run.end') end = record;
      }
      yield cases;
    }
    endOfPass = { end };
  }
  async function* everyCase(): AsyncGenerator<CaseRecord> {
    for await (const batch of batches()) yield* batch;
  }

  const planned = await planRecordSelection(selection, everyCase, { repeated: (header.repeat ?? 1) > 1 });
  return {
    path,
    header,
    cases: {
      async *[Symbol.asyncIterator]() {
        for await (const batch of batches()) for (const record of batch) if (planned.keep(record)) yield record;
      },
    },
    async forEachCase(each) {
      for await (const batch of batches()) for (const record of batch) if (planned.keep(record)) each(record);
    },
    async end() {
      return endOfPass ? endOfPass.end : (await readRunLogEnds(path)).end;
    },
    warnings,
    get selectedCases() {
      return planned.count;
    },
  };
}
