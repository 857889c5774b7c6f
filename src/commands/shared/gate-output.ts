/**
 * How the gate is shown, for `gate` and for `run` with gate flags: the gate report on stdout, JUnit
 * XML (--junit) and the GitHub Actions job summary. Loaded by the handlers when they gate.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import type { GateResult } from '../../analysis/gate.ts';
import { gateRun, type GatedRun } from '../../engine/gate.ts';
import { LogError, messageOf } from '../../errors.ts';
import { comparisonMarkdown } from '../../report/compare-markdown.ts';
import { gateMarkdown, renderGate } from '../../report/gate-report.ts';
import { gateJunit } from '../../report/junit-gate.ts';
import { createTheme } from '../../report/theme.ts';
import { colorEnabled, type Io } from '../../util/io.ts';
import type { GateFlags } from './flags.ts';
import { writeOutput } from './output.ts';
import { scrubText } from './scrubbed-io.ts';

const quote = (ref: string) => (/^[\w./@:+-]+$/.test(ref) ? ref : `'${ref.replace(/'/g, "'\\''")}'`);

/** The gate report for the terminal; `refs` (baseline, run) make its `tagliots compare` hint. */
export function gateText(result: GateResult, io: Io, refs: readonly string[]): string {
  const compareHint = refs.length === 2 ? `tagliots compare ${refs.map(quote).join(' ')}` : undefined;
  return renderGate(result, createTheme(colorEnabled(io, io.stdout), io.stdout.columns), { compareHint });
}

/** JUnit XML (--junit) and the GitHub Actions job summary (when GITHUB_STEP_SUMMARY is set). */
export async function writeGateOutputs({ result, run }: GatedRun, flags: Pick<GateFlags, 'junit' | 'junitCases'>, io: Io): Promise<void> {
  if (flags.junit !== undefined) {
    const xml = gateJunit(result, flags.junitCases ? { cases: run } : {});
    try {
      await mkdir(dirname(resolve(io.cwd, flags.junit)), { recursive: true });
    } catch (error) {
      throw new LogError('E_GATE_JUNIT', `Cannot write the JUnit report ${flags.junit}: ${messageOf(error)}`, { cause: error });
    }
    // Through a temporary file, like every output file: a full disk leaves no half-written report.
    await writeOutput(io, flags.junit, (out) => out.write(xml));
  }
  const summaryFile = io.env['GITHUB_STEP_SUMMARY'];
  if (summaryFile) {
    const parts = [gateMarkdown(result)];
    if (result.comparison) parts.push(comparisonMarkdown(result.comparison));
    try {
      await appendFile(summaryFile, scrubText(io, `${parts.join('\n')}\n`));
    } catch (error) {
      io.stderr.write(`Warning: cannot append the gate summary to GITHUB_STEP_SUMMARY (${summaryFile}): ${messageOf(error)}\n`);
    }
  }
}

/**
 * `run` with gate flags: evaluates the gate on the log the run just wrote, prints it after the
 * summary, writes its outputs, and returns whether it passed. `gate.baseline` is the log file
 * checkRunGate() resolved before the run.
 */
export async function gateFinishedRun(logPath: string, gate: GateFlags & { readonly runsDir?: string }, io: Io): Promise<boolean> {
  const gated = await gateRun(logPath, { ...gate, cwd: io.cwd });
  const shown = relative(io.cwd, logPath) || logPath;
  io.stdout.write(`\n${gateText(gated.result, io, gate.baseline === undefined ? [] : [gate.baseline, shown])}`);
  await writeGateOutputs(gated, gate, io);
  return gated.result.passed;
}
