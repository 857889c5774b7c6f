/**
 * JUnit XML (the form CI systems read: GitHub, GitLab, Jenkins): one `<testsuite>` for the run, one
 * `<testcase>` per case record. A failed case has a `<failure>`, an errored one an `<error>` with
 * the stack, a cancelled one `<skipped>`.
 */
import type { CaseRecord, RunCounts, RunStartRecord } from '../log/schema.ts';

// eslint-disable-next-line no-control-regex -- characters XML 1.0 cannot hold at all
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Text for an XML attribute or element: `& < > " '` escaped, characters XML cannot hold replaced with U+FFFD. */
export function xmlEscape(text: string): string {
  return text
    .replace(INVALID_XML, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function junitHeader(header: RunStartRecord, counts: Pick<RunCounts, 'failed' | 'error' | 'cancelled'> & { readonly tests: number }, timeSeconds: number): string {
  const name = xmlEscape(`${header.pipeline.name} ${header.runId}`);
  const attrs = `tests="${counts.tests}" failures="${counts.failed}" errors="${counts.error}" skipped="${counts.cancelled}" time="${timeSeconds.toFixed(3)}"`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="${name}" ${attrs}>\n` +
    `  <testsuite name="${name}" ${attrs} timestamp="${xmlEscape(header.startedAt)}">\n` +
    `    <properties>\n` +
    `      <property name="runId" value="${xmlEscape(header.runId)}"/>\n` +
    `      <property name="pipeline" value="${xmlEscape(header.pipeline.name)}"/>\n` +
    `      <property name="suite" value="${xmlEscape(header.suite.path)}"/>\n` +
    `    </properties>\n`
  );
}

export function junitTestcase(record: CaseRecord, header: RunStartRecord): string {
  const repeat = (header.repeat ?? 1) > 1 ? ` #${record.repeat ?? 0}` : '';
  const open = `    <testcase classname="${xmlEscape(header.pipeline.name)}" name="${xmlEscape(record.caseId + repeat)}" time="${(record.durationMs / 1000).toFixed(3)}"`;
  if (record.status === 'error' && record.error) {
    const { error } = record;
    const where = error.stage ? `${error.stage}: ` : '';
    const context = error.context.length > 0 ? `Context: ${error.context.join(' > ')}\n` : '';
    return `${open}>\n      <error message="${xmlEscape(where + error.message)}" type="${xmlEscape(error.name)}">${xmlEscape(context + (error.stack ?? error.message))}</error>\n    </testcase>\n`;
  }
  if (record.status === 'error') return `${open}>\n      <error message="the case errored"/>\n    </testcase>\n`;
  if (record.status === 'cancelled') return `${open}>\n      <skipped message="cancelled: the run was interrupted"/>\n    </testcase>\n`;
  if (record.passed === false) {
    const score = record.score === null ? '' : ` (score ${record.score})`;
    return `${open}>\n      <failure message="${xmlEscape(`passed() returned false${score}`)}" type="failed"/>\n    </testcase>\n`;
  }
  return `${open}/>\n`;
}

export function junitFooter(): string {
  return '  </testsuite>\n</testsuites>\n';
}
