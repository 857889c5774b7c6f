import { describe, expect, it } from 'vitest';
import type { CaseRecord, RunEndRecord, RunStartRecord } from '../log/schema.ts';
import { compareDigests, configDifferences, createDigestBuilder, idAt, type RunDigest } from './compare.ts';
import { describeSensitivity } from './compare-wording.ts';
import { createRandom } from './stats.ts';

type Outcome = 'P' | 'F' | 'E' | 'C';

function header(overrides: Partial<RunStartRecord> = {}): RunStartRecord {
  return {
    type: 'run.start',
    v: 1,
    runId: 'run-a',
    startedAt: '2026-01-01T00:00:00.000Z',
    command: ['run', 'suite.json'],
    cwd: '/project',
    pipeline: { name: 'calc', description: '', stages: [{ name: 'infer', inputs: [] }], columns: [], hasPassed: true, hasScore: true },
    config: { infer: { model: { name: 'perfect', settings: { temperature: 0 } } } },
    deltas: [],
    suite: { path: 'suite.json', format: 'json', sha256: 'abc', count: 4 },
    git: { sha: '1111111111111111', branch: 'main', dirty: false, changes: [] },
    versions: { tagliots: 'test', node: 'test' },
    platform: 'test',
    concurrency: 1,
    parentRunId: null,
    ...overrides,
  };
}

function record(caseId: string, outcome: Outcome, extra: Partial<CaseRecord> & { keywords?: string[] } = {}): CaseRecord {
  const { keywords, ...rest } = extra;
  const complete = outcome === 'P' || outcome === 'F';
  return {
    type: 'case',
    caseId,
    index: 0,
    status: complete ? 'complete' : outcome === 'E' ? 'error' : 'cancelled',
    passed: complete ? outcome === 'P' : null,
    score: complete ? (outcome === 'P' ? 1 : 0) : null,
    case: { id: caseId, ...(keywords && { keywords }) },
    stages: {},
    stageRecords: {},
    error: null,
    startMs: 0,
    endMs: 1,
    durationMs: 10,
    ...rest,
  };
}

function end(status: RunEndRecord['status'] = 'completed'): RunEndRecord {
  return { type: 'run.end', status, endedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000, counts: { total: 0, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 } };
}

function digest(records: readonly CaseRecord[], h: Partial<RunStartRecord> = {}, e: RunEndRecord | null = end()): RunDigest {
  const builder = createDigestBuilder(header({ suite: { path: 'suite.json', format: 'json', sha256: 'abc', count: records.length }, ...h }));
  for (const r of records) builder.add(r);
  return builder.finish(e, { path: `${h.runId ?? 'run-a'}.jsonl` });
}

/** Records with index = position. */
const indexed = (list: CaseRecord[]) => list.map((r, index) => ({ ...r, index }));

describe('createDigestBuilder', () => {
  it('keeps one compact row per record: ids packed, outcomes, scores, usage, keyword sets shared', () => {
    const d = digest([
      record('α-1', 'P', { keywords: ['b', 'a'], usage: { calls: 1, inputTokens: 10, outputTokens: 2 }, costUsd: 0.5 }),
      record('b', 'F', { keywords: ['a', 'b'] }),
      record('c', 'E'),
      record('d', 'C', { repeat: 2 }),
    ]);
    expect(d.size).toBe(4);
    expect([0, 1, 2, 3].map((i) => idAt(d.ids, i))).toEqual(['α-1', 'b', 'c', 'd']);
    expect([...d.outcomes.subarray(0, 4)]).toEqual([0, 1, 2, 2]);
    expect(d.repeats[3]).toBe(2);
    expect(d.keywordSet[0]).toBe(d.keywordSet[1]);
    expect(d.keywordSets[d.keywordSet[0]!]).toEqual(['a', 'b']);
    expect(Number.isNaN(d.scores[2]!)).toBe(true);
    expect(d.info.counts).toEqual({ total: 4, complete: 2, error: 1, cancelled: 1, passed: 1, failed: 1, notRun: 0 });
    expect(d.info.costUsd).toBe(0.5);
    expect(d.info.inputTokens).toBe(10);
    expect(d.info.meanScore).toBe(0.5);
  });

  it('grows past the header count, and counts cases not run', () => {
    const builder = createDigestBuilder(header({ suite: { path: 's', format: 'json', sha256: 'x', count: 1 } }));
    for (let i = 0; i < 100; i++) builder.add(record(`case-${i}`, 'P'));
    const d = builder.finish(null, { path: 'x' });
    expect(d.size).toBe(100);
    expect(idAt(d.ids, 99)).toBe('case-99');
    expect(d.info.status).toBe('incomplete');
    const partial = digest([record('a', 'P')], { suite: { path: 's', format: 'json', sha256: 'x', count: 5 } }, end('interrupted'));
    expect(partial.info.counts.notRun).toBe(4);
  });

  it('leaves out records the keep predicate rejects', () => {
    const builder = createDigestBuilder(header(), { keep: (r) => r.caseId !== 'b' });
    for (const r of [record('a', 'P'), record('b', 'P'), record('c', 'F')]) builder.add(r);
    const d = builder.finish(end(), { path: 'x' });
    expect(d.size).toBe(2);
    expect(d.info.counts.total).toBe(2);
  });
});

