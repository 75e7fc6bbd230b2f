import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { type Article, EDITABLE_SOURCE_FIELDS } from '../../articles/model.ts';
import { type ArticleChange, changeOf, type SourceChange } from '../../feeds/changes.ts';
import type { ItemType } from './layout.ts';

/**
 * What the table's stream records say, in the feeds' terms: the article writes (a feed change, from the old and
 * new image) and the source edits of a batch. The table's item layout (marshalled images, the `type` attribute)
 * is known here and nowhere else.
 */
export interface StreamChanges {
  changes: ArticleChange[];
  sourceChanges: SourceChange[];
}

/** The item a stream image holds, if it is of the given type. */
function itemOf(
  image: Record<string, unknown> | undefined,
  type: ItemType,
): Record<string, unknown> | undefined {
  if (!image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  return item.type === type ? item : undefined;
}

const articleOf = (image: Record<string, unknown> | undefined) =>
  itemOf(image, 'article') as Article | undefined;

/**
 * What a source's own feeds show of it (feeds that mix sources show its name alone). `profiles` is a list,
 * compared by its items (the registry keeps it sorted and without duplicates).
 */
const SHOWN_IN_FEEDS = EDITABLE_SOURCE_FIELDS;

/** A shown field's value, comparable with `!==` (a list by its items). */
const shown = (item: Record<string, unknown> | undefined, field: (typeof SHOWN_IN_FEEDS)[number]) => {
  const value = item?.[field];
  return Array.isArray(value) ? value.join(',') : value;
};

/**
 * The source a stream record registered or edited, if it is a source item's, and, for an edit, whether it changed
 * what its feeds show (from the old and new image: putting the same source again re-renders nothing).
 */
export function sourceChangeFromRecord(record: DynamoDBRecord): SourceChange | undefined {
  const id = record.dynamodb?.SequenceNumber;
  const after = itemOf(record.dynamodb?.NewImage, 'source');
  const slug = after?.slug;
  if (!id || typeof slug !== 'string') return undefined;
  const before = itemOf(record.dynamodb?.OldImage, 'source');
  const feeds =
    Boolean(before) && SHOWN_IN_FEEDS.some((field) => shown(before, field) !== shown(after, field));
  const name = Boolean(before) && before?.name !== after?.name;
  return { recordId: id, slug, ...(feeds ? { edited: { feeds, name } } : {}) };
}

/** The change a stream record describes; undefined for records that no feed shows. */
export function changeFromRecord(record: DynamoDBRecord): ArticleChange | undefined {
  const id = record.dynamodb?.SequenceNumber;
  if (!id) return undefined;
  return changeOf(id, articleOf(record.dynamodb?.OldImage), articleOf(record.dynamodb?.NewImage));
}

/** Every change of a batch of stream records, in the records' order. */
export function changesFromRecords(records: readonly DynamoDBRecord[]): StreamChanges {
  const changes: ArticleChange[] = [];
  const sourceChanges: SourceChange[] = [];
  for (const record of records) {
    const change = changeFromRecord(record);
    if (change) changes.push(change);
    const source = sourceChangeFromRecord(record);
    if (source) sourceChanges.push(source);
  }
  return { changes, sourceChanges };
}
