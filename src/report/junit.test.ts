import { describe, expect, it } from 'vitest';
import { makeCase, makeHeader } from '../../test/helpers/records.ts';
import { junitFooter, junitHeader, junitTestcase, xmlEscape } from './junit.ts';

describe('JUnit XML', () => {
  it('escapes markup and drops characters XML cannot hold', () => {
    expect(xmlEscape(`<a href="x">&'\u0001\u001b[31m`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;\ufffd\ufffd[31m');
    expect(xmlEscape('tab\tnew\nline')).toBe('tab\tnew\nline');
  });

  it('writes a test suite with a testcase per case: failures, errors with the stack, skipped', () => {
    const header = makeHeader();
    const xml =
      junitHeader(header, { tests: 4, failed: 1, error: 1, cancelled: 1 }, 1.5) +
      junitTestcase(makeCase(0, { id: 'ok <1>' }), header) +
      junitTestcase(makeCase(1, { passed: false, score: 0.25 }), header) +
      junitTestcase(
        makeCase(2, { status: 'error', error: { stage: 'extract', message: "can't parse \"x\"", context: ['Extracting'], stack: 'Error: can\'t parse "x"\n    at f (a.ts:1:2)' } }),
        header,
      ) +
      junitTestcase(makeCase(3, { status: 'cancelled' }), header) +
      junitFooter();
    expect(xml).toMatchInlineSnapshot(`
      "<?xml version="1.0" encoding="UTF-8"?>
      <testsuites name="calc 01900000-0000-7000-8000-000000000001" tests="4" failures="1" errors="1" skipped="1" time="1.500">
        <testsuite name="calc 01900000-0000-7000-8000-000000000001" tests="4" failures="1" errors="1" skipped="1" time="1.500" timestamp="2025-01-01T00:00:00.000Z">
          <properties>
            <property name="runId" value="01900000-0000-7000-8000-000000000001"/>
            <property name="pipeline" value="calc"/>
            <property name="suite" value="suite.json"/>
          </properties>
          <testcase classname="calc" name="ok &lt;1&gt;" time="0.005"/>
          <testcase classname="calc" name="case-001" time="0.005">
            <failure message="passed() returned false (score 0.25)" type="failed"/>
          </testcase>
          <testcase classname="calc" name="case-002" time="0.005">
            <error message="extract: can&apos;t parse &quot;x&quot;" type="Error">Context: Extracting
      Error: can&apos;t parse &quot;x&quot;
          at f (a.ts:1:2)</error>
          </testcase>
          <testcase classname="calc" name="case-003" time="0.005">
            <skipped message="cancelled: the run was interrupted"/>
          </testcase>
        </testsuite>
      </testsuites>
      "
    `);
  });

  it('names repetitions of a repeated run apart', () => {
    const header = makeHeader({ repeat: 3 });
    expect(junitTestcase(makeCase(0, { repeat: 2 }), header)).toContain('name="case-000 #2"');
  });
});
