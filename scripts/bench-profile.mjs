#!/usr/bin/env node
// CPU profile of one `tagliots run` of a generated calc suite, summarised by self time: the
// "what costs what" section of docs/performance.md comes from this.
//
//   node scripts/bench-profile.mjs [--cases 100000] [--format json|jsonl] [--top 25]
//                                  [--interval-us 250] [--save profile.cpuprofile]
//
// Runs `node --cpu-prof bin/tagliots.js run <suite> --runs-dir <temp>` from the repo root (build
// dist/ first), then maps each sampled function back to its source through dist/'s source maps
// and prints: the top functions by self time, self time by source file, and a coarse split
// (GC, suite parsing, log writing, nunjucks, ...). V8 charges time spent inside C++ builtins
// such as JSON.stringify and JSON.parse to the JavaScript function that called them, so the
// writer's `write` holds the JSON.stringify of every record and `parseJson` the suite's JSON.parse.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, copyFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSuite } from './bench-suites.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function parseArgs(argv) {
  const options = { cases: 100_000, format: 'json', top: 25, intervalUs: 250, save: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--cases') options.cases = Number(value());
    else if (flag === '--format') options.format = value();
    else if (flag === '--top') options.top = Number(value());
    else if (flag === '--interval-us') options.intervalUs = Number(value());
    else if (flag === '--save') options.save = resolve(value());
    else {
      process.stderr.write(`usage: node scripts/bench-profile.mjs [--cases N] [--format json|jsonl] [--top K] [--interval-us U] [--save file]\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(options.cases) || options.cases < 1) throw new Error('--cases must be a positive whole number');
  return options;
}

const options = parseArgs(process.argv.slice(2));
if (!existsSync(join(ROOT, 'dist/cli.js'))) {
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (built.status !== 0) process.exit(1);
}

const temp = mkdtempSync(join(tmpdir(), 'tagliots-profile-'));
let profile;
let wallMs;
try {
  const suite = writeSuite(temp, options.format, options.cases);
  const profDir = join(temp, 'prof');
  const start = process.hrtime.bigint();
  const child = spawnSync(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', String(options.intervalUs), join(ROOT, 'bin/tagliots.js'), 'run', suite, '--runs-dir', join(temp, 'runs')],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  );
  wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) {
    process.stderr.write(`the run exited with ${child.status}:\n${child.stderr}\n`);
    process.exit(1);
  }
  const file = readdirSync(profDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('node wrote no .cpuprofile');
  if (options.save) copyFileSync(join(profDir, file), options.save);
  profile = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
} finally {
  rmSync(temp, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Self time per node: each sample is charged the time until the next sample.

const selfUs = new Map();
const { samples, timeDeltas } = profile;
for (let i = 0; i < samples.length; i++) {
  const delta = timeDeltas[i + 1] ?? 0;
  selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + delta);
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

// Maps a dist/ location to the original source through the bundle's source map.
const maps = new Map();
function original(url, line, column) {
  if (!url.startsWith('file://')) return undefined;
  const path = fileURLToPath(url);
  if (!path.startsWith(join(ROOT, 'dist'))) return undefined;
  if (!maps.has(path)) {
    let map;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(path, map);
  }
  const map = maps.get(path);
  const entry = map?.findEntry(line, column);
  if (!entry || entry.originalSource === undefined) return undefined;
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(dirname(path), entry.originalSource);
  return { file: relative(ROOT, source), line: entry.originalLine + 1 };
}

function describe(callFrame) {
  const name = callFrame.functionName || '(anonymous)';
  const { url, lineNumber, columnNumber } = callFrame;
  if (!url) return { name, file: name.startsWith('(') ? name : '(native)', where: '' };
  const mapped = original(url, lineNumber, columnNumber);
  if (mapped) return { name, file: mapped.file, where: `${mapped.file}:${mapped.line}` };
  const file = url.startsWith('file://') ? relative(ROOT, fileURLToPath(url)) : url;
  return { name, file, where: `${file}:${lineNumber + 1}` };
}

const byFunction = new Map();
const byFile = new Map();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id);
  if (!us) continue;
  const d = describe(node.callFrame);
  const key = `${d.name} ${d.where}`;
  byFunction.set(key, { ...d, us: (byFunction.get(key)?.us ?? 0) + us });
  byFile.set(d.file, (byFile.get(d.file) ?? 0) + us);
}

// A coarse split. Order matters: the first matching rule wins.
const CATEGORIES = [
  ['GC', (d) => d.name === '(garbage collector)'],
  ['idle (waiting on I/O)', (d) => d.name === '(idle)'],
  ['V8/native, unattributed (program)', (d) => d.name === '(program)'],
  ['run log: JSON.stringify + buffering (writer.ts)', (d) => d.file === 'src/log/writer.ts'],
  ['run log: write/fsync system calls', (d) => d.file === '(native)' && /^(writeBuffer|writeString|writev|fsync|fdatasync|close)$/.test(d.name)],
  ['suite: read, JSON.parse, check', (d) => d.file.startsWith('src/suite/') || d.file === 'src/util/json-syntax.ts'],
  ['nunjucks (render)', (d) => d.file.includes('nunjucks')],
  ['runner (cases, stages, scheduling)', (d) => d.file.startsWith('src/runner/')],
  ['findNonJson / JSON checks', (d) => d.file === 'src/util/json.ts'],
  ['pipeline (samples/calc, compiled into node_modules/.cache)', (d) => d.file.startsWith('samples/') || d.file.includes('.cache/tagliots/')],
  ['models (mocks)', (d) => d.file.startsWith('src/model/')],
  ['summary / progress / report', (d) => d.file.startsWith('src/analysis/') || d.file.startsWith('src/report/')],
  ['other tagliots code', (d) => d.file.startsWith('src/')],
  ['Node internals and other native code', (d) => d.file.startsWith('node:') || d.file === '(native)'],
  ['other dependencies', () => true],
];
const byCategory = new Map(CATEGORIES.map(([name]) => [name, 0]));
for (const d of byFunction.values()) {
  const [name] = CATEGORIES.find(([, test]) => test(d));
  byCategory.set(name, byCategory.get(name) + d.us);
}

const pct = (us) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
const out = (text = '') => process.stdout.write(`${text}\n`);

out(`CPU profile of 'tagliots run' on ${options.cases.toLocaleString('en-US')} calc cases (${options.format}), sampling every ${options.intervalUs} µs`);
out(`wall time with the profiler: ${(wallMs / 1000).toFixed(2)} s; profiled: ${(totalUs / 1e6).toFixed(2)} s in ${samples.length.toLocaleString('en-US')} samples`);
out();
out('Self time by category');
for (const [name, us] of [...byCategory].filter(([, us]) => us > 0).sort((a, b) => b[1] - a[1])) out(`  ${ms(us)} ${pct(us)}  ${name}`);
out();
out(`Top ${options.top} functions by self time`);
for (const d of [...byFunction.values()].sort((a, b) => b.us - a.us).slice(0, options.top)) {
  out(`  ${ms(d.us)} ${pct(d.us)}  ${d.name}${d.where ? `  (${d.where})` : ''}`);
}
out();
out('Self time by source file (top 15)');
for (const [file, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) out(`  ${ms(us)} ${pct(us)}  ${file}`);
