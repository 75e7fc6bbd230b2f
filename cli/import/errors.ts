/** The errors of an import: the input as a whole, or one item. */
/** The input is not an RSS 2.0 or Atom 1.0 document at all. */
export class FeedFormatError extends Error {
  override name = 'FeedFormatError';
}

/** The input could not be read: a missing file, a refused URL, an HTTP error, a timeout. */
export class FeedInputError extends Error {
  override name = 'FeedInputError';
}

/** A reason to skip one item. */
export class ItemError extends Error {
  override name = 'ItemError';
}
