/**
 * The W3C feed validator (tests/w3c-feedvalidator, run offline under Python 3 with html5lib): what the online
 * service at validator.w3.org/feed would say of a document, errors and warnings alike.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface W3cDocument {
  /** A name for messages, e.g. the document's key. */
  name: string;
  /** Where the document is served: its self link must match it. */
  url: string;
  /** The media type a reader gets (`application/atom+xml; charset=utf-8`), not the stand-in it is stored under. */
  contentType: string;
  body: string;
}

export interface W3cEvent {
  level: 'error' | 'warning';
  type: string;
  line?: number;
  column?: number;
  message: string;
}

const SCRIPT = fileURLToPath(new URL('../w3c-feedvalidator/check.py', import.meta.url));

let interpreter: string | undefined;

/** The first Python 3 that has html5lib: `FEEDVALIDATOR_PYTHON`, then `python3`, then `/usr/bin/python3`. */
function python(): string {
  if (interpreter) return interpreter;
  const candidates = [process.env.FEEDVALIDATOR_PYTHON, 'python3', '/usr/bin/python3'].filter(
    (candidate): candidate is string => Boolean(candidate),
  );
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import html5lib'], { encoding: 'utf8' });
    if (probe.status === 0) {
      interpreter = candidate;
      return candidate;
    }
  }
  throw new Error(
    `The W3C feed validator needs Python 3 with html5lib (tried ${candidates.join(', ')}): ` +
      'apt-get install python3-html5lib, or pip install html5lib, or set FEEDVALIDATOR_PYTHON.',
  );
}

/** Validates documents in one run of the validator; returns each document's errors and warnings by name. */
export function w3cValidate(documents: readonly W3cDocument[]): Map<string, W3cEvent[]> {
  const run = spawnSync(python(), [SCRIPT], {
    input: JSON.stringify(documents),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
  });
  if (run.status !== 0) throw new Error(`the W3C feed validator failed (${run.status}): ${run.stderr}`);
  const results = JSON.parse(run.stdout) as { name: string; events: W3cEvent[] }[];
  return new Map(results.map((result) => [result.name, result.events]));
}

/** Each problem of each document on one line (`name line 14: title should not contain HTML`), for a failure message. */
export function describeW3cEvents(results: ReadonlyMap<string, readonly W3cEvent[]>): string[] {
  return [...results].flatMap(([name, events]) =>
    events.map(
      (event) => `${name} line ${event.line ?? '?'}: ${event.level} ${event.type}: ${event.message}`,
    ),
  );
}

/** The media type a reader gets for a feed document, by its file name. */
export function servedType(key: string): string {
  if (key.endsWith('atom.xml')) return 'application/atom+xml; charset=utf-8';
  if (key.endsWith('rss.xml')) return 'application/rss+xml; charset=utf-8';
  throw new Error(`the W3C feed validator checks RSS and Atom, not ${key}`);
}
