/**
 * Everything the command handlers load when they run, in one module: each handler takes what it
 * needs from `await import('./shared/engine.ts')`, so `tagliots --help` reads none of it.
 *
 * Why one module: the bundle (scripts/build.mjs) makes every `import()` target an entry point, and
 * each distinct set of entry points reaching a module becomes a chunk file of its own. A lazy
 * import per engine module cut the library into dozens of small chunks, each a file to read, link
 * and compile on every run. Through this module the engine is one lazily loaded chunk (plus the
 * parts the public entry point shares with it).
 *
 * Not here, each behind its own `import()` where it is needed: the HTML report page (report-page.ts,
 * page.ts and embed.ts under src/report/html/: the page's script and CSS are hundreds of kilobytes
 * of text), loaded by `report` and by the view server on its first request; and add-ids's suite
 * editor, which imports the yaml package that no other command reads up front.
 */
export { exportLayout, exportRow } from '../../analysis/export.ts';
export { permuteRows, suiteOrder } from '../../analysis/report-data.ts';
export { assignSlots, caseTraceEvents, createConcurrencyBuilder, processName, slotTrackNames } from '../../analysis/timeline.ts';

export { NO_EQUALS, overrideSyntaxError } from '../../config/overrides.ts';

export { clearResponseCache, responseCacheStats } from '../../engine/cache.ts';
export { checkPipeline } from '../../engine/check.ts';
export { compareToBaseline } from '../../engine/compare-runs.ts';
export { checkRunGate, gateRun } from '../../engine/gate.ts';
export { runHistory } from '../../engine/history.ts';
export { initProject } from '../../engine/init.ts';
export { mergeRuns } from '../../engine/merge.ts';
export { listModels } from '../../engine/models.ts';
export { listPipelines } from '../../engine/pipelines.ts';
export { readRunLog } from '../../engine/read-run-log.ts';
export { comparePages, loadRun } from '../../engine/report-run.ts';
export { ONLY_TEXT, rerunRun } from '../../engine/rerun.ts';
export { resumeRun } from '../../engine/resume.ts';
export { runSuite } from '../../engine/run-suite.ts';
export { findRunLog, resolveRunsDir } from '../../engine/runs-dir.ts';
export { summarizeLog } from '../../engine/summarize-run.ts';

export { LEGACY_VERSION } from '../../log/legacy.ts';

export { isPipelineFilePath } from '../../pipeline/yaml/load.ts';

export { comparisonMarkdown, multiComparisonMarkdown } from '../../report/compare-markdown.ts';
export { renderComparison, renderMultiComparison } from '../../report/compare-table.ts';
export { csvLine } from '../../report/csv.ts';
export { markdownTableHead, markdownTableRow } from '../../report/export-md.ts';
export { runFacts, sortCases } from '../../report/format-case.ts';
export { renderCaseMarkdown, renderRunHeaderMarkdown } from '../../report/format-markdown.ts';
export { renderCaseTerminal, renderRunHeaderTerminal } from '../../report/format-terminal.ts';
export { renderHistory } from '../../report/history-table.ts';
export { junitFooter, junitHeader, junitTestcase } from '../../report/junit.ts';
export { renderKeywordTable } from '../../report/keyword-table.ts';
export { gitLine, renderCarryOver, renderConfigChanges, renderRunConfig } from '../../report/run-config.ts';
export { describeSelection } from '../../report/selection.ts';
export { renderSummary } from '../../report/summary-table.ts';
export { createTheme } from '../../report/theme.ts';
export { renderCaseTimelineWithEvents, renderConcurrency } from '../../report/timeline-text.ts';

export { SUITE_FORMATS } from '../../suite/text.ts';

export { gateFinishedRun, gateText, writeGateOutputs } from './gate-output.ts';
export { createRunTerminal } from './run-terminal.ts';
export { createViewServer } from './view-server.ts';
