import { InvalidCursorError } from '../articles/ports.ts';

/**
 * The listing cursor both article stores issue: the sort key of a page's last entry (`{publishedAt}#{id}`),
 * versioned and base64url-encoded, so a caller treats it as opaque and a forged one is refused.
 */
export function encodeCursor(sk: string): string {
  return Buffer.from(JSON.stringify({ v: 1, sk }), 'utf8').toString('base64url');
}

/** The sort key a cursor carries; {@link InvalidCursorError} for anything this store did not issue. */
export function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      v?: unknown;
      sk?: unknown;
    };
    if (
      parsed.v === 1 &&
      typeof parsed.sk === 'string' &&
      /^\d{4}-\d\d-\d\dT[\d:.]+Z#[0-9a-f-]{36}$/.test(parsed.sk)
    )
      return parsed.sk;
  } catch {
    // fall through
  }
  throw new InvalidCursorError('not a cursor of this listing');
}
