/**
 * `tagliots format` for a terminal: the run, then each case with its fields, every stage's output
 * in pipeline order, stage status and timing, usage, cost and errors. User data is printed as it
 * is (chalk interprets nothing in it), except control characters, which are shown escaped so a
 * value cannot move the cursor or change colours.
 */
import type { CaseRecord, ErrorInfo, FormatSection, RunStartRecord, StageRecord } from '../log/schema.ts';
import { escapeControls as safe } from '../util/terminal-text.ts';
import { formatDuration } from '../util/units.ts';
import { caseFacts, failedStage, isMessages, keywordsOfCase, stageFacts, stageNames, valueText, verdictOf, type RunFacts, type Verdict } from './format-case.ts';
import { errorMessageShown, llmAttempts, type LlmAttempts } from './llm-attempts.ts';
import type { Theme } from './theme.ts';
import { isToolLoopOutput, toolLoopTranscripts, type ToolLoopTranscript } from './tool-transcript.ts';

const INDENT = '  ';

export function renderRunHeaderTerminal(facts: RunFacts, theme: Theme): string {
  const { chalk } = theme;
  const lines = [chalk.bold(`Run ${safe(facts.runId)}`)];
  lines.push(`  pipeline: ${safe(facts.pipeline)}`);
  lines.push(`  suite: ${safe(facts.suite)}`);
  lines.push(`  started: ${safe(facts.started)}`);
  lines.push(`  status: ${safe(facts.status)}`);
  if (facts.git) lines.push(`  git: ${safe(facts.git)}`);
  lines.push(`  config:${facts.deltas.length === 0 ? chalk.dim(' (defaults)') : ''}`);
  for (const delta of facts.deltas) lines.push(`    ${safe(delta)}`);
  return `${lines.join('\n')}\n`;
}

export function renderCaseTerminal(record: CaseRecord, header: RunStartRecord, theme: Theme): string {
  const { chalk } = theme;
  const verdict = verdictOf(record);
  const title = ` Case ${record.caseId}${(header.repeat ?? 1) > 1 ? ` #${record.repeat ?? 0}` : ''} `;
  const rule = '━'.repeat(Math.max(4, theme.width - title.length - 3));
  const lines: string[] = [''];
  lines.push(chalk.bold(`━━${safe(title)}${rule}`));
  lines.push(`${INDENT}${verdictText(verdict, theme)}  ${chalk.dim(safe(caseFacts(record, header).join(' · ')))}`);
  const keywords = keywordsOfCase(record);
  if (keywords.length > 0) lines.push(`${INDENT}keywords: ${safe(keywords.join(', '))}`);

  lines.push('', `${INDENT}${chalk.bold('case')}`);
  for (const [key, value] of Object.entries(record.case)) lines.push(...field(key, value, INDENT.repeat(2), theme));

  const parts = record.turns
    ? record.turns.map((turn) => ({ title: `turn ${turn.index + 1}: ${turn.status}${turn.passed === null ? '' : turn.passed ? ' · passed' : ' · failed'}${turn.reason ? ` (${turn.reason})` : ''}`, turn: turn.index as number | undefined, stages: turn.stages, stageRecords: turn.stageRecords, sections: turn.sections }))
    : [{ title: 'stages', turn: undefined, stages: record.stages, stageRecords: record.stageRecords, sections: record.sections }];
  for (const part of parts) {
    lines.push('', `${INDENT}${chalk.bold(safe(part.title))}`);
    if (record.turns && Object.keys(part.stageRecords).length === 0) continue;
    for (const name of stageNames(header, { ...record, stages: part.stages, stageRecords: part.stageRecords })) {
      const stage = part.stageRecords[name];
      const status = stage?.status;
      const color = status === 'error' ? chalk.red : status === 'ok' ? chalk.green : chalk.yellow;
      const facts = stageFacts(stage).map(safe);
      lines.push(`${INDENT.repeat(2)}${chalk.cyan.bold(safe(name))}  ${color(facts[0]!)}${facts.length > 1 ? chalk.dim(`  ${facts.slice(1).join(' · ')}`) : ''}`);
      for (const event of record.events ?? []) {
        if (event.stage === name && event.turn === part.turn) lines.push(chalk.dim(`${INDENT.repeat(3)}event +${formatDuration(event.t)} ${safe(event.type)}${event.data === undefined ? '' : ` ${safe(JSON.stringify(event.data))}`}`));
      }
      for (const artifact of record.artifacts ?? []) {
        if (artifact.stage === name && artifact.turn === part.turn) lines.push(chalk.dim(`${INDENT.repeat(3)}artifact ${safe(artifact.name)}: ${safe(artifact.path)} (${artifact.bytes} bytes, ${safe(artifact.mime)})`));
      }
      lines.push(...attemptLines(llmAttempts(stage), INDENT.repeat(3), theme));
      const loops = toolLoopTranscripts(stage);
      for (const loop of loops) lines.push(...transcript(loop, INDENT.repeat(3), theme));
      if (name in part.stages) {
        const value = part.stages[name];
        // The transcript shows a text answer already; a parsed one (llm() with output) is shown too.
        if (!(loops.length > 0 && isToolLoopOutput(value))) lines.push(...output(value, INDENT.repeat(3), theme));
        else if (value.answer !== null && typeof value.answer !== 'string') lines.push(...field('answer', value.answer, INDENT.repeat(3), theme));
      }
    }
    for (const section of part.sections ?? []) lines.push('', ...sectionLines(section, record.turns ? INDENT.repeat(2) : INDENT, theme));
  }

  if (record.error) lines.push('', ...renderError(record.error, theme, failedStage(record)));
  return `${lines.join('\n')}\n`;
}

