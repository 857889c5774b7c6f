/**
 * `gate --junit <file>`: JUnit XML, which CI systems show as test results. One testcase per rule
 * (a failed rule is a <failure>, a skipped one <skipped>), and with `cases` one testcase per case
 * record of the run (a failed case is a <failure>, an errored one an <error>).
 */
import type { RunDigest } from '../analysis/compare.ts';
import { OUTCOMES, idAt } from '../analysis/compare.ts';
import type { GateResult } from '../analysis/gate.ts';
import { caseName } from './compare-format.ts';

/** Text for an XML attribute or element: escaped, without the control characters XML 1.0 forbids. */
export function xml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex -- removing them is the point
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;');
}

export interface JunitOptions {
  /** Add one testcase per case record of the run. */
  readonly cases?: RunDigest;
}

export function gateJunit(result: GateResult, options: JunitOptions = {}): string {
  const rules = result.rules;
  const failures = rules.filter((r) => r.status === 'fail').length;
  const skipped = rules.filter((r) => r.status === 'skip').length;
  const lines: string[] = [];
  const suites: string[] = [];

  suites.push(`  <testsuite name="tagliots gate" tests="${rules.length}" failures="${failures}" errors="0" skipped="${skipped}">`);
  suites.push('    <properties>');
  suites.push(`      <property name="run" value="${xml(result.run.runId)}"/>`);
  if (result.baseline) suites.push(`      <property name="baseline" value="${xml(result.baseline.runId)}"/>`);
  suites.push('    </properties>');
  for (const rule of rules) {
    const name = `${rule.name}: ${rule.threshold}`;
    const open = `    <testcase classname="tagliots.gate.${xml(rule.id)}" name="${xml(name)}"`;
    if (rule.status === 'pass') {
      suites.push(`${open}>`, `      <system-out>${xml(`measured: ${rule.measured}`)}</system-out>`, '    </testcase>');
    } else if (rule.status === 'skip') {
      suites.push(`${open}>`, `      <skipped message="${xml(rule.reason ?? 'skipped')}"/>`, '    </testcase>');
    } else {
      const body = [`measured: ${rule.measured}`, `threshold: ${rule.threshold}`, ...(rule.cases ?? []).map((c) => `${caseName(c)} ${c.outcome}`)].join('\n');
      suites.push(`${open}>`, `      <failure type="${xml(rule.id)}" message="${xml(rule.reason ?? 'failed')}">${xml(body)}</failure>`, '    </testcase>');
    }
  }
  suites.push('  </testsuite>');

  let tests = rules.length;
  let allFailures = failures;
  let errors = 0;
  let allSkipped = skipped;
  const digest = options.cases;
  if (digest) {
    const ids = Array.from({ length: digest.size }, (_, i) => idAt(digest.ids, i));
    const order = Array.from({ length: digest.size }, (_, i) => i).sort(
      (x, y) => digest.indexes[x]! - digest.indexes[y]! || (ids[x]! < ids[y]! ? -1 : ids[x]! > ids[y]! ? 1 : 0) || digest.repeats[x]! - digest.repeats[y]!,
    );
    const failed = order.filter((i) => digest.outcomes[i] === 1).length;
    const errored = order.filter((i) => digest.outcomes[i] === 2).length;
    suites.push(`  <testsuite name="tagliots cases" tests="${digest.size}" failures="${failed}" errors="${errored}" skipped="0">`);
    for (const i of order) {
      const ref = { caseId: ids[i]!, repeat: digest.repeats[i]!, index: digest.indexes[i]! };
      const keywords = digest.keywordSets[digest.keywordSet[i]!]!;
      const open = `    <testcase classname="tagliots.case" name="${xml(caseName(ref))}" time="${(digest.durations[i]! / 1000).toFixed(6)}"`;
      const outcome = OUTCOMES[digest.outcomes[i]!];
      const props = keywords.length > 0 ? `      <properties><property name="keywords" value="${xml(keywords.join(', '))}"/></properties>` : null;
      if (outcome === 'passed') suites.push(props ? `${open}>\n${props}\n    </testcase>` : `${open}/>`);
      else {
        const element =
          outcome === 'failed'
            ? '<failure type="failed" message="passed() returned false"/>'
            : digest.infra[i]
              ? '<error type="infrastructure" message="an infrastructure error: a model call failed after its retries, or the case was cancelled"/>'
              : '<error type="error" message="a stage of the pipeline failed"/>';
        suites.push(`${open}>`, ...(props ? [props] : []), `      ${element}`, '    </testcase>');
      }
    }
    suites.push('  </testsuite>');
    tests += digest.size;
    allFailures += failed;
    errors += errored;
    allSkipped += 0;
  }

  lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  lines.push(`<testsuites name="tagliots gate" tests="${tests}" failures="${allFailures}" errors="${errors}" skipped="${allSkipped}">`);
  lines.push(...suites);
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
