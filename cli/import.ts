import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isSlug } from '#shared/slug.ts';
import { detectAndDecode } from './import/charset.ts';
import { FeedFormatError, FeedInputError } from './import/errors.ts';
import { fetchFeed } from './import/fetch.ts';
import { toSubmission } from './import/map.ts';
import { parseFeedDocument } from './import/parse.ts';
import { type ImportTally, Progress } from './import/progress.ts';
import { type ApiTarget, CONCURRENCY, PreflightError, preflight, submit } from './import/submit.ts';
import type { ImportItem, ItemProblem, PreparedSubmission } from './import/types.ts';

const USAGE = `Usage: npm run import -- <file-or-url> --source <slug> [options]

Reads an RSS 2.0, Atom 1.0, RSS 1.0 (RDF) or JSON Feed (a file, or an http(s) URL) and posts each item as an
article of <slug>, with the item's guid, id or link as its externalId. Running it again, with any editor key,
however long after, creates nothing new: the API keeps one article per source and externalId.

Options
  --source <slug>   the registered source the articles belong to (required)
  --dry-run         parse and map only: print what would be posted, post nothing
  --update          correct (PUT) the articles imported before whose item has changed in the feed
  --api <url>       the editor API (default: apiUrl of the local stack's .local/stack.json)
  --key <key>       an editor key for the source (default: editorKey of the local stack)
  --stack <file>    another local stack's stack.json

Exit codes: 0 nothing failed (malformed items are skipped, not failures), 1 an article could not be posted,
2 the command line or the input is wrong (not a file or http(s) URL, not a feed).
`;

class UsageError extends Error {}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine();
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [input, ...extra] = positionals;
  if (!input || extra.length) throw new UsageError(`Give exactly one file or URL to import.\n\n${USAGE}`);
  const source = values.source;
  if (!source) throw new UsageError(`--source <slug> is required, e.g. --source the-gaze.\n\n${USAGE}`);
  if (!isSlug(source)) {
    throw new UsageError(
      `--source must be a source slug (lower-case letters, digits, hyphens), not "${source}".`,
    );
  }
  const dryRun = values['dry-run'];
  const target = dryRun ? undefined : apiTarget(values);

  const { text, documentUrl, note } = await readInput(input);
  const feed = parseFeedDocument(text, documentUrl ? { documentUrl } : {});
  const prepared = feed.items.map((item) => toSubmission(item, source));
  const skipped = new Map<number, { title?: string; reason: string }>(
    feed.problems.map((problem: ItemProblem) => [problem.index, problem]),
  );
  const total = prepared.length + skipped.size;

  if (!target) {
    for (const post of prepared) {
      process.stdout.write(
        `${JSON.stringify({ item: post.index + 1, idempotencyKey: post.idempotencyKey, body: post.body })}\n`,
      );
    }
    process.stdout.write(
      `Dry run of ${input} for ${source}: ${total} ${plural(total, 'item')}; would post ${prepared.length}, ` +
        `skipped ${skipped.size}. Nothing was posted.\n`,
    );
    report(prepared, skipped, new Map(), new Map(), false);
    guessedDates(feed.items);
    if (note) process.stdout.write(`Encoding: ${note}.\n`);
    return 0;
  }

  await preflight(target, source);
  const tally: ImportTally = {
    total,
    done: skipped.size,
    created: 0,
    replayed: 0,
    skipped: skipped.size,
    failed: 0,
  };
  const update = values.update;
  let updated = 0;
  const changes = new Map<number, string>();
  const progress = new Progress(tally, process.stderr.isTTY === true);
  progress.update();
  const failures = new Map<number, string>();
  let next = 0;
  const worker = async () => {
    while (next < prepared.length) {
      const post = prepared[next++] as PreparedSubmission;
      const outcome = await submit(target, post, { update });
      if (outcome.kind === 'created') tally.created++;
      else if (outcome.kind === 'replayed') tally.replayed++;
      else if (outcome.kind === 'existing') {
        tally.replayed++;
        if (outcome.changed.length)
          changes.set(post.index, `article ${outcome.id}: ${outcome.changed.join(', ')}`);
      } else if (outcome.kind === 'updated') {
        updated++;
        changes.set(post.index, `article ${outcome.id}: ${outcome.changed.join(', ')}`);
      } else if (outcome.kind === 'skipped') {
        tally.skipped++;
        skipped.set(post.index, { title: post.body.title, reason: outcome.reason });
      } else {
        tally.failed++;
        failures.set(post.index, outcome.reason);
      }
      tally.done++;
      progress.update();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, prepared.length) }, worker));
  progress.finish();

  process.stdout.write(
    `Imported ${input} into ${source}: ${total} ${plural(total, 'item')}; created ${tally.created}, ` +
      `${update ? `updated ${updated}, ` : ''}already imported ${tally.replayed}, skipped ${tally.skipped}, ` +
      `failed ${tally.failed}.\n`,
  );
  report(prepared, skipped, failures, changes, update);
  guessedDates(feed.items);
  if (note) process.stdout.write(`Encoding: ${note}.\n`);
  return tally.failed === 0 ? 0 : 1;
}

