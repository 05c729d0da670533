/**
 * CPU seconds of one local Spark JVM, and of everything else on the machine, read from /proc (Linux): wall time on a
 * shared 2-core machine grows with whatever else runs, the JVM's own CPU time much less.
 */
import * as fs from "node:fs";
import { timed } from "./table";

/** CPU time from /proc (Linux): this session's JVM, and the machine's busy time minus it. */
export interface Cpu {
  jvm: number;
  others: number;
}
const TICKS = 100; // USER_HZ on Linux
export class CpuMeter {
  constructor(private readonly pid: number | undefined) {}

  /** The JVM of the session whose catalog is `warehouse` (the one process naming it on its command line). */
  static find(warehouse: string): CpuMeter {
    let pid: number | undefined;
    try {
      for (const entry of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
        const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
        if (cmd[0]?.endsWith("java") && cmd.some((a) => a === `spark.sql.catalog.glue_catalog.warehouse=${warehouse}`)) {
          pid = Number(entry);
        }
      }
    } catch {
      // no /proc: CPU is not reported
    }
    return new CpuMeter(pid);
  }

  sample(): { jvm: number; busy: number } | undefined {
    if (this.pid === undefined) return undefined;
    try {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const jvm = (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime
      const cpu = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
      const busy = (cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3] - cpu[4]) / TICKS; // minus idle, iowait
      return { jvm, busy };
    } catch {
      return undefined;
    }
  }

  async measure<T>(fn: () => Promise<T>): Promise<{ seconds: number; cpu: Cpu; value: T }> {
    const before = this.sample();
    const t = await timed(fn);
    const after = this.sample();
    const cpu =
      before && after
        ? { jvm: after.jvm - before.jvm, others: Math.max(0, after.busy - before.busy - (after.jvm - before.jvm)) }
        : { jvm: NaN, others: NaN };
    return { ...t, cpu };
  }
}
