import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { compareRuns, type RunDigest } from '../analysis/compare.ts';
import { evaluateGate, needsBaseline, type GateResult, type GateRules } from '../analysis/gate.ts';
import { EXIT, LogError, UsageError, messageOf } from '../errors.ts';
import { comparisonMarkdown } from '../report/compare-markdown.ts';
import { gateMarkdown, renderGate } from '../report/gate-report.ts';
import { gateJunit } from '../report/junit-gate.ts';
import { createTheme } from '../report/theme.ts';
import { parseFilter } from '../suite/filter.ts';
import { colorEnabled, type Io } from '../util/io.ts';
import { loadDigest, loadDigests, resolveRunRefs } from './compare.ts';

/** The gate flags `gate` and `run` share. */
export interface GateOptions extends GateRules {
  /** The baseline run: a run id prefix, `latest` or a log file. */
  readonly baseline?: string;
  /** Write JUnit XML here. */
  readonly junit?: string;
  /** Add one JUnit testcase per case. */
  readonly junitCases?: boolean;
}

export interface GateCommandOptions extends GateOptions {
  readonly run: string;
  readonly runsDir?: string;
  readonly json?: boolean;
}

/** True when any gate rule or output was asked for (so `run` knows whether to gate). */
export function wantsGate(options: GateOptions): boolean {
  return (
    options.minPassRate !== undefined ||
    options.maxRegressions !== undefined ||
    options.alpha !== undefined ||
    options.maxCost !== undefined ||
    (options.require ?? []).length > 0 ||
    options.baseline !== undefined ||
    options.junit !== undefined
  );
}

/** Usage errors that can be found before anything runs (so `run` fails before running cases). */
export function checkGateOptions(options: GateOptions): void {
  if (needsBaseline(options) && options.baseline === undefined) {
    const flags = [options.maxRegressions !== undefined && '--max-regressions', options.alpha !== undefined && '--alpha'].filter(Boolean).join(' and ');
    throw new UsageError('E_GATE_BASELINE', `${flags} compare${flags.includes(' and ') ? '' : 's'} with a baseline run: add --baseline <run>.`, {
      hint: 'The baseline is a run id prefix, `latest`, or a log file (e.g. the main branch run, downloaded as an artifact).',
    });
  }
  for (const expression of options.require ?? []) parseFilter(expression);
}

export async function gateCommand(options: GateCommandOptions, io: Io): Promise<number> {
  checkGateOptions(options);
  const refs = options.baseline === undefined ? [options.run] : [options.baseline, options.run];
  const paths = await resolveRunRefs(refs, options.runsDir, io);
  const digests = await loadDigests(paths, {}, io);
  const run = digests.at(-1)!;
  const baseline = digests.length > 1 ? digests[0]! : null;
  const result = gate(run, baseline, options);
  if (options.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout.write(renderGate(result, createTheme(colorEnabled(io, io.stdout), io.stdout.columns), { compareHint: compareHint(refs) }));
  await writeGateOutputs(result, run, options, io);
  return result.passed ? EXIT.ok : EXIT.failure;
}

function gate(run: RunDigest, baseline: RunDigest | null, rules: GateRules): GateResult {
  const comparison = baseline ? compareRuns(baseline, run, { maxRows: 0 }) : null;
  return evaluateGate(run, rules, comparison);
}

const quote = (ref: string) => (/^[\w./@:+-]+$/.test(ref) ? ref : `'${ref.replace(/'/g, "'\\''")}'`);
const compareHint = (refs: readonly string[]) => (refs.length === 2 ? `tagliots compare ${refs.map(quote).join(' ')}` : undefined);

/** JUnit XML (--junit) and the GitHub Actions job summary (when GITHUB_STEP_SUMMARY is set). */
async function writeGateOutputs(result: GateResult, run: RunDigest, options: GateOptions, io: Io): Promise<void> {
  if (options.junit !== undefined) {
    const path = resolve(io.cwd, options.junit);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, gateJunit(result, options.junitCases ? { cases: run } : {}));
    } catch (error) {
      throw new LogError('E_GATE_JUNIT', `Cannot write the JUnit report ${options.junit}: ${messageOf(error)}`, { cause: error });
    }
  }
  const summaryFile = io.env['GITHUB_STEP_SUMMARY'];
  if (summaryFile) {
    const parts = [gateMarkdown(result)];
    if (result.comparison) parts.push(comparisonMarkdown(result.comparison));
    try {
      await appendFile(summaryFile, `${parts.join('\n')}\n`);
    } catch (error) {
      io.stderr.write(`Warning: cannot append the gate summary to GITHUB_STEP_SUMMARY (${summaryFile}): ${messageOf(error)}\n`);
    }
  }
}

/**
 * `run` with gate flags: evaluates the gate on the log the run just wrote, prints it after the
 * summary, and returns whether it passed.
 */
export async function gateFinishedRun(logPath: string, options: GateOptions & { readonly runsDir?: string }, io: Io): Promise<boolean> {
  const run = await loadDigest(logPath);
  let baseline: RunDigest | null = null;
  if (options.baseline !== undefined) {
    const [path] = await resolveRunRefs([options.baseline], options.runsDir, io);
    baseline = await loadDigest(path!);
  }
  const result = gate(run, baseline, options);
  const shown = relative(io.cwd, logPath) || logPath;
  io.stdout.write(`\n${renderGate(result, createTheme(colorEnabled(io, io.stdout), io.stdout.columns), { compareHint: options.baseline === undefined ? undefined : compareHint([options.baseline, shown]) })}`);
  await writeGateOutputs(result, run, options, io);
  return result.passed;
}

/**
 * `run` with gate flags, before any case runs: rejects bad flags and a --baseline that names no
 * run, so a long run does not end in a usage error. Returns the options with the baseline
 * resolved to its log file now: after the run, `latest` would be the run itself.
 */
export async function checkRunGate(options: GateOptions, runsDir: string, io: Io): Promise<GateOptions> {
  checkGateOptions(options);
  if (options.baseline === undefined) return options;
  const [baseline] = await resolveRunRefs([options.baseline], runsDir, io);
  return { ...options, baseline: baseline! };
}
