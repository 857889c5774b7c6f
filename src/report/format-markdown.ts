/**
 * `tagliots format --md`: GoTaglio's Markdown transcript (gotaglio-spec §7.3), without its bugs:
 * lines are never hard-wrapped, dict-valued outputs print as JSON, the failing stage is named, and
 * every long value (more than 20 lines or 200 characters), not only system messages, is collapsed
 * in `<details>`. Control characters from the log are escaped (`\u001b`), as on the terminal: a
 * Markdown file is read in terminals and by tools that obey them.
 */
import type { CaseRecord, ErrorInfo, FormatSection, RunStartRecord, StageRecord } from '../log/schema.ts';
import { escapeControls } from '../util/terminal-text.ts';
import { formatDuration } from '../util/units.ts';
import { caseFacts, failedStage, isLarge, isMessages, keywordsOfCase, stageFacts, stageNames, valueText, verdictOf, type RunFacts } from './format-case.ts';
import { errorMessageShown, llmAttempts, type LlmAttempts } from './llm-attempts.ts';
import { isToolLoopOutput, toolLoopTranscripts, type ToolLoopTranscript } from './tool-transcript.ts';

export function renderRunHeaderMarkdown(facts: RunFacts): string {
  const lines = [`## Run: ${facts.runId}`, ''];
  lines.push(`* **Pipeline:** ${inline(facts.pipeline)}`);
  lines.push(`* **Suite:** ${inline(facts.suite)}`);
  lines.push(`* **Started:** ${facts.started}`);
  lines.push(`* **Status:** ${facts.status}`);
  if (facts.git) lines.push(`* **Git:** ${inline(facts.git)}`);
  lines.push('', '**Configuration deltas:**', '');
  if (facts.deltas.length === 0) lines.push('* (defaults)');
  for (const delta of facts.deltas) lines.push(`* ${inline(delta)}`);
  return `${escapeControls(lines.join('\n'))}\n`;
}

export function renderCaseMarkdown(record: CaseRecord, header: RunStartRecord): string {
  const repeat = (header.repeat ?? 1) > 1 ? ` #${record.repeat ?? 0}` : '';
  const lines = ['', `## Case: ${inline(record.caseId)}${repeat} - ${verdictOf(record)}`, ''];
  const keywords = keywordsOfCase(record);
  if (keywords.length > 0) lines.push(`**Keywords:** ${inline(keywords.join(', '))}  `);
  lines.push(`_${caseFacts(record, header).map(inline).join(' · ')}_`, '');

  const caseJson = JSON.stringify(record.case, null, 2);
  if (isLarge(caseJson)) lines.push(...collapsible(`Case fields (${Object.keys(record.case).length})`, fenced(caseJson, 'json')));
  else lines.push('**Case:**', '', ...fenced(caseJson, 'json'));

  const parts = record.turns
    ? record.turns.map((turn) => ({ title: `Turn ${turn.index + 1}: ${turn.status}${turn.passed === null ? '' : turn.passed ? ', passed' : ', failed'}${turn.reason ? ` (${turn.reason})` : ''}`, turn: turn.index as number | undefined, stages: turn.stages, stageRecords: turn.stageRecords, sections: turn.sections }))
    : [{ title: null, turn: undefined, stages: record.stages, stageRecords: record.stageRecords, sections: record.sections }];
  for (const part of parts) {
    if (part.title) lines.push('', `### ${inline(part.title)}`);
    if (record.turns && Object.keys(part.stageRecords).length === 0) continue;
    for (const name of stageNames(header, { ...record, stages: part.stages, stageRecords: part.stageRecords })) {
      const stage = part.stageRecords[name];
      lines.push('', `${part.title ? '####' : '###'} ${inline(name)}`, '', `_${stageFacts(stage).map(inline).join(' · ')}_`);
      const events = (record.events ?? []).filter((e) => e.stage === name && e.turn === part.turn);
      const artifacts = (record.artifacts ?? []).filter((a) => a.stage === name && a.turn === part.turn);
      if (events.length > 0 || artifacts.length > 0) lines.push('');
      for (const e of events) lines.push(`* event +${formatDuration(e.t)} \`${e.type}\`${e.data === undefined ? '' : ` ${inline(JSON.stringify(e.data))}`}`);
      for (const a of artifacts) lines.push(`* artifact [${inline(a.name)}](${a.path}) (${a.bytes} bytes, ${inline(a.mime)})`);
      lines.push(...attemptLines(llmAttempts(stage)));
      const loops = toolLoopTranscripts(stage);
      for (const loop of loops) lines.push('', ...transcript(loop));
      if (name in part.stages) {
        const value = part.stages[name];
        // The transcript shows a text answer already; a parsed one (llm() with output) is shown too.
        if (!(loops.length > 0 && isToolLoopOutput(value))) lines.push('', ...output(value));
        else if (value.answer !== null && typeof value.answer !== 'string') lines.push('', '**answer:**', '', ...output(value.answer));
      }
    }
    for (const section of part.sections ?? []) lines.push('', ...sectionLines(section, part.title ? '####' : '###'));
  }

  if (record.error) lines.push('', ...renderErrorMarkdown(record.error, failedStage(record)));
  return `${escapeControls(lines.join('\n'))}\n`;
}

