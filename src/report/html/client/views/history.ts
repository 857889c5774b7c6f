/**
 * The run history of `tagliots view`: the runs of the folder, newest first, polled; pick two to
 * compare them. A run that stopped early and was resumed links to the run that resumed it.
 */
import { formatCount, formatLocalTime, formatRate, formatUsd } from '../../../../util/units.ts';
import { BOOT, type RunsListing } from '../boot.ts';
import { h } from '../dom.ts';
import { renderFrame } from '../frame.ts';
import { getJson } from '../load.ts';
import { shortId } from '../model.ts';

type Entry = RunsListing['runs'][number];

/** How often the list is read again, unless the boot data says otherwise. */
const POLL_MS = 5000;

const runHref = (runId: string) => `/runs/${encodeURIComponent(runId)}`;

/** Each run that was resumed, by the id of the run that resumed it (the latest, when several did). */
function resumes(runs: readonly Entry[]): Map<string, Entry> {
  const by = new Map<string, Entry>();
  // Newest first: the first resume seen of a run is its latest.
  for (const run of runs) if (run.mode === 'resume' && run.parentRunId && !by.has(run.parentRunId)) by.set(run.parentRunId, run);
  return by;
}

/**
 * A run's status; one that stopped early and was resumed links to the run that finished it (a log
 * without run.end is then known to be stopped, not running).
 */
function statusCell(run: Entry, resumedBy: Entry | undefined): HTMLElement {
  if (resumedBy && run.status !== 'completed') {
    const stopped = run.status === 'incomplete';
    return h('td', {}, h('span', { class: `pill ${stopped ? 'resumed' : run.status}`, text: `${stopped ? 'stopped' : run.status}, resumed` }), ' by ', h('a', { class: 'mono resume-link', href: runHref(resumedBy.runId), text: shortId(resumedBy.runId) }));
  }
  return h('td', {}, h('span', { class: `pill ${run.status}`, text: run.status === 'incomplete' ? 'running or incomplete' : run.status }));
}

export async function renderHistory(): Promise<void> {
  const runsDir = BOOT.mode === 'server' && BOOT.page === 'history' ? BOOT.runsDir : '';
  const pollMs = (BOOT.mode === 'server' && BOOT.page === 'history' ? BOOT.historyPollMs : undefined) ?? POLL_MS;
  const frame = renderFrame({ title: 'Runs', subtitle: runsDir });
  document.title = 'Runs · tagliots';
  const selected = new Set<string>();
  const compare = h('button', { type: 'button', class: 'primary', disabled: true, text: 'Compare selected', onclick: () => go() });
  const hint = h('span', { class: 'muted', text: 'Select two runs to compare them (the older one is the baseline).' });
  const tableWrap = h('div', { class: 'history' });
  const status = h('p', { class: 'muted' });
  frame.main.append(h('div', { class: 'filters' }, compare, hint), tableWrap, status);
  let runs: readonly Entry[] = [];

  function go() {
    const [a, b] = [...selected].sort();
    if (a === undefined || b === undefined) return;
    location.href = `/compare/${encodeURIComponent(a)}/${encodeURIComponent(b)}`;
  }

  function draw() {
    const resumedBy = resumes(runs);
    const table = h('table', { class: 'plain runs' }, h('thead', {}, h('tr', {}, ['', 'started', 'run', 'pipeline', 'suite', 'status', 'cases', 'passed', 'errors', 'pass rate', 'cost'].map((t) => h('th', { text: t })))));
    const tbody = h('tbody');
    for (const run of runs) {
      const box = h('input', { type: 'checkbox', 'aria-label': `Select ${run.runId}`, checked: selected.has(run.runId) });
      box.addEventListener('change', () => {
        if (box.checked) selected.add(run.runId);
        else selected.delete(run.runId);
        compare.disabled = selected.size !== 2;
      });
      tbody.append(
        h(
          'tr',
          // The status is the status cell's: the row itself stays neutral, whatever its pass rate.
          { class: 'run-row', dataset: { status: run.status } },
          h('td', {}, box),
          h('td', { text: run.startedAt ? formatLocalTime(run.startedAt) : '—' }),
          h('td', {}, h('a', { class: 'mono run-link', href: runHref(run.runId), text: shortId(run.runId) })),
          h('td', { text: run.pipeline ?? '—' }),
          h('td', { class: 'mono', text: run.suite ?? '—' }),
          statusCell(run, resumedBy.get(run.runId)),
          h('td', { class: 'r', text: run.done === null ? formatCount(run.cases) : `${formatCount(run.done)} / ${formatCount(run.cases)}` }),
          h('td', { class: 'r', text: formatCount(run.passed) }),
          h('td', { class: 'r', text: formatCount(run.errors) }),
          // One decimal, as in the terminal's history table.
          h('td', { class: 'r pass-rate', text: formatRate(run.passRate, 1) }),
          h('td', { class: 'r', text: run.costUsd === null ? '—' : formatUsd(run.costUsd) }),
        ),
      );
    }
    table.append(tbody);
    tableWrap.replaceChildren(runs.length ? table : h('p', { class: 'empty', text: `No run logs in ${runsDir || 'the runs folder'} yet.` }));
    compare.disabled = selected.size !== 2;
  }

  async function load() {
    try {
      const data = await getJson<RunsListing>('/api/runs');
      runs = data.runs;
      for (const id of [...selected]) if (!runs.some((r) => r.runId === id)) selected.delete(id);
      status.textContent = '';
      draw();
    } catch (error) {
      status.textContent = `Could not list the runs: ${error instanceof Error ? error.message : String(error)}`;
    }
    setTimeout(load, pollMs);
  }
  await load();
}