describe('compareDigests', () => {
  const a = digest(
    indexed([
      record('p-p', 'P', { keywords: ['x'] }),
      record('p-f', 'P', { keywords: ['x', 'y'] }),
      record('p-e', 'P', { keywords: ['y'] }),
      record('f-p', 'F'),
      record('e-p', 'E'),
      record('f-e', 'F'),
      record('e-f', 'E'),
      record('only-a', 'P'),
    ]),
  );
  const b = digest(
    indexed([
      record('only-b', 'F'),
      record('e-f', 'F'),
      record('f-e', 'E'),
      record('e-p', 'P'),
      record('f-p', 'P'),
      record('p-e', 'E'),
      record('p-f', 'F'),
      record('p-p', 'P'),
    ]),
    { runId: 'run-b' },
  );
  const c = compareDigests(a, b);

  it('aligns by case id and lists the cases only in A and only in B', () => {
    expect(c.common).toBe(7);
    expect(c.onlyA.map((r) => r.caseId)).toEqual(['only-a']);
    expect(c.onlyB.map((r) => r.caseId)).toEqual(['only-b']);
  });

  it("groups the cases in GoTaglio's order (4·order(B) + order(A)), ties by id", () => {
    expect(c.cases.map((x) => `${x.caseId}:${x.a}>${x.b}`)).toEqual([
      'p-p:passed>passed',
      'f-p:failed>passed',
      'e-p:error>passed',
      'p-f:passed>failed',
      'e-f:error>failed',
      'p-e:passed>error',
      'f-e:failed>error',
    ]);
    // GoTaglio order: both passed; fail→pass; error→pass; pass→fail; fail→fail; error→fail; pass→error; fail→error; both error.
    expect(c.transitions.map((t) => `${t.from}>${t.to}=${t.count}`)).toEqual([
      'passed>passed=1',
      'failed>passed=1',
      'error>passed=1',
      'passed>failed=1',
      'failed>failed=0',
      'error>failed=1',
      'passed>error=1',
      'failed>error=1',
      'error>error=0',
    ]);
  });

  it('lists every regression and fix by id', () => {
    expect(c.regressions.map((x) => x.caseId)).toEqual(['p-f', 'p-e']);
    expect(c.fixes.map((x) => x.caseId)).toEqual(['f-p', 'e-p']);
    expect(c.stats!.pass).toMatchObject({ method: 'mcnemar-exact', worse: 2, better: 2, pWorse: 11 / 16, pBetter: 11 / 16, significant: null });
    expect(c.verdict.kind).toBe('not-significant');
    expect(c.verdict.text).toMatch(/^No significant difference: pass rate 0\.0 pp \(95% CI -\d+\.\d to \d+\.\d pp\), 2 regressions vs 2 fixes, p = 0\.69 \(one-sided\); mean score /);
  });

  it('computes score deltas per case and on average, over the cases scored in both', () => {
    const pf = c.cases.find((x) => x.caseId === 'p-f')!;
    expect(pf).toMatchObject({ scoreA: 1, scoreB: 0, scoreDelta: -1 });
    const pe = c.cases.find((x) => x.caseId === 'p-e')!;
    expect(pe).toMatchObject({ scoreA: 1, scoreB: null, scoreDelta: null });
    // A pipeline error scores 0: every common case is scored.
    expect(c.score).toMatchObject({ pairs: 7, delta: 0 });
    expect(c.stats!.errorScore).toBe(0);
    expect(c.passRate.a).toBeCloseTo(3 / 7);
    expect(c.passRate.b).toBeCloseTo(3 / 7);
    expect(c.passRate.ci).not.toBeNull();
  });

  it('breaks pass rates, regressions and fixes down by keyword (from A), Holm-adjusted', () => {
    expect(c.keywords).toEqual([
      { keyword: 'x', cases: 2, passedA: 2, passedB: 1, passRateA: 1, passRateB: 0.5, regressions: 1, fixes: 0, p: 0.5, pAdjusted: 0.5, significant: null },
      { keyword: 'y', cases: 2, passedA: 2, passedB: 0, passRateA: 1, passRateB: 0, regressions: 2, fixes: 0, p: 0.25, pAdjusted: 0.5, significant: null },
    ]);
  });

  it('is the same whatever order the logs list their cases in', () => {
    const reversed = digest(
      indexed([
        record('only-b', 'F'),
        record('e-f', 'F'),
        record('f-e', 'E'),
        record('e-p', 'P'),
        record('f-p', 'P'),
        record('p-e', 'E'),
        record('p-f', 'F'),
        record('p-p', 'P'),
      ]).reverse(),
      { runId: 'run-b' },
    );
    expect(JSON.stringify(compareDigests(a, reversed))).toBe(JSON.stringify(c));
  });
});