/** A stage output: a conversation as GoTaglio printed it, strings as text, other values as JSON. */
function output(value: unknown): string[] {
  if (isMessages(value)) {
    const lines: string[] = [];
    for (const message of value) {
      if (lines.length > 0) lines.push('');
      const content = typeof message.content === 'string' ? message.content.replace(/\n+$/, '') : valueText(message.content);
      const structured = typeof message.content !== 'string';
      if (message.role === 'user' && !structured && content.trim() !== '' && !content.includes('\n') && !isLarge(content)) {
        lines.push(`**user:** _${inline(content)}_`);
        continue;
      }
      lines.push(`**${inline(message.role)}:**`);
      const body = structured ? fenced(content, 'json') : [content];
      if (isLarge(content)) lines.push(...collapsible(preview(content), body));
      else lines.push(...body);
    }
    return lines;
  }
  if (typeof value === 'string' && !value.includes('\n') && !isLarge(value) && !value.includes('`')) return [value === '' ? '_(empty string)_' : `\`${value}\``];
  const text = valueText(value);
  const body = fenced(text, typeof value === 'string' ? 'text' : 'json');
  return isLarge(text) ? collapsible(preview(text), body) : body;
}

/** A tool loop as a list: each round with its facts and reply, each tool call and what came back. */
function transcript(loop: ToolLoopTranscript): string[] {
  const lines = [`**Tool loop** (${inline(loop.model)}): ${inline(loop.summary)}`, ''];
  for (const round of loop.rounds) {
    lines.push(`* round ${round.round} _(${inline(round.facts)})_`);
    if (round.text !== '') lines.push(`  * **assistant:** ${inline(round.text)}`);
    for (const call of round.calls) lines.push(`  * → \`${call.call.replace(/`/g, "'")}\` ${call.status === 'ok' ? '←' : `**${call.status}**:`} ${inline(call.outcome)}`);
    if (round.error !== undefined) lines.push(`  * **error:** ${inline(round.error)}`);
  }
  return lines;
}

/**
 * The calls of configured models as a numbered list (the HTTP attempts of those retried or failed
 * under each), then the parse attempts of output that did not parse at once, each reply fenced as
 * it was sent. Each part starts with a blank line.
 */
function attemptLines(attempts: LlmAttempts): string[] {
  const lines: string[] = [];
  if (attempts.calls.length > 0) lines.push('', '**Model calls:**', '');
  attempts.calls.forEach((call, i) => {
    lines.push(`${i + 1}. ${inline(call.title)}: ${inline(call.facts)}${call.error === undefined ? '' : ` — **error:** ${inline(call.error)}`}`);
    if (!call.eventful) return;
    for (const a of call.attempts) lines.push(`   * attempt ${a.attempt}: ${inline(a.facts)}${a.error === undefined ? '' : ` — ${inline(a.error)}`}`);
  });
  for (const parse of attempts.parses) {
    const model = `${inline(parse.model)}${parse.mode ? `, ${inline(parse.mode)}` : ''}`;
    for (const a of parse.attempts) {
      // Not a list: a fenced reply inside a list item ends the item at its first unindented line.
      lines.push('', `**Parse attempt ${a.attempt}** (${model}): ${a.ok ? 'ok' : `failed${a.issues.length > 0 ? `: ${inline(a.issues.join('; '))}` : ''}`}`);
      if (a.text === undefined) continue;
      lines.push('', ...(a.text === '' ? ['_(empty reply)_'] : fenced(a.text, 'text')));
    }
  }
  return lines;
}

/**
 * A section of the pipeline's format hook under its own heading: Markdown as it is (it is the
 * pipeline's own report), text fenced, or why it failed.
 */
function sectionLines(section: FormatSection, heading: string): string[] {
  const lines = [`${heading} ${inline(section.name)}`, ''];
  if (section.error !== undefined) lines.push(`**The pipeline's format function failed:** ${inline(section.error)}`);
  else if (section.content.trim() === '') lines.push('_(empty)_');
  else if (section.format === 'markdown') lines.push(section.content.replace(/\n+$/, ''));
  else lines.push(...fenced(section.content.replace(/\n+$/, ''), 'text'));
  return lines;
}

export function renderErrorMarkdown(error: ErrorInfo, stage?: StageRecord): string[] {
  const lines = [`### ${error.stage ? `Error in stage ${inline(error.stage)}` : 'Error outside any stage'}`, ''];
  if (error.context.length > 0) lines.push(`**Context:** ${inline(error.context.join(' > '))}  `);
  lines.push(`**${error.name === 'Error' ? 'Error' : inline(error.name)}:** ${inline(errorMessageShown(error, stage))}`);
  if (error.code) lines.push('', `Code: \`${error.code}\``);
  if (error.stack) lines.push('', ...collapsible('Stack', fenced(error.stack, 'text')));
  return lines.map(escapeControls);
}

/** `<details>` with a one-line summary; the body keeps its blank lines around it so Markdown inside renders. */
function collapsible(summary: string, body: readonly string[]): string[] {
  return [`<details><summary>${escapeHtml(summary)}</summary>`, '', ...body, '', '</details>'];
}

/** The first line, cut to 60 characters, and the size: the summary of a collapsed value. */
function preview(text: string): string {
  const first = text.split('\n', 1)[0]!.trim();
  const lines = text.split('\n').length;
  const cut = first.length > 60 ? `${first.slice(0, 59)}…` : lines > 1 ? `${first} …` : first;
  return `${cut} (${lines} line${lines === 1 ? '' : 's'}, ${text.length} characters)`;
}

/** A fenced code block whose fence is longer than any run of backticks inside. */
function fenced(text: string, language: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${language}`, text, fence];
}

/** Text inside a Markdown line: line breaks flattened, characters that would start markup escaped. */
function inline(text: string): string {
  return text.replace(/\r?\n/g, ' ⏎ ').replace(/([\\`*_[\]<])/g, '\\$1');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
