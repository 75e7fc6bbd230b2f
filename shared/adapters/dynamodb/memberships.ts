import type { Article } from '../../articles/model.ts';
import { feedIdsOf } from '../../feeds/feed-ids.ts';
import { articleKey, ENTRY_FIELDS, membershipKey, SUMMARY_FIELDS, versionKey } from './layout.ts';

/**
 * Fat and thin memberships.
 *
 * Every article writes one membership into each of its feeds, in one transaction, and transactional writes cost
 * 2 write units per KB (rounded up) of each item. Every article writes into `feed#all` (and a wire service's
 * articles all into its source's feed and its busiest tags' feeds), and one partition takes about 1,000 write
 * units a second. A membership that carried 100 KB of content would cost 200 units in each of those partitions,
 * so `feed#all` would top out at 5 such articles a second.
 *
 * So a membership is fat (every field a feed entry shows: a feed is one `Query`) while it weighs at most
 * {@link FAT_MEMBERSHIP_MAX_BYTES}, and thin past that: the fields the list endpoint shows (title, summary, tags,
 * times; {@link THIN_ENTRY_FIELDS}) and {@link CONTENT_POINTER}, the sort key of the article's version item that
 * holds the rest ({@link CONTENT_FIELDS}: the content, author, image, citations, correction notes). A version item
 * is written in the same transaction as the membership and never changes afterwards, so the pointer always finds
 * exactly the fields of the version the membership was written from. The feed store reads them back with
 * `BatchGetItem`, and an entry reads the same whichever form it was stored in.
 *
 * The arithmetic, per article into `feed#all` (the same into its source's feed and a tag carried by every one):
 * a fat membership is at most 7 KB, so at most 14 write units; 50 articles a second therefore write at most 700
 * units a second into any feed partition whatever their size, and a wire service's 100 KB articles (thin: under
 * 1 KB, 2 units) write about 100. An article of 5 KB of content (a membership of about 6.3 KB) stays fat: its
 * feeds are still one `Query` each. tests/unit/memberships.test.ts computes it with this module.
 */
export const FAT_MEMBERSHIP_MAX_BYTES = 7 * 1024;

/** The attribute of a thin membership naming where the rest of its entry is: the sort key of a version item. */
export const CONTENT_POINTER = 'contentAt';

/** What a thin membership carries of an entry: what the list endpoint shows, whose size the submission bounds. */
export const THIN_ENTRY_FIELDS = SUMMARY_FIELDS;

/** What a thin membership leaves in the article's version item. */
export const CONTENT_FIELDS = ENTRY_FIELDS.filter(
  (field) => !(THIN_ENTRY_FIELDS as readonly string[]).includes(field),
);

/**
 * The items of an article's memberships, one per feed, with the table's keys: all fat, or (when any fat one would
 * weigh more than `fatMaxBytes`) all thin, so one article's entries have one form.
 */
export function membershipItems(
  article: Article,
  fatMaxBytes: number = FAT_MEMBERSHIP_MAX_BYTES,
): Record<string, unknown>[] {
  const feeds = feedIdsOf(article);
  const fields = (names: readonly (typeof ENTRY_FIELDS)[number][]) =>
    Object.fromEntries(
      names.filter((name) => article[name] !== undefined).map((name) => [name, article[name]]),
    );
  const fat = fields(ENTRY_FIELDS);
  const fatItems = feeds.map((feed) => ({ ...membershipKey(feed, article), type: 'entry', feed, ...fat }));
  if (fatItems.every((item) => itemBytes(item) <= fatMaxBytes)) return fatItems;
  const thin = {
    ...fields(THIN_ENTRY_FIELDS),
    [CONTENT_POINTER]: versionKey(article.id, article.version).sk,
  };
  return feeds.map((feed) => ({ ...membershipKey(feed, article), type: 'entry', feed, ...thin }));
}

/** Where the rest of a thin membership's entry is (its version item), or undefined for a fat one. */
export function contentKeyOf(entry: Record<string, unknown>): { pk: string; sk: string } | undefined {
  const at = entry[CONTENT_POINTER];
  return typeof at === 'string' ? { pk: articleKey(String(entry.id)).pk, sk: at } : undefined;
}

/**
 * The entry of a thin membership made whole from its version item (only {@link CONTENT_FIELDS} are taken from
 * it), without the pointer: the same object a fat membership reads as.
 */
export function withContent(
  entry: Record<string, unknown>,
  version: Record<string, unknown>,
): Record<string, unknown> {
  const { [CONTENT_POINTER]: _pointer, ...fields } = entry;
  for (const name of CONTENT_FIELDS) if (version[name] !== undefined) fields[name] = version[name];
  return fields;
}

/**
 * An item's size as DynamoDB counts it for capacity and for its 400 KB limit: each attribute's name and value in
 * UTF-8; a number one byte per two significant digits plus one; a boolean or null one byte; a list or map 3 bytes
 * plus one byte per element, plus its elements (and, in a map, their names).
 */
export function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    if (value !== undefined) bytes += Buffer.byteLength(name) + valueBytes(value);
  return bytes;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') {
    const digits = String(Math.abs(value))
      .replace(/e.*$/i, '')
      .replace('.', '')
      .replace(/^0+/, '')
      .replace(/0+$/, '');
    return Math.min(21, Math.ceil(digits.length / 2) + 1);
  }
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value))
    return 3 + value.reduce((sum: number, element) => sum + 1 + valueBytes(element), 0);
  if (value instanceof Set) return [...value].reduce((sum: number, element) => sum + valueBytes(element), 0);
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return 3 + entries.reduce((sum, [name, v]) => sum + 1 + Buffer.byteLength(name) + valueBytes(v), 0);
}

/** Write units of one item: 1 per KB rounded up, twice that in a transaction. */
export function writeUnits(bytes: number, transactional: boolean): number {
  return Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);
}
