// Preloaded with --import into a benchmarked process: on exit, writes its peak RSS (KiB) and
// CPU times to the file named by BENCH_PROBE_FILE, so the benchmark measures the real process.
import { appendFileSync } from 'node:fs';
const file = process.env.BENCH_PROBE_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    appendFileSync(file, `${JSON.stringify({ maxRssKiB: u.maxRSS, userUs: u.userCPUTime, sysUs: u.systemCPUTime })}\n`);
  });
}
