/** An item of a feed as the API request that creates its article. */
import { createHash } from 'node:crypto';
import { LIMITS } from '#shared/articles/submission.ts';
import { tagSlug } from '#shared/slug.ts';
import { collapseWhitespace, truncateText } from '#shared/text.ts';
import type { ImportItem, PreparedSubmission, SubmissionBody } from './types.ts';

/** The longest external id the API takes. */
const EXTERNAL_ID_CHARS = 1024;

/**
 * The item's lasting natural key for the API (`externalId`, unique per source): its guid, id or link, trimmed.
 * One the API would refuse (over 1,024 characters, or with control characters) becomes `sha256:` and its hash,
 * still the same for the same item on every run.
 */
export function externalIdFor(identity: string): string {
  const id = identity.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the API refuses
  if (Array.from(id).length <= EXTERNAL_ID_CHARS && id && !/[\u0000-\u001f\u007f-\u009f]/.test(id)) return id;
  return `sha256:${createHash('sha256').update(identity, 'utf8').digest('hex')}`;
}

/**
 * `import:` and the SHA-256 of the source, the item's guid, id or link, and the body: retries of one request
 * replay it, while an item changed in the feed is a new request, which the API answers by its `externalId`.
 * Whether an item was imported before is the API's `externalId` to say, not this key's (it lasts 24 hours).
 */
export function idempotencyKeyFor(source: string, identity: string, body?: SubmissionBody): string {
  const hash = createHash('sha256').update(`${source}\n${identity}`, 'utf8');
  if (body) hash.update(`\n${JSON.stringify(body)}`, 'utf8');
  return `import:${hash.digest('hex')}`;
}

/**
 * The API request for an item: what the API would refuse but can be cut to fit is cut, with a warning (the
 * first 10 tags, a long title or summary), so one long field does not lose the article.
 */
export function toSubmission(item: ImportItem, source: string): PreparedSubmission {
  const warnings = [...item.warnings];
  const cut = (value: string, max: number, what: string) => {
    if (Array.from(value).length <= max) return value;
    warnings.push(`${what} cut to ${max} characters`);
    return truncateText(value, max);
  };
  const body: SubmissionBody = {
    source,
    externalId: externalIdFor(item.identity),
    title: cut(item.title, LIMITS.titleChars, 'title'),
    url: item.url,
    contentHtml: item.contentHtml,
  };
  if (item.summary) body.summary = cut(item.summary, LIMITS.summaryChars, 'summary');
  if (item.author) body.author = { name: cut(item.author, LIMITS.nameChars, 'author') };
  const tags = fitTags(item.tags, warnings);
  if (tags.length) body.tags = tags;
  if (item.image) {
    body.image = item.image.alt
      ? { url: item.image.url, alt: cut(item.image.alt, LIMITS.altChars, 'image description') }
      : { url: item.image.url };
  }
  if (item.publishedAt) body.publishedAt = item.publishedAt;
  if (body.externalId.startsWith('sha256:') && body.externalId !== item.identity) {
    warnings.push(
      'guid, id or link too long or with control characters for an externalId: its SHA-256 stands in',
    );
  }
  return {
    index: item.index,
    identity: item.identity,
    idempotencyKey: idempotencyKeyFor(source, item.identity, body),
    body,
    warnings,
  };
}

/** Tags the API accepts: no label it cannot slug, none over 100 characters, one per slug, at most 10. */
function fitTags(labels: readonly string[], warnings: string[]): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const raw of labels) {
    const label = collapseWhitespace(raw);
    if (Array.from(label).length > LIMITS.tagChars) {
      warnings.push(`tag "${truncateText(label, 40)}" dropped: longer than ${LIMITS.tagChars} characters`);
      continue;
    }
    const { slug, problem } = tagSlug(label);
    if (slug === undefined) {
      // The words importers have always printed for a label with nothing to slug; the limit's own words otherwise.
      const why = /letter or digit/.test(problem)
        ? 'it has no letter or digit to make a slug of'
        : `it ${problem}`;
      warnings.push(`tag "${truncateText(label, 40)}" dropped: ${why}`);
      continue;
    }
    if (seen.has(slug)) continue;
    seen.add(slug);
    kept.push(label);
  }
  if (kept.length <= LIMITS.tags) return kept;
  const dropped = kept.slice(LIMITS.tags);
  warnings.push(
    `kept the first ${LIMITS.tags} of ${kept.length} tags; dropped ${dropped.map((tag) => `"${tag}"`).join(', ')}`,
  );
  return kept.slice(0, LIMITS.tags);
}
