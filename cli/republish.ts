import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RepublishCheckpoint, RepublishProgress, RepublishResult } from '#shared/feeds/republish.ts';

/**
 * A republish's checkpoint in a local file: a first line naming the run (target, scope, renderers' version), then
 * one finished task a line, appended as each finishes. A rerun of the same command finds the file and skips what it
 * names; a run of another scope (or against another target, or after another deploy) starts over. A finished run
 * deletes it.
 */
export class FileCheckpoint implements RepublishCheckpoint {
  private started = false;

  constructor(
    readonly file: string,
    /** What a run must match to resume this one. */
    private readonly identity: Record<string, unknown>,
    /** Start over even if the file names an unfinished run of the same scope. */
    private readonly restart = false,
  ) {}

  /** Whether the file holds an unfinished run of the same scope, and how many tasks it finished. */
  async resumable(): Promise<number> {
    return (await this.read())?.size ?? 0;
  }

  async finished(): Promise<ReadonlySet<string>> {
    const tasks = await this.read();
    if (tasks) {
      this.started = true;
      return tasks;
    }
    return new Set();
  }

  async record(task: string): Promise<void> {
    if (!this.started) {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(this.file, `${JSON.stringify(this.identity)}\n`);
      this.started = true;
    }
    await appendFile(this.file, `${task}\n`);
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }

  private async read(): Promise<Set<string> | undefined> {
    if (this.restart || !existsSync(this.file)) return undefined;
    const [header, ...lines] = (await readFile(this.file, 'utf8')).split('\n');
    try {
      if (JSON.stringify(JSON.parse(header ?? '')) !== JSON.stringify(this.identity)) return undefined;
    } catch {
      return undefined;
    }
    // A line cut short by a crash names no task: only whole lines count.
    return new Set(lines.filter((line, i) => line !== '' && i < lines.length - 1));
  }
}

/** `[#######.............] 35% 140/400 documents, 12 objects changed`. */
export function republishProgressLine(progress: RepublishProgress, width = 20): string {
  const ratio = progress.total === 0 ? 1 : Math.min(1, progress.done / progress.total);
  const filled = Math.floor(ratio * width);
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(ratio * 100)}% ` +
    `${progress.done}/${progress.total} documents, ${progress.uploaded} objects changed`
  );
}

/**
 * Progress on stderr: on a terminal a bar redrawn in place; otherwise (a log, CI) one line at each tenth of the way
 * and at the end, so a log neither floods nor stays silent for long.
 */
export class RepublishProgressReporter {
  private lastTenth = -1;
  private drawn = false;

  constructor(private readonly out: { write(text: string): unknown; isTTY?: boolean } = process.stderr) {}

  update = (progress: RepublishProgress): void => {
    if (this.out.isTTY) {
      this.out.write(`\r${republishProgressLine(progress)}\x1b[K`);
      this.drawn = true;
      return;
    }
    const tenth =
      progress.total === 0 ? 10 : Math.floor((Math.min(progress.done, progress.total) / progress.total) * 10);
    if (tenth === this.lastTenth) return;
    this.lastTenth = tenth;
    this.out.write(`${republishProgressLine(progress)}\n`);
  };

  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

/** The summary line of a run. */
export function republishSummary(result: RepublishResult, baseUrl: string): string {
  const what =
    `${result.feeds} feeds, ${result.archives} archive pages and ${result.directoryPages} tag directory pages ` +
    `under ${baseUrl}feeds/: ${result.uploaded} objects changed.`;
  const resumed = result.resumed ? ` (resumed: ${result.resumed} of ${result.total} were done before)` : '';
  return result.complete
    ? `Republished ${what}${resumed}\n`
    : `Interrupted after ${what} Run the same command again to resume.\n`;
}
