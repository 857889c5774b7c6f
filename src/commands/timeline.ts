import type { TraceEvent } from '../analysis/timeline.ts';
import type { RunLogReader } from '../engine/read-run-log.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { CaseRecord, RunStartRecord } from '../log/schema.ts';
import { colorEnabled, type Io } from '../util/io.ts';
import { shownPath } from '../util/paths.ts';
import { addRunsDirOption, Command, positiveInteger, type CommandEnv } from './shared/flags.ts';
import { createOutput, engineContext, warnAboutLog, type Output } from './shared/output.ts';

/** `tagliots timeline`: its flags, help and handler. */
export function timelineCommand(env: CommandEnv) {
  return addRunsDirOption(
    new Command('timeline')
      .description('show when the stages of a case ran, or how many cases ran at once')
      .argument('<run>', "the run: 'latest', a run-id prefix, or a path to a log file")
      .argument('[case-id-prefix]', 'one case: its step table and stages on a time scale (default: the whole run)'),
  )
    .option('--trace <file>', 'also write a Chrome Trace Event file (Perfetto, chrome://tracing)')
    .option('--width <n>', 'chart width in columns (default: the terminal width)', positiveInteger('--width'))
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots timeline latest
  $ tagliots timeline latest dag-2
  $ tagliots timeline 019aa1 --trace trace.json

Exit codes: 0 success, 1 unexpected error, 2 usage error, unknown run or case, unreadable log.`,
    )
    .action(async (run, casePrefix, opts) => env.setExit(await timeline({ run, casePrefix, runsDir: opts.runsDir, trace: opts.trace, width: opts.width }, env.io)));
}

export interface TimelineOptions {
  readonly run: string;
  /** One case: the step table and its stages on a time scale. Without it: the whole run. */
  readonly casePrefix?: string;
  readonly runsDir?: string;
  /** Also write a Chrome Trace Event file here. */
  readonly trace?: string;
  /** Chart width in columns. @default the terminal width */
  readonly width?: number;
}

/** The analysis and renderers timeline uses, loaded when it runs (shared/engine.ts): `tagliots --help` reads none of them. */
type Modules = typeof import('./shared/engine.ts');

/** Prints when each stage ran, or how many cases ran at once. */
export async function timeline(options: TimelineOptions, io: Io): Promise<number> {
  const modules = await import('./shared/engine.ts');
  const log = await modules.readRunLog(options.run, { runsDir: options.runsDir, ...engineContext(io) });
  const shown = shownPath(log.path, io.cwd);
  const theme = modules.createTheme(colorEnabled(io, io.stdout), io.stdout.columns);
  const width = options.width ?? theme.width;
  const out = createOutput(io, undefined);
  try {
    out.write(`${theme.chalk.bold(`Run ${log.header.runId}`)} ${theme.chalk.dim(`(${log.header.pipeline.name}, ${shown})`)}\n\n`);
    if (options.casePrefix !== undefined) await oneCase(modules, log, options.casePrefix, options, width, io, out.write);
    else await wholeRun(modules, log, options, width, io, out.write);
  } finally {
    out.close();
  }
  warnAboutLog(io, { shown, warnings: log.warnings, ended: (await log.end()) !== null });
  if (options.trace !== undefined) io.stderr.write(`Trace written to ${options.trace} (open it in https://ui.perfetto.dev or chrome://tracing)\n`);
  return EXIT.ok;
}

async function oneCase(m: Modules, log: RunLogReader, prefix: string, options: TimelineOptions, width: number, io: Io, write: (text: string) => void): Promise<void> {
  const matches: CaseRecord[] = [];
  const ids = new Set<string>();
  await log.forEachCase((record) => {
    if (!record.caseId.startsWith(prefix)) return;
    ids.add(record.caseId);
    if (ids.size <= 1) matches.push(record);
  });
  if (ids.size === 0) {
    throw new UsageError('E_CASE_NOT_FOUND', `No case id starts with '${prefix}' in ${log.header.runId}.`, {
      hint: `\`tagliots summarize ${log.header.runId}\` lists the cases.`,
    });
  }
  if (ids.size > 1) {
    const listed = [...ids].sort().slice(0, 10);
    throw new UsageError('E_CASE_AMBIGUOUS', `'${prefix}' matches ${ids.size} cases:\n${listed.map((id) => `  ${id}`).join('\n')}${ids.size > listed.length ? `\n  … ${ids.size - listed.length} more` : ''}`, {
      hint: 'Type more characters of the case id.',
    });
  }
  matches.sort(m.sortCases);
  const theme = m.createTheme(colorEnabled(io, io.stdout), io.stdout.columns);
  const order = log.header.pipeline.stages.map((s) => s.name);
  for (const [i, record] of matches.entries()) {
    if (i > 0) write('\n');
    if (matches.length > 1) write(theme.chalk.bold(`Repetition ${record.repeat ?? 0}\n`));
    write(m.renderCaseTimelineWithEvents(record, order, theme, width));
  }
  if (options.trace !== undefined) {
    const trace = createOutput(io, options.trace);
    const t0 = Math.min(...matches.map((r) => r.startMs));
    const lanes = new Set<number>();
    const events: TraceEvent[] = [];
    matches.forEach((record, slot) => events.push(...m.caseTraceEvents(record, log.header, slot, t0, lanes)));
    events.push(...m.slotTrackNames(matches.length, lanes, `case ${matches[0]!.caseId}`));
    writeTrace(m, trace, events, log.header);
  }
}

async function wholeRun(m: Modules, log: RunLogReader, options: TimelineOptions, width: number, io: Io, write: (text: string) => void): Promise<void> {
  const concurrency = m.createConcurrencyBuilder();
  const spans: { startMs: number; endMs: number }[] | undefined = options.trace !== undefined ? [] : undefined;
  let records = 0;
  await log.forEachCase((record) => {
    records++;
    concurrency.add(record);
    spans?.push({ startMs: record.startMs, endMs: Math.max(record.startMs, record.endMs) });
  });
  const theme = m.createTheme(colorEnabled(io, io.stdout), io.stdout.columns);
  // The chart's y-axis labels are as wide as the most cases in flight.
  const axis = String(concurrency.finish(1).max).length;
  const result = concurrency.finish(Math.max(10, width - axis - 2));
  write(m.renderConcurrency(result, theme, { concurrency: log.header.concurrency, total: records }));

  if (spans && options.trace !== undefined) {
    // A second pass: each case goes on the track of the slot it held.
    const slots = m.assignSlots(spans);
    const t0 = result.startMs;
    const lanes = new Set<number>();
    const trace = createOutput(io, options.trace);
    const events = startTrace(m, trace, log.header);
    let k = 0;
    await log.forEachCase((record) => {
      for (const event of m.caseTraceEvents(record, log.header, slots[k++] ?? 0, t0, lanes)) events.add(event);
    });
    const slotCount = slots.length === 0 ? 0 : Math.max(...slots) + 1;
    for (const event of m.slotTrackNames(slotCount, lanes)) events.add(event);
    events.end();
  }
}

function writeTrace(m: Modules, out: Output, events: readonly TraceEvent[], header: RunStartRecord): void {
  const writer = startTrace(m, out, header);
  for (const event of events) writer.add(event);
  writer.end();
}

/** Streams `{"traceEvents":[...], ...}`: one event a line. */
function startTrace(m: Modules, out: Output, header: RunStartRecord) {
  out.write('{"traceEvents":[\n');
  let first = true;
  const add = (event: TraceEvent) => {
    out.write(`${first ? '' : ',\n'}${JSON.stringify(event)}`);
    first = false;
  };
  add(m.processName(header));
  return {
    add,
    end() {
      out.write(`\n],"displayTimeUnit":"ms","otherData":${JSON.stringify({ runId: header.runId, pipeline: header.pipeline.name, startedAt: header.startedAt })}}\n`);
      out.close();
    },
  };
}
