import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { sourceChangeFromRecord } from '#shared/adapters/dynamodb/stream.ts';

const source = {
  pk: 'source',
  sk: 'the-gaze',
  type: 'source',
  slug: 'the-gaze',
  name: 'The Gaze',
  homepageUrl: 'https://thegaze.example/',
  description: 'News',
  language: 'en',
  createdAt: '2025-01-01T00:00:00.000Z',
};

function record(before: Record<string, unknown> | undefined, after: Record<string, unknown>): DynamoDBRecord {
  return {
    eventName: before ? 'MODIFY' : 'INSERT',
    dynamodb: {
      SequenceNumber: '42',
      ...(before ? { OldImage: marshall(before) as never } : {}),
      NewImage: marshall(after) as never,
    },
  };
}

describe('a source item in the stream', () => {
  it('is a registration with nothing to re-render when it is new', () => {
    expect(sourceChangeFromRecord(record(undefined, source))).toEqual({ recordId: '42', slug: 'the-gaze' });
  });

  it('is an edit of what feeds show only when a shown field changed', () => {
    expect(sourceChangeFromRecord(record(source, { ...source }))).toEqual({
      recordId: '42',
      slug: 'the-gaze',
    });
    for (const field of ['homepageUrl', 'description', 'language', 'logoUrl', 'iconUrl', 'accentColor'])
      expect(sourceChangeFromRecord(record(source, { ...source, [field]: 'x' }))?.edited, field).toEqual({
        feeds: true,
        name: false,
      });
    expect(sourceChangeFromRecord(record(source, { ...source, name: 'The Look' }))?.edited).toEqual({
      feeds: true,
      name: true,
    });
  });

  it('is an edit of its feeds when branding is added or removed', () => {
    const branded = { ...source, logoUrl: 'https://thegaze.example/logo.png', accentColor: '#1a2b3c' };
    const edits: [Record<string, unknown>, Record<string, unknown>][] = [
      [source, branded],
      [branded, source],
      [branded, { ...branded, accentColor: '#000000' }],
    ];
    for (const [before, after] of edits)
      expect(sourceChangeFromRecord(record(before, after))?.edited).toEqual({ feeds: true, name: false });
  });

  it('is an edit of its feeds when partner profiles are added, changed or removed, and not when put again', () => {
    const profiled = { ...source, profiles: ['msn', 'smartnews'] };
    const edits: [Record<string, unknown>, Record<string, unknown>][] = [
      [source, profiled],
      [profiled, source],
      [profiled, { ...profiled, profiles: ['msn'] }],
      [profiled, { ...profiled, profiles: ['flipboard', 'msn', 'smartnews'] }],
    ];
    for (const [before, after] of edits)
      expect(sourceChangeFromRecord(record(before, after))?.edited).toEqual({ feeds: true, name: false });
    // The same list in a new image (a new array) is no edit.
    expect(sourceChangeFromRecord(record(profiled, { ...profiled, profiles: ['msn', 'smartnews'] }))).toEqual(
      {
        recordId: '42',
        slug: 'the-gaze',
      },
    );
  });

  it('is nothing for an item of another type', () => {
    expect(sourceChangeFromRecord(record(undefined, { ...source, type: 'key' }))).toBeUndefined();
  });
});