describe('compareDigests: statistics, metrics, verdicts', () => {
  const many = (n: number, outcome: Outcome, prefix: string, extra: Partial<CaseRecord> = {}) => Array.from({ length: n }, (_, i) => record(`${prefix}${i}`, outcome, extra));

  const passOnly = { pipeline: { name: 'calc', description: '', stages: [], columns: [], hasPassed: true, hasScore: false } };
  const noPassed = { pipeline: { name: 'calc', description: '', stages: [], columns: [], hasPassed: false, hasScore: true } };

  it('says B is worse with 12 regressions vs 3 fixes (one-sided McNemar p = 0.018), in the same words both ways', () => {
    // The interval is Tango's (test/fixtures/stats/reference.py: paired_binary(12, 3, 35, 0.05) = -0.4208, -0.0811).
    const a = digest([...many(12, 'P', 'r'), ...many(3, 'F', 'f'), ...many(20, 'P', 's')], passOnly);
    const b = digest([...many(12, 'F', 'r'), ...many(3, 'P', 'f'), ...many(20, 'P', 's')], { runId: 'run-b', ...passOnly });
    const c = compareDigests(a, b);
    expect(c.stats!.pass!.pWorse).toBeCloseTo(0.017578125, 12);
    expect(c.verdict).toEqual({ kind: 'worse', text: 'B is worse: pass rate -25.7 pp (90% CI -42.1 to -8.1 pp), 12 regressions vs 3 fixes, p = 0.018 (one-sided)' });
    expect(compareDigests(b, a).verdict).toEqual({ kind: 'better', text: 'B is better: pass rate +25.7 pp (90% CI 8.1 to 42.1 pp), 3 regressions vs 12 fixes, p = 0.018 (one-sided)' });
    expect(c.passRate.delta).toBeCloseTo(-9 / 35);
    expect(c.passRate.ci!.high).toBeLessThan(0);
  });

  it('never shows an interval that excludes 0 next to "no significant difference" (10 cases, 4 regressions)', () => {
    const a = digest([...many(4, 'P', 'r'), ...many(6, 'P', 's')], passOnly);
    const b = digest([...many(4, 'F', 'r'), ...many(6, 'P', 's')], { runId: 'b', ...passOnly });
    const c = compareDigests(a, b);
    // 4 of 4 flips the same way: one-sided p = 1/16, not below 0.05.
    expect(c.verdict.kind).toBe('not-significant');
    expect(c.stats!.pass!.pWorse).toBe(0.0625);
    expect(c.passRate.ci!.high).toBe(0);
    expect(c.passRate.ci!.low).toBeLessThan(-0.6);
  });

  it('gives an interval of honest width when nothing flipped in a small suite, and says what it could have seen', () => {
    const a = digest(many(24, 'P', 'c'), passOnly);
    const b = digest(many(24, 'P', 'c'), { runId: 'b', ...passOnly });
    const c = compareDigests(a, b);
    expect(c.verdict.kind).toBe('no-change');
    expect(c.passRate.ci!.low).toBeCloseTo(-0.1013, 3);
    expect(c.passRate.ci!.high).toBeCloseTo(0.1013, 3);
    expect(describeSensitivity(c.stats!, c.stats!.pass!)).toMatch(/^With 24 cases and 0% of them flipping, a pass-rate drop smaller than \d+\.\d pp would likely go unnoticed \(80% power, one-sided at α = 0\.05\)\.$/);
    expect(c.stats!.pass!.mde).toBeGreaterThanOrEqual(5 / 24);
  });

  it('leaves infrastructure errors out: neither regressions nor fixes, and counted apart', () => {
    const failedCall = {
      stageRecords: {
        infer: {
          status: 'error' as const,
          calls: [{ profile: 'gpt', model: 'gpt', provider: 'openai', status: 'error' as const, cache: 'off' as const, attempts: [{ attempt: 3, rateLimitWaitMs: 0, backoffMs: 0, durationMs: 1, status: 503, outcome: 'error' as const }], waitedMs: 0, rateLimitWaitMs: 0, durationMs: 1 }],
        },
      },
      error: { name: 'ModelError', message: 'gave up', stage: 'infer', context: [] },
    };
    const thrown = { error: { name: 'Error', message: "could not convert string to number: 'hello'", stage: 'extract', context: [] } };
    const a = digest([...many(10, 'P', 'i'), ...many(5, 'P', 'c'), ...many(3, 'P', 'p'), ...many(2, 'E', 'e', failedCall)], passOnly);
    const b = digest([...many(10, 'E', 'i', failedCall), ...many(5, 'C', 'c'), ...many(3, 'E', 'p', thrown), ...many(2, 'P', 'e')], { runId: 'b', ...passOnly });
    expect(b.info.errors).toEqual({ pipeline: 3, infrastructure: 15 });
    const c = compareDigests(a, b);
    // Only the three pipeline errors are regressions; the recovered baseline errors are no fixes.
    expect(c.regressions.map((r) => r.caseId)).toEqual(['p0', 'p1', 'p2']);
    expect(c.fixes).toEqual([]);
    expect(c.stats).toMatchObject({ cases: 3, excluded: { a: 2, b: 15 } });
    expect(c.stats!.pass).toMatchObject({ worse: 3, better: 0, cases: 3 });
    expect(c.cases.find((x) => x.caseId === 'i0')).toMatchObject({ a: 'passed', b: 'error', infraB: true });
  });

  it('judges a pipeline without passed() on its scores, even when a case errors', () => {
    const scored = (id: string, score: number) => ({ ...record(id, 'P', { score }), passed: null });
    const a = digest(Array.from({ length: 40 }, (_, i) => scored(`c${i}`, 0.9)), noPassed);
    const b = digest([...Array.from({ length: 39 }, (_, i) => scored(`c${i}`, 0.4)), record('c39', 'E')], { runId: 'b', ...noPassed });
    const c = compareDigests(a, b);
    expect(c.stats!.pass).toBeNull();
    expect(c.stats!.primary).toBe('score');
    expect(c.stats!.score).toMatchObject({ cases: 40, method: 'sign-flip-random', significant: 'worse' });
    // The errored case scores 0.
    expect(c.score.delta).toBeCloseTo((39 * -0.5 - 0.9) / 40, 12);
    expect(c.verdict.text).toMatch(/^B is worse: mean score -0\.51 \(90% CI -0\.\d+ to -0\.\d+\), 40 cases lower vs 0 higher, p < 0\.001 \(one-sided\)$/);
  });

  it('pairs per case with repeats: the repeats of a case count once', () => {
    const repeated = (outcomes: string, h: Partial<RunStartRecord>) =>
      digest(
        Array.from({ length: 24 }, (_, i) => [0, 1, 2].map((r) => record(`c${i}`, (outcomes[(i + r) % outcomes.length] ?? 'P') as Outcome, { repeat: r, index: i }))).flat(),
        { ...passOnly, repeat: 3, ...h },
      );
    const a = repeated('PPF', {});
    const b = repeated('PFF', { runId: 'b' });
    const c = compareDigests(a, b);
    expect(c.stats).toMatchObject({ cases: 24, repeats: 3 });
    expect(c.stats!.pass!.method).toBe('sign-flip-random');
    expect(c.stats!.pass!.cases).toBe(24);
    expect(c.passRate.delta).toBeCloseTo(-1 / 3, 12);
    expect(c.verdict.kind).toBe('worse');
  });

  it('adjusts the keyword rows for multiple comparisons: 20 keywords of unchanged noise are not marked', () => {
    const random = createRandom(5);
    const cases = Array.from({ length: 400 }, (_, i) => ({ id: `c${i}`, keyword: `k${i % 20}`, p: random() }));
    const run = (runId: string) => digest(cases.map((x) => record(x.id, random() < x.p ? 'P' : 'F', { keywords: [x.keyword] })), { runId, ...passOnly });
    const c = compareDigests(run('a'), run('b'));
    expect(c.keywords).toHaveLength(20);
    expect(c.keywords.filter((k) => k.significant !== null)).toEqual([]);
    expect(Math.min(...c.keywords.map((k) => k.pAdjusted!))).toBeGreaterThanOrEqual(Math.min(...c.keywords.map((k) => k.p!)));
  });

  it('reports cost, token and latency deltas over the common cases', () => {
    const usage = (input: number) => ({ usage: { calls: 1, inputTokens: input, outputTokens: 1 } });
    const a = digest([record('a', 'P', { costUsd: 0.01, durationMs: 100, ...usage(10) }), record('b', 'P', { costUsd: 0.02, durationMs: 300, ...usage(20) })]);
    const b = digest([record('a', 'P', { costUsd: 0.03, durationMs: 200, ...usage(15) }), record('b', 'P', { costUsd: 0.05, durationMs: 400, ...usage(25) })], { runId: 'b' });
    const c = compareDigests(a, b);
    expect(c.costUsd.a).toBeCloseTo(0.03);
    expect(c.costUsd.delta).toBeCloseTo(0.05);
    expect(c.inputTokens).toEqual({ a: 30, b: 40, delta: 10 });
    expect(c.outputTokens).toEqual({ a: 2, b: 2, delta: 0 });
    expect(c.latency.mean).toEqual({ a: 200, b: 300, delta: 100 });
    expect(c.latency.p50).toEqual({ a: 200, b: 300, delta: 100 });
    expect(c.verdict.kind).toBe('no-change');
    expect(c.identical).toBe(true);
  });

  it('reads a total one run did not record as unknown, not 0 (a GoTaglio log has no token counts)', () => {
    const usage = (input: number) => ({ usage: { calls: 1, inputTokens: input, outputTokens: 2 } });
    const gotaglio = digest([record('a', 'P'), record('b', 'P')], { suite: { path: 'suite.json', format: 'json', sha256: '', count: 2 } });
    const own = digest([record('a', 'P', { costUsd: 0.01, ...usage(300) }), record('b', 'P', { costUsd: 0.02, ...usage(410) })], { runId: 'b' });
    const c = compareDigests(gotaglio, own);
    expect(c.inputTokens).toEqual({ a: null, b: 710, delta: null });
    expect(c.outputTokens).toEqual({ a: null, b: 4, delta: null });
    expect(c.costUsd.a).toBeNull();
    expect(c.costUsd.delta).toBeNull();
    // No checksum is not a different suite.
    expect(c.warnings.join('\n')).not.toContain('Different suite content');
    expect(c.warnings).toContain('Suite content not checked: A recorded no checksum of its suite (a GoTaglio log); cases are matched by id.');
  });

  it('lists the common cases whose tool calls differ, with the calls of each run in order', () => {
    const round = (calls: { name: string; arguments: unknown }[]) => ({ round: 1, startMs: 0, durationMs: 1, text: '', toolCalls: calls.map((call, k) => ({ ...call, round: 1, id: `c${k}`, status: 'ok' as const })) });
    const agent = (...calls: { name: string; arguments: unknown }[]) => ({
      stageRecords: { agent: { status: 'ok' as const, llm: [{ model: 'm', templates: [], messages: [], rounds: [round(calls)], outcome: 'answer' as const }] } },
    });
    const lookup = { name: 'lookup_order', arguments: { orderId: 'A1', verbose: false } };
    const a = digest([
      record('same', 'P', agent(lookup)),
      record('other-args', 'P', { ...agent({ name: 'lookup_order', arguments: { orderId: 'A1' } }), index: 1 }),
      record('no-tools', 'P', { ...agent(), index: 2 }),
      record('plain', 'P', { index: 3 }),
    ]);
    const b = digest(
      [
        // Keys in another order are the same call.
        record('same', 'P', agent({ name: 'lookup_order', arguments: { verbose: false, orderId: 'A1' } })),
        record('other-args', 'F', { ...agent({ name: 'lookup_order', arguments: { orderId: 'B2' } }, { name: 'escalate', arguments: '{oops' }), index: 1 }),
        record('no-tools', 'P', { ...agent(lookup), index: 2 }),
        record('plain', 'P', { index: 3 }),
      ],
      { runId: 'b' },
    );
    const c = compareDigests(a, b);
    expect(c.toolCalls).toEqual({
      changed: 2,
      cases: [
        { caseId: 'other-args', repeat: 0, index: 1, a: 'passed', b: 'failed', callsA: ['lookup_order {"orderId":"A1"}'], callsB: ['lookup_order {"orderId":"B2"}', 'escalate {oops'] },
        { caseId: 'no-tools', repeat: 0, index: 2, a: 'passed', b: 'passed', callsA: [], callsB: ['lookup_order {"orderId":"A1","verbose":false}'] },
      ],
    });
    expect(compareDigests(a, b, { maxRows: 1 }).toolCalls).toMatchObject({ changed: 2, cases: [{ caseId: 'other-args' }] });
    // Runs without tool loops have no tool-call comparison at all.
    expect(compareDigests(digest([record('plain', 'P')]), digest([record('plain', 'P')], { runId: 'b' })).toolCalls).toBeNull();
  });

  it('has no metrics it cannot compute (no cost, no usage)', () => {
    const c = compareDigests(digest([record('a', 'P')]), digest([record('a', 'P')], { runId: 'b' }));
    expect(c.costUsd).toEqual({ a: null, b: null, delta: null });
    expect(c.inputTokens.delta).toBeNull();
  });

  it('handles runs with no case in common without dividing by zero', () => {
    const c = compareDigests(digest([record('a', 'P'), record('b', 'F')]), digest([record('c', 'P')], { runId: 'b' }));
    expect(c.common).toBe(0);
    expect(c.stats).toBeNull();
    expect(c.passRate).toEqual({ a: null, b: null, delta: null, ci: null });
    expect(c.latency.mean.delta).toBeNull();
    expect(c.verdict).toEqual({ kind: 'no-common-cases', text: 'Nothing to compare: A and B have no case in common (2 only in A, 1 only in B).' });
    expect(JSON.stringify(c)).not.toContain('NaN');
  });

  it('says when A and B are the same run', () => {
    const a = digest([record('a', 'P'), record('b', 'F')]);
    const c = compareDigests(a, a);
    expect(c.sameRun).toBe(true);
    expect(c.identical).toBe(true);
    expect(c.verdict).toEqual({ kind: 'same-run', text: 'Same run: A and B are both run-a.' });
  });

  it('aligns repeats by (id, repeat) and warns about duplicates', () => {
    const a = digest([record('x', 'P', { repeat: 0 }), record('x', 'P', { repeat: 1 }), record('x', 'F', { repeat: 1 })], { repeat: 2 });
    const b = digest([record('x', 'P'), record('x', 'F', { repeat: 1 }), record('x', 'P', { repeat: 2 })], { runId: 'b', repeat: 3 });
    const c = compareDigests(a, b);
    expect(c.common).toBe(2);
    expect(c.regressions.map((r) => `${r.caseId}#${r.repeat}`)).toEqual(['x#1']);
    expect(c.onlyB).toEqual([{ caseId: 'x', repeat: 2, index: 0 }]);
    expect(c.warnings).toContain('A has 1 record for a case and repeat already seen; only the first is compared.');
    expect(c.warnings).toContain('Different repeat counts: A ran each case 2 times, B 3 times.');
  });

  it('lists every common case up to maxRows, else only the changed ones', () => {
    const a = digest([record('a', 'P'), record('b', 'P'), record('c', 'P')]);
    const b = digest([record('a', 'P'), record('b', 'F'), record('c', 'P')], { runId: 'b' });
    expect(compareDigests(a, b, { maxRows: 3 })).toMatchObject({ casesListed: 'all', changed: 1 });
    expect(compareDigests(a, b, { maxRows: 3 }).cases).toHaveLength(3);
    expect(compareDigests(a, b, { maxRows: 2 }).cases.map((x) => x.caseId)).toEqual(['b']);
  });

  it('keeps the first N cases in suite order with limit', () => {
    const a = digest(indexed([record('z', 'P'), record('y', 'P'), record('x', 'P')]));
    const b = digest(indexed([record('z', 'F'), record('y', 'F'), record('x', 'F')]), { runId: 'b' });
    const c = compareDigests(a, b, { limit: 2 });
    expect(c.common).toBe(2);
    expect(c.regressions.map((r) => r.caseId)).toEqual(['y', 'z']);
  });

  it('shortens long ids to a unique prefix over both runs, for any characters', () => {
    const long = (id: string) => `${id}-${'x'.repeat(30)}`;
    const a = digest([record(long('abc1'), 'P'), record(long('abc2'), 'P'), record(long('zzz'), 'P')]);
    const b = digest([record(long('abc1'), 'P'), record(long('abc2'), 'P'), record(long('añb9'), 'P')], { runId: 'b' });
    expect(compareDigests(a, b).idPrefixLength).toBe(4);
    expect(compareDigests(a, a).idPrefixLength).toBe(4);
    // Short ids are shown whole.
    expect(compareDigests(digest([record('auth-login', 'P'), record('auth-logout', 'P')]), digest([record('x', 'P')], { runId: 'b' })).idPrefixLength).toBe(11);
  });

});