function parseCommandLine() {
  return parseArgs({
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      api: { type: 'string' },
      key: { type: 'string' },
      stack: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      update: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** The API and key: from --api and --key, else from the local stack's stack.json (as npm run admin does). */
function apiTarget(values: {
  api?: string | undefined;
  key?: string | undefined;
  stack?: string | undefined;
}): ApiTarget {
  let apiUrl = values.api;
  let key = values.key;
  if (!apiUrl || !key) {
    const file = resolve(values.stack ?? join(import.meta.dirname, '..', '.local', 'stack.json'));
    if (!existsSync(file)) {
      throw new UsageError(`No local stack found at ${file}: run npm start first, or pass --api and --key.`);
    }
    const stack = JSON.parse(readFileSync(file, 'utf8')) as { apiUrl?: string; editorKey?: string };
    apiUrl ??= stack.apiUrl;
    key ??= stack.editorKey;
  }
  if (!apiUrl || !key) throw new UsageError('Pass --api and --key, or a stack.json that has both.');
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new UsageError(`--api must be an http(s) URL, not "${apiUrl}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--api must be an http(s) URL, not "${apiUrl}".`);
  }
  return { apiUrl: url.href.replace(/\/+$/, ''), key };
}

/** A file path, or an http(s) URL to fetch; any other scheme is refused. */
async function readInput(input: string): Promise<{ text: string; documentUrl?: string; note?: string }> {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(input)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    const { text, url, note } = await fetchFeed(input);
    return { text, documentUrl: url, ...(note ? { note } : {}) };
  }
  if (scheme) {
    throw new FeedInputError(`refusing ${input}: only file paths and http(s) URLs are read`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(input);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FeedInputError(
      code === 'ENOENT' ? `there is no file ${input}` : `cannot read ${input}: ${(error as Error).message}`,
    );
  }
  const decoded = detectAndDecode(bytes);
  return { text: decoded.text, ...(decoded.note ? { note: decoded.note } : {}) };
}

function report(
  prepared: readonly PreparedSubmission[],
  skipped: ReadonlyMap<number, { title?: string; reason: string }>,
  failures: ReadonlyMap<number, string>,
  changes: ReadonlyMap<number, string>,
  updated: boolean,
): void {
  const titles = new Map(prepared.map((post) => [post.index, post.body.title]));
  const label = (index: number, title?: string) => `item ${index + 1}${title ? ` "${title}"` : ''}`;
  const section = (heading: string, lines: [number, string][]) => {
    if (!lines.length) return;
    process.stdout.write(`${heading}:\n`);
    for (const [, line] of lines.sort(([a], [b]) => a - b)) process.stdout.write(`  ${line}\n`);
  };
  section(
    'Skipped',
    [...skipped].map(([index, problem]) => [index, `${label(index, problem.title)}: ${problem.reason}`]),
  );
  section(
    'Failed',
    [...failures].map(([index, reason]) => [index, `${label(index, titles.get(index))}: ${reason}`]),
  );
  section(
    updated ? 'Updated' : 'Changed in the feed since imported (run again with --update to correct them)',
    [...changes].map(([index, line]) => [index, `${label(index, titles.get(index))}: ${line}`]),
  );
  section(
    'Warnings',
    prepared.flatMap((post) =>
      post.warnings.map((warning): [number, string] => [
        post.index,
        `${label(post.index, post.body.title)}: ${warning}`,
      ]),
    ),
  );
}

/** One line saying how many dates had to be guessed; their warnings say how each was read. */
function guessedDates(items: readonly ImportItem[]): void {
  const guessed = items.filter((item) => item.dateGuessed).length;
  if (guessed) {
    process.stdout.write(
      `Guessed ${guessed} ${plural(guessed, 'date')} that ${guessed === 1 ? 'was' : 'were'} not RFC 822 or RFC 3339 (see Warnings).\n`,
    );
  }
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof PreflightError) {
      process.stderr.write(`${message}\n`);
      process.exitCode = 1;
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${message}\n`);
    } else if (error instanceof FeedFormatError || error instanceof FeedInputError) {
      process.stderr.write(`Cannot import: ${message}\n`);
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? message) : message}\n`);
      process.exitCode = 1;
      return;
    }
    process.exitCode = 2;
  },
);
