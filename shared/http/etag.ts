import { type ExpectedVersions, versionMatches } from '../articles/model.ts';

/** The strong ETag of an article version. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * The versions an `If-Match` header names: `any` for `*`, else each `"3"` of the list (a bare `3` is accepted too).
 * Anything else in the list (a weak tag, a stray quote) names no version, so it matches none.
 */
export function expectedVersions(ifMatch: string): ExpectedVersions {
  const versions: number[] = [];
  for (const raw of ifMatch.split(',')) {
    const tag = raw.trim();
    if (tag === '*') return 'any';
    const match = /^(?:"(0|[1-9]\d{0,14})"|(0|[1-9]\d{0,14}))$/.exec(tag);
    const version = match?.[1] ?? match?.[2];
    if (version !== undefined) versions.push(Number(version));
  }
  return versions;
}

/** Whether an `If-Match` header matches a version. */
export function etagMatches(ifMatch: string, version: number): boolean {
  return versionMatches(expectedVersions(ifMatch), version);
}