function verdictText(verdict: Verdict, theme: Theme): string {
  const { chalk } = theme;
  switch (verdict) {
    case 'PASSED':
    case 'COMPLETE':
      return chalk.green.bold(verdict);
    case 'FAILED':
    case 'ERROR':
      return chalk.red.bold(verdict);
    case 'CANCELLED':
      return chalk.yellow.bold(verdict);
  }
}

/** `key: value` for a short one-line value; `key:` then the indented value otherwise. */
function field(key: string, value: unknown, indent: string, theme: Theme): string[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined';
  if (!text.includes('\n') && text.length <= 100) return [`${indent}${theme.chalk.dim(`${safe(key)}:`)} ${safe(text)}`];
  return [`${indent}${theme.chalk.dim(`${safe(key)}:`)}`, ...block(valueText(value), indent + INDENT)];
}

/** A stage output: a conversation as role-labelled messages, anything else as text or pretty JSON. */
function output(value: unknown, indent: string, theme: Theme): string[] {
  if (isMessages(value)) {
    const lines: string[] = [];
    for (const message of value) {
      const content = typeof message.content === 'string' ? message.content : valueText(message.content);
      const label = theme.chalk.magenta(`${safe(message.role)}:`);
      if (!content.includes('\n') && content.length <= 100) lines.push(`${indent}${label} ${safe(content)}`);
      else lines.push(`${indent}${label}`, ...block(content.replace(/\n$/, ''), indent + INDENT));
    }
    return lines;
  }
  return block(valueText(value), indent);
}

/** A tool loop: each round's facts and reply, each tool call (→) and what came back (← or ✗). */
function transcript(loop: ToolLoopTranscript, indent: string, theme: Theme): string[] {
  const { chalk } = theme;
  const lines = [`${indent}${chalk.bold('tool loop')} ${chalk.dim(safe(`(${loop.model}): ${loop.summary}`))}`];
  for (const round of loop.rounds) {
    lines.push(`${indent}${chalk.cyan(`round ${round.round}`)}  ${chalk.dim(safe(round.facts))}`);
    if (round.text !== '') lines.push(...output([{ role: 'assistant', content: round.text }], indent + INDENT, theme));
    for (const call of round.calls) {
      lines.push(`${indent}${INDENT}${chalk.magenta('→')} ${safe(call.call)}`);
      const mark = call.status === 'ok' ? chalk.green('←') : chalk.red(call.status === 'error' ? '✗' : `${safe(call.status)}:`);
      lines.push(`${indent}${INDENT.repeat(2)}${mark} ${safe(call.outcome)}`);
    }
    if (round.error !== undefined) lines.push(`${indent}${INDENT}${chalk.red(`✗ ${safe(round.error)}`)}`);
  }
  return lines;
}

