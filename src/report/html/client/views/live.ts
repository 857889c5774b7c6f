/** A run in progress, followed through `tagliots view`'s /api: new rows are appended as cases finish. */
import { formatCount } from '../../../../util/units.ts';
import type { RunData } from '../boot.ts';
import { h } from '../dom.ts';
import { getJson } from '../load.ts';
import { appendRows, type RunModel } from '../model.ts';
import type { Report } from './report.ts';

/** Failed polls in a row after which the page stops asking. */
const MOST_FAILURES = 30;

export async function followLive(runId: string, model: RunModel, report: Report, pollMs: number): Promise<void> {
  const view = report.runView();
  const banner = h('div', { class: 'live-banner', role: 'status' });
  view.el.prepend(banner);
  const describe = () => {
    const header = model.run.header;
    banner.textContent = model.run.end ? `The run ended (${model.run.end.status}).` : `Running: ${formatCount(model.n)} of ${formatCount(header.suite.count * (header.repeat ?? 1))} cases finished. This page updates as cases finish.`;
    banner.classList.toggle('done', Boolean(model.run.end));
  };
  describe();
  let failures = 0;
  while (!model.run.end) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    try {
      const data = await getJson<RunData>(`/api/runs/${encodeURIComponent(runId)}?from=${model.n}`);
      failures = 0;
      const grew = data.rows.id.length > 0;
      if (grew) appendRows(model, data.rows);
      const ended = Boolean(data.run.end) !== Boolean(model.run.end);
      model.run = data.run;
      if (grew || ended) view.refresh();
      describe();
    } catch (error) {
      failures++;
      banner.textContent = `Lost contact with tagliots view (${error instanceof Error ? error.message : String(error)}); retrying…`;
      if (failures > MOST_FAILURES) return;
    }
  }
}
