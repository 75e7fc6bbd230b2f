import { readdirSync, readFileSync } from 'node:fs';
import { cpus, freemem, release, totalmem, type } from 'node:os';

/** The value at quantile `q` (0..1) of some samples, nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Milliseconds per call of `run`, timed over `calls` calls in a row (so the timer's own cost disappears). */
export function timeCalls(run: () => unknown, calls: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) run();
  return Number(process.hrtime.bigint() - started) / 1e6 / calls;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
}

/** The machine a run measured, as the output names it. */
export function machine(): Machine {
  const list = cpus();
  return {
    cpu: (list[0]?.model ?? 'unknown').replace(/\s+/g, ' ').trim(),
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${type()} ${release()} (${process.arch})`,
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`;
}

/** Free memory, for the log: a swapping machine measures nothing useful. */
export function freeGiB(): number {
  return Math.round((freemem() / 2 ** 30) * 10) / 10;
}

/** Formats a number with a fixed number of decimals, or "n/a". */
export function fmt(value: number, decimals = 0): string {
  return Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })
    : 'n/a';
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * CPU seconds used so far by this process's children named `name` (e.g. `java`, DynamoDB Local), from /proc;
 * undefined where there is no /proc.
 */
export function childCpuSeconds(name: string): number | undefined {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return ''; // a thread or process that ended in between
    }
  };
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  let total = 0;
  for (const task of tasks) {
    for (const pid of read(`/proc/self/task/${task}/children`).trim().split(/\s+/).filter(Boolean)) {
      if (read(`/proc/${pid}/comm`).trim() !== name) continue;
      const stat = read(`/proc/${pid}/stat`);
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, fields 14 and 15 of the line (12 and 13 after the command), in clock ticks of 10 ms.
      total += (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
    }
  }
  return total;
}
