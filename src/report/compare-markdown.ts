/**
 * `compare --md`: GitHub-flavoured Markdown, ready to paste into a pull-request comment (and what
 * `gate` appends to GITHUB_STEP_SUMMARY). Long lists are cut to stay well under GitHub's 65,536
 * character limit for a comment; `compare` and `--json` always list everything.
 */
import type { CaseChange, CaseRef, Comparison, RunInfo } from '../analysis/compare.ts';
import { caseName, describeRun, interval, keywordNote, statisticsLines, totalRows } from './compare-format.ts';
import { formatCount, formatDuration, formatNumber, formatPoints, formatRate, formatSigned, formatUsd } from '../util/units.ts';
import { formatConfigValue } from './run-config.ts';
import { escapeControls } from '../util/terminal-text.ts';
import { changeCell, groupWarnings, intervalCell, multiLevel, multiNote, primaryOf, runLabels, shortP, verdictWord } from './compare-table.ts';

/** Most cases a Markdown list shows before "… and N more". */
const LIST_LIMIT = 100;

/** Text in a table cell: no line breaks, pipes and control characters escaped. */
export function cell(text: string): string {
  return escapeControls(text).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** Inline code that survives backticks in the text. */
export function code(raw: string): string {
  const text = escapeControls(raw);
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text}${fence.length > 1 ? ' ' : ''}${fence}`;
}

const icon = (c: Comparison) => (c.verdict.kind === 'worse' ? '🔴' : c.verdict.kind === 'better' ? '🟢' : '⚪');

export function comparisonMarkdown(c: Comparison): string {
  const out: string[] = [];
  out.push(`### ${icon(c)} ${cell(c.verdict.text)}`, '');
  out.push('| | run | |', '|---|---|---|');
  out.push(`| **A** | ${code(c.a.runId)} | ${cell(describeRun(c.a))} |`);
  out.push(`| **B** | ${code(c.b.runId)} | ${cell(describeRun(c.b))} |`, '');
  for (const warning of c.warnings) out.push(`> ⚠️ ${cell(warning)}`);
  if (c.warnings.length > 0) out.push('');

  out.push(`**Cases:** ${formatCount(c.common)} in both, ${formatCount(c.onlyA.length)} only in A, ${formatCount(c.onlyB.length)} only in B.`, '');
  if (c.common > 0) {
    out.push('| | A | B | B − A |', '|---|---:|---:|---|');
    const pr = c.passRate;
    if (pr.delta !== null) out.push(`| Pass rate | ${formatRate(pr.a)} | ${formatRate(pr.b)} | **${formatPoints(pr.delta)}**${pr.ci ? ` (${interval(pr.ci, 'rate')})` : ''} |`);
    if (c.score.pairs > 0) {
      const s = c.score;
      out.push(`| Mean score | ${formatNumber(s.a)} | ${formatNumber(s.b)} | ${s.delta === null ? '—' : `${formatSigned(s.delta)}${s.ci ? ` (${interval(s.ci, 'plain')})` : ''}`} |`);
    }
    for (const [name, a, b, change] of totalRows(c)) out.push(`| ${name[0]!.toUpperCase()}${name.slice(1)} | ${a} | ${b} | ${change} |`);
    out.push(`| Latency p50 | ${formatDuration(c.latency.p50.a)} | ${formatDuration(c.latency.p50.b)} | ${formatSigned(c.latency.p50.delta, formatDuration)} |`);
    out.push(`| Latency p95 | ${formatDuration(c.latency.p95.a)} | ${formatDuration(c.latency.p95.b)} | ${formatSigned(c.latency.p95.delta, formatDuration)} |`, '');

    out.push('| A → B | cases |', '|---|---:|');
    for (const t of c.transitions) if (t.count > 0) out.push(`| ${t.from} → ${t.to} | ${formatCount(t.count)} |`);
    out.push('');

    out.push(...changeSection(`${formatCount(c.regressions.length)} regression${c.regressions.length === 1 ? '' : 's'} (passed in A, not in B)`, c.regressions, c.regressions.length > 0));
    out.push(...changeSection(`${formatCount(c.fixes.length)} fix${c.fixes.length === 1 ? '' : 'es'} (passed in B, not in A)`, c.fixes, false));
    out.push(...toolCallSection(c));
  }
  for (const [name, list] of [['A', c.onlyA], ['B', c.onlyB]] as const) {
    if (list.length > 0) out.push(...refSection(`${formatCount(list.length)} case${list.length === 1 ? '' : 's'} only in ${name}`, list));
  }

  out.push('**Config differences (A → B)**', '');
  if (c.configDiff.length === 0) out.push('None.', '');
  else {
    out.push('| path | A | B |', '|---|---|---|');
    for (const d of c.configDiff) out.push(`| ${code(d.path)} | ${'a' in d ? code(formatConfigValue(d.a)) : '*(absent)*'} | ${'b' in d ? code(formatConfigValue(d.b)) : '*(absent)*'} |`);
    out.push('');
  }

  if (c.keywords.length > 0) {
    out.push('<details><summary>Keywords</summary>', '');
    out.push('| keyword | cases | passed A | passed B | regressions | fixes | p (Holm) | |', '|---|---:|---:|---:|---:|---:|---:|---|');
    for (const k of c.keywords) {
      const mark = k.significant === 'worse' ? '🔴 worse' : k.significant === 'better' ? '🟢 better' : 'noise';
      out.push(
        `| ${cell(k.keyword)} | ${formatCount(k.cases)} | ${formatRate(k.passRateA)} | ${formatRate(k.passRateB)} | ${formatCount(k.regressions)} | ${formatCount(k.fixes)} | ${k.pAdjusted === null ? '—' : cell(shortP(k.pAdjusted))} | ${mark} |`,
      );
    }
    out.push('', cell(keywordNote(c)), '', '</details>', '');
  }

  const lines = statisticsLines(c);
  if (lines.length > 0) {
    out.push('**Statistics**', '');
    for (const line of lines) out.push(`- ${cell(line)}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

function changeSection(title: string, changes: readonly CaseChange[], open: boolean): string[] {
  if (changes.length === 0) return [];
  const out = [`<details${open ? ' open' : ''}><summary>${title}</summary>`, '', '| case | A → B | keywords |', '|---|---|---|'];
  for (const ch of changes.slice(0, LIST_LIMIT)) out.push(`| ${code(caseName(ch))} | ${ch.a}${ch.infraA ? ' (infra)' : ''} → ${ch.b}${ch.infraB ? ' (infra)' : ''} | ${cell(ch.keywords.join(', '))} |`);
  if (changes.length > LIST_LIMIT) out.push('', `… and ${formatCount(changes.length - LIST_LIMIT)} more (\`tagliots compare\` lists them all).`);
  out.push('', '</details>', '');
  return out;
}

/** The cases whose tool calls differ, A's calls beside B's. */
function toolCallSection(c: Comparison): string[] {
  if (!c.toolCalls || c.toolCalls.changed === 0) return [];
  const { changed, cases } = c.toolCalls;
  const calls = (list: readonly string[] | null) => (list === null ? '*(no tool loop)*' : list.length === 0 ? '*(no tool calls)*' : list.map((line) => code(line).replace(/\|/g, '\\|')).join('<br>'));
  const out = [`<details><summary>${formatCount(changed)} case${changed === 1 ? '' : 's'} with other tool calls</summary>`, '', '| case | A → B | tool calls in A | tool calls in B |', '|---|---|---|---|'];
  for (const ch of cases.slice(0, LIST_LIMIT)) out.push(`| ${code(caseName(ch))} | ${ch.a} → ${ch.b} | ${calls(ch.callsA)} | ${calls(ch.callsB)} |`);
  if (changed > Math.min(cases.length, LIST_LIMIT)) out.push('', `… and ${formatCount(changed - Math.min(cases.length, LIST_LIMIT))} more (\`tagliots compare\` lists them).`);
  out.push('', '</details>', '');
  return out;
}

function refSection(title: string, refs: readonly CaseRef[]): string[] {
  const out = [`<details><summary>${title}</summary>`, ''];
  for (const ref of refs.slice(0, LIST_LIMIT)) out.push(`- ${code(caseName(ref))}`);
  if (refs.length > LIST_LIMIT) out.push(`- … and ${formatCount(refs.length - LIST_LIMIT)} more`);
  out.push('', '</details>', '');
  return out;
}

/** `compare <baseline> <B> <C> … --md`: one table row per run. */
export function multiComparisonMarkdown(baseline: RunInfo, comparisons: readonly Comparison[]): string {
  const label = runLabels([baseline.runId, ...comparisons.map((c) => c.b.runId)]);
  const out: string[] = [];
  out.push(`### Comparing ${comparisons.length} runs with baseline ${code(label(baseline.runId))}`, '');
  out.push(`Baseline ${code(baseline.runId)}: ${cell(describeRun(baseline))}`, '');
  out.push(`| run | common cases | pass rate | Δ | ${multiLevel(comparisons)} CI | regressions | fixes | p | cost | verdict |`, '|---|---:|---:|---:|---|---:|---:|---:|---:|---|');
  const base = baseline.counts;
  out.push(`| ${code(label(baseline.runId))} (baseline) | ${formatCount(base.total)} | ${formatRate(base.total === 0 ? null : base.passed / base.total)} | | | | | | ${formatUsd(baseline.costUsd)} | |`);
  for (const c of comparisons) {
    const m = primaryOf(c);
    const counts = c.b.counts;
    out.push(
      `| ${code(label(c.b.runId))} | ${formatCount(c.common)} | ${formatRate(counts.total === 0 ? null : counts.passed / counts.total)} | ${m ? changeCell(m) : '—'} | ${m ? intervalCell(m) : '—'} | ${formatCount(c.regressions.length)} | ${formatCount(c.fixes.length)} | ${m ? cell(shortP(Math.min(m.pWorse, m.pBetter))) : '—'} | ${formatUsd(c.b.costUsd)} | ${icon(c)} ${verdictWord(c)} |`,
    );
  }
  out.push('', ...multiNote(comparisons).map(cell), '');
  const warnings = groupWarnings(comparisons, label);
  for (const warning of warnings.baseline) out.push(`> ⚠️ ${cell(warning)}`);
  for (const [run, list] of warnings.runs) for (const warning of list) out.push(`> ⚠️ ${code(run)}: ${cell(warning)}`);
  return `${out.join('\n').trimEnd()}\n`;
}
