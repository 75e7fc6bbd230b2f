/** The progress of an import, on stderr. */

/** Counts of an import in progress. */
export interface ImportTally {
  total: number;
  done: number;
  created: number;
  replayed: number;
  skipped: number;
  failed: number;
}

/** One line of progress: `[#####.....] 12/40 created 10, replayed 2, skipped 0`. */
export function progressLine(tally: ImportTally, width = 10): string {
  const ratio = tally.total === 0 ? 1 : Math.min(1, tally.done / tally.total);
  const filled = Math.floor(ratio * width);
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${tally.done}/${tally.total} ` +
    `created ${tally.created}, replayed ${tally.replayed}, skipped ${tally.skipped}` +
    (tally.failed ? `, failed ${tally.failed}` : '')
  );
}

/** A bar redrawn in place on a terminal, otherwise one line every ten items; both on stderr. */
export class Progress {
  private lastLogged = -1;
  constructor(
    private readonly tally: ImportTally,
    private readonly tty: boolean,
  ) {}

  update(): void {
    if (this.tty) {
      process.stderr.write(`\r${progressLine(this.tally)}\x1b[K`);
      return;
    }
    const { done, total } = this.tally;
    if (done > 0 && done !== this.lastLogged && (done % 10 === 0 || done === total)) {
      this.lastLogged = done;
      process.stderr.write(`${progressLine(this.tally)}\n`);
    }
  }

  finish(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
