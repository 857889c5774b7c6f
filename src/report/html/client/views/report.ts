/** The report: one run, or a run, its baseline and their comparison, as tabs named in the address (`#tab=…`). */
import type { ReportComparison } from '../../../../analysis/report-data.ts';
import { hashParams, panel, renderFrame, selectTab, setHash, type Tab } from '../frame.ts';
import { shortId, type RunModel } from '../model.ts';
import { createCompareView } from './compare.ts';
import { createRunView, type RunView, type View } from './run.ts';

export interface ReportPage {
  /** The run, then its baseline. */
  readonly runs: readonly RunModel[];
  readonly comparison: ReportComparison | null;
  readonly defaultTab?: string;
  /** The run is in progress and the page follows it. */
  readonly live?: boolean;
}

export interface Report {
  /** The run's own view, for live updates. */
  runView(): RunView;
}

/** What a tab change or closing the panel clears from the address. */
const DETAIL_PARAMS = { case: null, pair: null, repeat: null } as const;

export function renderReport(page: ReportPage): Report {
  const [main, baseline] = page.runs;
  if (!main) throw new Error('a report needs a run');
  const header = main.run.header;
  const tabs: Tab[] = [{ id: 'run', label: baseline ? `Run ${shortId(header.runId)}` : 'Run' }];
  if (baseline) tabs.push({ id: 'baseline', label: `Baseline ${shortId(baseline.run.header.runId)}` });
  const compared = page.comparison && baseline ? { B: main, A: baseline, comparison: page.comparison } : null;
  if (compared) tabs.push({ id: 'compare', label: 'Comparison' });
  const defaultTab = page.defaultTab ?? 'run';
  const frame = renderFrame({
    title: `${header.pipeline.name} · ${header.runId}`,
    subtitle: compared ? `compared with ${compared.A.run.header.runId}` : header.pipeline.description,
    tabs,
    activeTab: defaultTab,
    onTab: (id) => setHash({ tab: id === defaultTab ? null : id, ...DETAIL_PARAMS }),
  });
  document.title = `${header.pipeline.name} ${shortId(header.runId)} · tagliots`;

  // Views are made when their tab is first shown: the comparison page opens without drawing the runs.
  let runView: RunView | null = null;
  const views = new Map<string, View>();
  const viewOf = (id: string): View => {
    let view = views.get(id);
    if (!view) {
      if (id === 'compare' && compared) view = createCompareView(compared);
      else if (id === 'baseline' && baseline) view = createRunView(baseline, { tab: id, live: false });
      else view = runView = createRunView(main, { tab: 'run', live: Boolean(page.live) });
      views.set(id, view);
      frame.main.append(view.el);
    }
    return view;
  };

  const route = () => {
    const params = hashParams();
    let tab = params.get('tab') ?? defaultTab;
    if (!tabs.some((t) => t.id === tab)) tab = defaultTab;
    selectTab(frame.tabBar, tab);
    for (const [id, view] of views) view.el.hidden = id !== tab;
    const view = viewOf(tab);
    view.el.hidden = false;
    view.shown();
    view.route(params);
  };
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && panel.isOpen()) setHash(DETAIL_PARAMS);
  });
  route();
  return { runView: () => runView ?? (viewOf('run') as RunView) };
}
