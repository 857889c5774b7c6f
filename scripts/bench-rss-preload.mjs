// Preloaded into benchmarked processes (`node --import ./scripts/bench-rss-preload.mjs ...`) by
// scripts/bench.mjs: on exit, writes the process's peak resident set size (KiB, from
// getrusage) and the CPU time it used (user + system, microseconds, every thread) as
// `{ "maxRSS": …, "cpuUs": … }` to the file named by TAGLIOTS_BENCH_RSS_FILE. The CLI ends with process.exit(),
// which still fires 'exit'. Kept tiny: it is loaded before every measured start-up.
import { writeFileSync } from 'node:fs';

const file = process.env.TAGLIOTS_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      const usage = process.resourceUsage();
      writeFileSync(file, JSON.stringify({ maxRSS: usage.maxRSS, cpuUs: usage.userCPUTime + usage.systemCPUTime }));
    } catch {
      // The harness reports a missing figure; never change the exit of the measured process.
    }
  });
}
