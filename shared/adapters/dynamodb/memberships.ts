import type { Article } from '../../articles/model.ts';
import { feedIdsOf } from '../../feeds/feed-ids.ts';
import { itemBytes } from './capacity.ts';
import { articleKey, ENTRY_FIELDS, membershipKey, SUMMARY_FIELDS, versionKey } from './layout.ts';

/**
 * Thin memberships.
 *
 * Every article writes one membership into each of its feeds, in one transaction, and transactional writes cost
 * 2 write units per KB (rounded up) of each item. An article of 5 KB with 5 tags is in 12 feeds: memberships that
 * carried its content (about 6.3 KB each, 14 units) cost 168 units a post, and every render of a feed read its 50
 * entries' content again (a strongly consistent `Query` of about 320 KB, 80 read units), in each of the 12 feeds
 * and their open archive pages, on every post.
 *
 * So a membership is thin: the fields the list endpoint shows (title, summary, tags, times; {@link THIN_ENTRY_FIELDS})
 * and {@link CONTENT_POINTER}, the sort key of the article's version item, which holds the rest
 * ({@link CONTENT_FIELDS}: the content, author, image, citations, correction notes). The version item is written in
 * the same transaction as the memberships (it is the article's history, written whatever the memberships' form) and
 * never changes afterwards, so the pointer always finds exactly the fields of the version the membership was written
 * from, and a reader may keep what it read of one for as long as it likes (feed-store.ts keeps them across batches).
 * Per post of 5 KB with 5 tags: 12 memberships of about 620 bytes, 24 units instead of 168; per render of a feed of
 * 50, a `Query` of about 31 KB (8 units) and the version items the regenerator does not hold yet, each read once
 * whatever the number of feeds it is in. tests/unit/memberships.test.ts computes it with this module.
 *
 * Releases before this one wrote a membership fat (every field a feed entry shows) while it weighed at most
 * {@link EARLIER_FAT_MEMBERSHIP_MAX_BYTES}. Those are still read as they are: an entry reads the same whichever
 * form it was stored in, and the next write of the article replaces its memberships with thin ones.
 */
export const EARLIER_FAT_MEMBERSHIP_MAX_BYTES = 7 * 1024;

/** The attribute of a thin membership naming where the rest of its entry is: the sort key of a version item. */
export const CONTENT_POINTER = 'contentAt';

/** What a thin membership carries of an entry: what the list endpoint shows, whose size the submission bounds. */
export const THIN_ENTRY_FIELDS = SUMMARY_FIELDS;

/** What a thin membership leaves in the article's version item. */
export const CONTENT_FIELDS = ENTRY_FIELDS.filter(
  (field) => !(THIN_ENTRY_FIELDS as readonly string[]).includes(field),
);

/**
 * The items of an article's memberships, one per feed, with the table's keys: thin. `fatMaxBytes` writes them fat
 * while every one weighs at most that many bytes, as releases before this one did (for the tests that read such
 * tables); an article's memberships always have one form.
 */
export function membershipItems(article: Article, fatMaxBytes = 0): Record<string, unknown>[] {
  const feeds = feedIdsOf(article);
  const fields = (names: readonly (typeof ENTRY_FIELDS)[number][]) =>
    Object.fromEntries(
      names.filter((name) => article[name] !== undefined).map((name) => [name, article[name]]),
    );
  if (fatMaxBytes > 0) {
    const fat = fields(ENTRY_FIELDS);
    const fatItems = feeds.map((feed) => ({ ...membershipKey(feed, article), type: 'entry', feed, ...fat }));
    if (fatItems.every((item) => itemBytes(item) <= fatMaxBytes)) return fatItems;
  }
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