describe('warnings and config differences', () => {
  it('warns when the pipeline, suite content or commit differ, or a run is dirty or incomplete', () => {
    const a = digest([record('a', 'P')], { git: { sha: '1111111111111111', branch: 'main', dirty: true, changes: [' M x'] } });
    const b = digest(
      [record('a', 'P')],
      {
        runId: 'b',
        pipeline: { name: 'other', description: '', stages: [], columns: [], hasPassed: true, hasScore: false },
        suite: { path: 'suite2.json', format: 'json', sha256: 'def', count: 3 },
        git: { sha: '2222222222222222', branch: 'x', dirty: false, changes: [] },
        selection: { shard: { index: 1, count: 4 } },
      },
      null,
    );
    expect(compareDigests(a, b).warnings).toEqual([
      "Different pipelines: A ran 'calc', B ran 'other'.",
      "Different suite content: sha256 abc… in A, def… in B (A: suite.json, B: suite2.json).",
      'Different git commits: A at 111111111111, B at 222222222222.',
      'A ran with uncommitted changes (git dirty).',
      'B is incomplete: its log has no run.end record (crashed, killed or still running).',
      'Different case selections: A ran all cases, B ran shard 1/4.',
    ]);
  });

  it('lists config values that differ, with absent keys', () => {
    expect(
      configDifferences(
        { infer: { model: { name: 'perfect', settings: { t: 0 } } }, list: [1, 2], gone: 1 },
        { infer: { model: { name: 'flakey', settings: { t: 0 } } }, list: [1, 2], added: { x: true } },
      ),
    ).toEqual([{ path: 'infer.model.name', a: 'perfect', b: 'flakey' }, { path: 'gone', a: 1 }, { path: 'added.x', b: true }]);
  });
});
