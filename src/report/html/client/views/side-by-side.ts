/** Two records of one case, A (the baseline) left and B right: facts, errors, case fields, then each stage, turn by turn. */
import type { ReportRun } from '../../../../analysis/report-data.ts';
import type { CaseRecord, TurnRecord } from '../../../../log/schema.ts';
import { h, type Child } from '../dom.ts';
import { badge, verdictOfRecord } from '../model.ts';
import { caseFacts, stageBody, stageErrorView, stageHead, stageNamesOf, turnHead, turnNumber, type StagePart } from './case-detail.ts';
import { keyValues } from './values.ts';

function same(x: unknown, y: unknown): boolean {
  return JSON.stringify(x) === JSON.stringify(y);
}

export function sideBySide(recordA: CaseRecord | null, recordB: CaseRecord | null, runA: ReportRun, runB: ReportRun): HTMLElement {
  const root = h('div', { class: 'side-by-side' });
  const cell = (record: CaseRecord | null, run: ReportRun, render: (record: CaseRecord, run: ReportRun) => Child) => h('div', { class: 'side' }, record ? render(record, run) : h('p', { class: 'muted', text: 'Not in this run.' }));
  /** A row of the two sides; `differs` undefined when there is nothing to compare (a side is missing). */
  const row = (title: string, left: HTMLElement, right: HTMLElement, differs?: boolean) =>
    h(
      'div',
      { class: `sbs-row${differs ? ' differs' : ''}` },
      h('div', { class: 'sbs-title' }, h('span', { text: title }), differs === undefined ? null : h('span', { class: differs ? 'pill differs' : 'pill same', text: differs ? 'differs' : 'same' })),
      h('div', { class: 'sbs-cells' }, left, right),
    );
  root.append(
    h(
      'div',
      { class: 'sbs-cells sbs-head' },
      h('div', { class: 'side' }, h('strong', { text: 'A (baseline) ' }), h('span', { class: 'mono muted', text: runA.header.runId })),
      h('div', { class: 'side' }, h('strong', { text: 'B ' }), h('span', { class: 'mono muted', text: runB.header.runId })),
    ),
  );
  const facts = (record: CaseRecord, run: ReportRun) => h('div', { class: 'detail-facts' }, badge(verdictOfRecord(record)), h('span', { text: caseFacts(record, run) }));
  root.append(row('Outcome', cell(recordA, runA, facts), cell(recordB, runB, facts)));
  if (recordA?.error || recordB?.error) {
    const errors = (record: CaseRecord) => (record.error ? stageErrorView(record.error, record.error.stage === null ? undefined : record.stageRecords?.[record.error.stage]) : h('p', { class: 'muted', text: 'No error.' }));
    root.append(row('Error', cell(recordA, runA, errors), cell(recordB, runB, errors), !same(recordA?.error?.message, recordB?.error?.message)));
  }
  const caseA = recordA?.case;
  const caseB = recordB?.case;
  if (recordA && recordB && same(caseA, caseB)) root.append(h('div', { class: 'sbs-row' }, h('div', { class: 'sbs-title' }, h('span', { text: 'Case' }), h('span', { class: 'pill same', text: 'same' })), keyValues(caseA ?? {})));
  else root.append(row('Case', cell(recordA, runA, (r) => keyValues(r.case ?? {})), cell(recordB, runB, (r) => keyValues(r.case ?? {})), recordA && recordB ? true : undefined));
  // A multi-turn case compares turn by turn; a single-turn one is one part without a turn.
  const multi = Array.isArray(recordA?.turns) || Array.isArray(recordB?.turns);
  const partsOf = (record: CaseRecord | null): readonly (StagePart & Partial<TurnRecord>)[] => (!record ? [] : Array.isArray(record.turns) ? record.turns : [record]);
  const partsA = partsOf(recordA);
  const partsB = partsOf(recordB);
  for (let k = 0; k < Math.max(partsA.length, partsB.length, 1); k++) {
    const partA = partsA[k];
    const partB = partsB[k];
    /** The turn's index in the log (events and artifacts name it so); shown from 1. */
    const turnIndex = multi ? ((partB ?? partA)?.index ?? k) : undefined;
    const turnTitle = turnIndex === undefined ? '' : `Turn ${turnNumber(turnIndex)}`;
    const missing = multi && recordA && recordB ? 'No such turn in this run.' : 'Not in this run.';
    const partCell = (part: (StagePart & Partial<TurnRecord>) | undefined, record: CaseRecord | null, render: (part: StagePart & Partial<TurnRecord>, record: CaseRecord) => Child) =>
      h('div', { class: 'side' }, part && record ? render(part, record) : h('p', { class: 'muted', text: missing }));
    if (multi) {
      const head = (part: StagePart & Partial<TurnRecord>) => h('div', {}, isTurn(part) ? turnHead(part) : null, part.error ? stageErrorView(part.error, part.error.stage === null ? undefined : part.stageRecords?.[part.error.stage]) : null);
      const differs = partA && partB ? partA.status !== partB.status || partA.passed !== partB.passed || partA.score !== partB.score : undefined;
      root.append(row(turnTitle, partCell(partA, recordA, head), partCell(partB, recordB, head), differs));
    }
    for (const name of stageNamesOf(runB, partA, partB)) {
      if (multi && !partA?.stageRecords?.[name] && !partB?.stageRecords?.[name]) continue;
      const stage = (part: StagePart, record: CaseRecord) => h('div', { class: 'stage' }, stageHead(name, part.stageRecords?.[name]), stageBody(part, name, record, turnIndex));
      const differs = partA && partB ? !same(partA.stages?.[name], partB.stages?.[name]) || partA.stageRecords?.[name]?.status !== partB.stageRecords?.[name]?.status : undefined;
      root.append(row(`${multi ? `${turnTitle} · ` : ''}Stage ${name}`, partCell(partA, recordA, stage), partCell(partB, recordB, stage), differs));
    }
  }
  return root;
}

function isTurn(part: StagePart & Partial<TurnRecord>): part is TurnRecord {
  return typeof part.index === 'number' && typeof part.status === 'string';
}