function block(text: string, indent: string): string[] {
  return text.split('\n').map((line) => (line === '' ? '' : `${indent}${safe(line)}`));
}

/**
 * The calls of configured models (each HTTP attempt of those that were retried or failed) and the
 * parse attempts of output that did not parse at once, each reply as a raw block.
 */
function attemptLines(attempts: LlmAttempts, indent: string, theme: Theme): string[] {
  const { chalk } = theme;
  const lines: string[] = [];
  const tone = (ok: boolean) => (ok ? chalk.green : chalk.red);
  if (attempts.calls.length > 0) lines.push(`${indent}${chalk.bold('model calls')}`);
  attempts.calls.forEach((call, i) => {
    lines.push(`${indent}${INDENT}${i + 1}. ${safe(call.title)}  ${tone(call.status === 'ok')(safe(call.facts))}`);
    if (call.error !== undefined) lines.push(`${indent}${INDENT.repeat(2)}${chalk.red(`✗ ${safe(call.error)}`)}`);
    if (!call.eventful) return;
    for (const a of call.attempts) {
      lines.push(`${indent}${INDENT.repeat(2)}${chalk.cyan(`attempt ${a.attempt}`)}  ${tone(a.outcome === 'ok')(safe(a.facts))}${a.error === undefined ? '' : `: ${safe(a.error)}`}`);
    }
  });
  for (const parse of attempts.parses) {
    lines.push(`${indent}${chalk.bold('parse attempts')} ${chalk.dim(safe(`(${parse.model}${parse.mode ? `, ${parse.mode}` : ''})`))}`);
    for (const a of parse.attempts) {
      const verdict = a.ok ? chalk.green('ok') : chalk.red(`failed${a.issues.length > 0 ? `: ${safe(a.issues.join('; '))}` : ''}`);
      lines.push(`${indent}${INDENT}${chalk.cyan(`attempt ${a.attempt}`)}  ${verdict}`);
      if (a.text !== undefined) lines.push(...(a.text === '' ? [`${indent}${INDENT.repeat(2)}${chalk.dim('(empty reply)')}`] : block(a.text, indent + INDENT.repeat(2))));
    }
  }
  return lines;
}

/** A section of the pipeline's format hook: its title, then its text (Markdown as its source), or why it failed. */
function sectionLines(section: FormatSection, indent: string, theme: Theme): string[] {
  const { chalk } = theme;
  const lines = [`${indent}${chalk.bold(safe(section.name))}`];
  if (section.error !== undefined) lines.push(`${indent}${INDENT}${chalk.red(`✗ the pipeline's format function failed: ${safe(section.error)}`)}`);
  else if (section.content.trim() === '') lines.push(`${indent}${INDENT}${chalk.dim('(empty)')}`);
  else lines.push(...block(section.content.replace(/\n+$/, ''), indent + INDENT));
  return lines;
}

/** GoTaglio's `Context: a > b` / `Error: message`, then the stack. */
export function renderError(error: ErrorInfo, theme: Theme, stage?: StageRecord): string[] {
  const { chalk } = theme;
  const lines = [`${INDENT}${chalk.red.bold(error.stage ? `Error in stage ${safe(error.stage)}` : 'Error outside any stage (passed() or score())')}`];
  if (error.context.length > 0) lines.push(`${INDENT.repeat(2)}Context: ${safe(error.context.join(' > '))}`);
  lines.push(`${INDENT.repeat(2)}${chalk.red(`${error.name === 'Error' ? 'Error' : safe(error.name)}: ${safe(errorMessageShown(error, stage))}`)}`);
  if (error.code) lines.push(`${INDENT.repeat(2)}code: ${safe(error.code)}`);
  if (error.stack) {
    // The stack repeats the message on its first line(s); show the frames.
    const frames = error.stack.split('\n').filter((line) => /^\s+at /.test(line));
    const shown = frames.length > 0 ? frames.map((line) => line.trim()) : error.stack.split('\n').map((line) => line.trimEnd());
    lines.push(...shown.map((line) => chalk.dim(`${INDENT.repeat(3)}${safe(line)}`)));
  }
  return lines;
}
