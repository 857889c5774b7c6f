// The "bare loop" of the benchmark: the per-case work of the calc pipeline with the perfect mock,
// written as one plain synchronous loop with no framework, so scripts/bench.mjs can state how far
// tagliots is from the floor. Per case: render the system prompt with nunjucks, build the message
// list, "answer" with the expected value, parse it, compare, JSON.stringify a record of about the
// size and shape of a tagliots case record, and append it to a file with writeSync in 64 KiB
// batches.
//
//   node scripts/bench-baseline.mjs <suite.json> <output.jsonl>
//
// The suite is the object form with the cases inline (scripts/bench-suites.mjs writes them); the
// template path in its config is taken from the working directory, as tagliots does. Prints
// `{ "cases": N, "passed": N }` on stdout.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import nunjucks from 'nunjucks';

const [suitePath, outputPath] = process.argv.slice(2);
if (!suitePath || !outputPath) {
  console.error('usage: node scripts/bench-baseline.mjs <suite.json> <output.jsonl>');
  process.exit(2);
}

const suite = JSON.parse(readFileSync(suitePath, 'utf8'));
const templatePath = suite.config['prepare.template'];
const env = new nunjucks.Environment(null, { throwOnUndefined: true, autoescape: false });
const template = new nunjucks.Template(readFileSync(templatePath, 'utf8'), env, templatePath, true);

const now = () => Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;
const stage = (startMs, endMs) => ({ status: 'ok', startMs, endMs, durationMs: Math.round((endMs - startMs) * 1000) / 1000 });

const FLUSH_AT = 64 * 1024;
const fd = openSync(outputPath, 'wx');
let pending = '';
let passedCount = 0;

suite.cases.forEach((c, index) => {
  const t0 = now();
  const messages = [
    { role: 'system', content: template.render({ case: c }) },
    { role: 'user', content: c.user },
  ];
  const t1 = now();
  const text = String(c.answer);
  const usage = { calls: 1, inputTokens: Math.ceil((messages[0].content.length + messages[1].content.length) / 4), outputTokens: Math.ceil(text.length / 4) };
  const t2 = now();
  const value = Number(text.trim());
  if (!Number.isFinite(value)) throw new Error(`could not convert string to number: '${text}'`);
  const t3 = now();
  const assess = value - c.answer;
  const t4 = now();
  const passed = assess === 0;
  if (passed) passedCount++;
  const record = {
    type: 'case',
    caseId: c.uuid,
    index,
    status: 'complete',
    passed,
    score: Math.max(0, 1 - Math.abs(assess) / Math.max(1, Math.abs(c.answer))),
    case: c,
    stages: { prepare: messages, infer: text, extract: value, assess },
    stageRecords: { prepare: stage(t0, t1), infer: { ...stage(t1, t2), usage }, extract: stage(t2, t3), assess: stage(t3, t4) },
    error: null,
    startMs: t0,
    endMs: t4,
    durationMs: Math.round((t4 - t0) * 1000) / 1000,
    usage,
    columns: { user: c.user, answer: c.answer, got: value },
  };
  pending += JSON.stringify(record) + '\n';
  if (pending.length >= FLUSH_AT) {
    writeSync(fd, pending);
    pending = '';
  }
});
if (pending) writeSync(fd, pending);
closeSync(fd);
process.stdout.write(JSON.stringify({ cases: suite.cases.length, passed: passedCount }) + '\n');
