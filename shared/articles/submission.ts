// zod's functional build: the bundler keeps only the schemas and checks used here (about 20 KB, against about
// 85 KB for the method-chaining build, which carries every method of every schema).
import * as z from 'zod/mini';
import { type FieldError, fieldError, InvalidInputError } from '../domain/errors.ts';
import { htmlToText, sanitizeContentHtml } from '../html.ts';
import { tagSlug, toSlug } from '../slug.ts';
import {
  collapseWhitespace,
  deepStripXmlInvalid,
  plainText,
  stripMarkup,
  truncateText,
  utf8Length,
} from '../text.ts';
import { toUri } from '../url.ts';
import type { Citation, Submission, Tag } from './model.ts';

/** Limits that keep one article (and its feed memberships) inside one DynamoDB transaction. */
export const LIMITS = {
  titleChars: 300,
  urlChars: 2048,
  contentHtmlBytes: 100 * 1024,
  summaryChars: 1000,
  derivedSummaryChars: 280,
  nameChars: 200,
  tags: 10,
  tagChars: 100,
  citations: 30,
  altChars: 500,
  imagePixels: 100_000,
  correctionChars: 1000,
  externalIdChars: 1024,
} as const;

/** Fields the server assigns; a client that sends them is told so rather than silently ignored. */
const SERVER_FIELDS = new Set([
  'id',
  'version',
  'createdAt',
  'updatedAt',
  'status',
  'retractedAt',
  'expiredAt',
  'cancelledAt',
]);

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;
const EARLIEST_PUBLICATION = Date.UTC(1970, 0, 1);
/**
 * A publication time up to this far ahead of the server's clock is now (clock skew, not scheduling): the article is
 * public at once. Beyond it the article is scheduled (README, Lifecycle).
 */
export const SCHEDULING_TOLERANCE_MS = 60 * 1000;
/** How far ahead an article may be scheduled. */
export const MAX_SCHEDULE_AHEAD_MS = 365 * 24 * 60 * 60 * 1000;

/** Whether a publication time, against the server's clock, makes the article scheduled rather than public. */
export function isFuture(publishedAt: string, now: number): boolean {
  return Date.parse(publishedAt) > now + SCHEDULING_TOLERANCE_MS;
}

/** Records a problem with the value being transformed (or, with `path`, with a field below it). */
function fail(ctx: z.core.ParsePayload, message: string, path?: (string | number)[]): never {
  ctx.issues.push({ code: 'custom', message, input: ctx.value, ...(path ? { path } : {}) });
  return z.NEVER;
}

/**
 * C0 and C1 controls, DEL, and lone surrogates: none may be in an external id. Checked on the id as sent, before
 * the body's XML-invalid characters are stripped, so that two ids differing by one are never folded into one.
 */
const NOT_IN_EXTERNAL_ID =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A lasting natural key of the article within its source (README, External ids): an importer's item guid, a CMS's
 * id. Kept exactly as sent, but for surrounding whitespace: no folding of case, spaces or Unicode forms, as the
 * systems that mint them compare them byte for byte.
 */
const externalId = z.pipe(
  z.string(),
  z.transform((value: string, ctx) => {
    const id = value.trim();
    const problem = externalIdProblem(id);
    return problem ? fail(ctx, problem) : id;
  }),
);

/** What is wrong with an external id (already trimmed), if anything: the rule of submissions and of the lookup. */
export function externalIdProblem(id: string): string | undefined {
  if (!id) return 'must not be empty';
  if (Array.from(id).length > LIMITS.externalIdChars)
    return `must be at most ${LIMITS.externalIdChars} characters`;
  if (NOT_IN_EXTERNAL_ID.test(id)) return 'must not contain control characters';
  return undefined;
}

const atMostChars = (max: number) =>
  z.refine<string>((value) => Array.from(value).length <= max, `must be at most ${max} characters`);

/**
 * Plain text as feeds carry it: character references read, markup removed, whitespace folded (see `plainText` in
 * shared/text.ts for the rule and why). Text is read as sent up to four times the field's limit, so that markup
 * an editor pasted does not count against it; anything longer is refused before it is read.
 */
const plain = (max: number) =>
  z.pipe(
    z.string().check(z.maxLength(max * 4, `must be at most ${max} characters`)),
    z.transform((value: string, ctx) => {
      const text = plainText(value);
      if (!text && collapseWhitespace(value)) return fail(ctx, 'is empty once markup is removed');
      return text;
    }),
  );

const plainLine = (max: number) =>
  plain(max).check(
    z.refine<string>((value) => value.length > 0, 'must not be empty'),
    atMostChars(max),
  );

const optionalLine = (max: number) => z.optional(plain(max).check(atMostChars(max)));

const httpUrl = z.pipe(
  z.string().check(z.maxLength(LIMITS.urlChars, `must be at most ${LIMITS.urlChars} characters`)),
  z.transform((value: string, ctx) => {
    let url: URL;
    try {
      url = new URL(value.trim());
    } catch {
      return fail(ctx, 'must be an absolute http(s) URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return fail(ctx, `must use http or https, not ${url.protocol.replace(':', '')}`);
    }
    if (url.username || url.password) return fail(ctx, 'must not contain credentials');
    const uri = toUri(url);
    if (uri.length > LIMITS.urlChars) {
      return fail(ctx, `must be at most ${LIMITS.urlChars} characters once normalised`);
    }
    return uri;
  }),
);

/** An image's side: what partners' size rules are checked against (shared/feeds/profiles/names.ts). */
// A transform rather than zod's number schemas, which this bundle would carry for this field alone.
const pixels = z.pipe(
  z.unknown(),
  z.transform((value: unknown, ctx): number =>
    Number.isInteger(value) && (value as number) > 0 && (value as number) <= LIMITS.imagePixels
      ? (value as number)
      : fail(ctx, `must be a whole number of pixels from 1 to ${LIMITS.imagePixels}`),
  ),
);

function schemaAt(now: number) {
  const dateTime = (latest: number, tooLate: string) =>
    z.pipe(
      z.string(),
      z.transform((value: string, ctx) => {
        const iso = parseRfc3339(value.trim());
        if (!iso) return fail(ctx, 'must be an RFC 3339 date-time with a zone, e.g. 2025-07-16T09:30:00Z');
        const time = Date.parse(iso);
        if (time < EARLIEST_PUBLICATION) return fail(ctx, 'must not be before 1970-01-01T00:00:00Z');
        if (time > latest) return fail(ctx, tooLate);
        return iso;
      }),
    );
  const publishedAt = dateTime(now + MAX_SCHEDULE_AHEAD_MS, 'must not be more than one year in the future');
  // Its order against the publication time (which a correction may leave to the stored one) is the service's check.
  const expiresAt = dateTime(Number.POSITIVE_INFINITY, '');

  const fields = z.strictObject({
    source: z.pipe(
      z.string(),
      z.transform(
        (value: string, ctx) => toSlug(value) || fail(ctx, 'must name a source (letters or digits)'),
      ),
    ),
    title: plainLine(LIMITS.titleChars),
    url: httpUrl,
    contentHtml: z.string(),
    summary: z.optional(plain(LIMITS.summaryChars)),
    author: z.optional(
      z.strictObject({
        name: plainLine(LIMITS.nameChars),
        email: z.optional(
          z.pipe(
            z.string().check(z.trim()),
            z.email('must be an email address').check(z.maxLength(254, 'must be at most 254 characters')),
          ),
        ),
        url: z.optional(httpUrl),
      }),
    ),
    tags: z.optional(
      z
        .array(
          z.string().check(z.maxLength(LIMITS.tagChars * 4, `must be at most ${LIMITS.tagChars} characters`)),
        )
        .check(z.maxLength(LIMITS.tags, `must hold at most ${LIMITS.tags} tags`)),
    ),
    citations: z.optional(
      z
        .array(z.strictObject({ name: plainLine(LIMITS.nameChars), url: z.optional(httpUrl) }))
        .check(z.maxLength(LIMITS.citations, `must hold at most ${LIMITS.citations} citations`)),
    ),
    image: z.optional(
      z.strictObject({
        url: httpUrl,
        alt: optionalLine(LIMITS.altChars),
        width: z.optional(pixels),
        height: z.optional(pixels),
      }),
    ),
    publishedAt: z.optional(publishedAt),
    expiresAt: z.optional(expiresAt),
    correction: optionalLine(LIMITS.correctionChars),
    externalId: z.optional(externalId),
  });

  return z.pipe(
    fields,
    z.transform((input: z.output<typeof fields>, ctx): Submission => {
      // XML readers turn CR LF into LF: store what every format will give back.
      const contentHtml = sanitizeContentHtml(input.contentHtml.replace(/\r\n?/g, '\n'), input.url);
      const text = htmlToText(contentHtml);
      if (!text && !/<img\b/.test(contentHtml)) {
        fail(ctx, 'is empty once unsafe markup is removed', ['contentHtml']);
      }
      const bytes = utf8Length(contentHtml);
      if (bytes > LIMITS.contentHtmlBytes) {
        fail(ctx, `is ${bytes} bytes once sanitised; at most ${LIMITS.contentHtmlBytes} are allowed`, [
          'contentHtml',
        ]);
      }
      // The content's text may spell markup (`&lt;/b&gt;` reads as `</b>`): a derived summary is plain text too.
      // Only a bounded start of it is read, so a long body costs no more than a long summary would.
      const summary =
        input.summary ||
        truncateText(
          collapseWhitespace(
            stripMarkup(
              Array.from(text)
                .slice(0, LIMITS.summaryChars * 4)
                .join(''),
            ),
          ),
          LIMITS.derivedSummaryChars,
        );
      if (Array.from(summary).length > LIMITS.summaryChars) {
        fail(ctx, `must be at most ${LIMITS.summaryChars} characters`, ['summary']);
      }
      const submission: Submission = {
        source: input.source,
        title: input.title,
        url: input.url,
        contentHtml,
        summary,
        tags: normaliseTags(input.tags ?? [], (index, message) => fail(ctx, message, ['tags', index])),
        citations: dedupeCitations(input.citations ?? []),
      };
      if (input.author) {
        submission.author = { name: input.author.name };
        if (input.author.email) submission.author.email = input.author.email;
        if (input.author.url) submission.author.url = input.author.url;
      }
      if (input.image) {
        const { url, alt, width, height } = input.image;
        submission.image = { url };
        if (alt) submission.image.alt = alt;
        if (width) submission.image.width = width;
        if (height) submission.image.height = height;
      }
      if (input.publishedAt) submission.publishedAt = input.publishedAt;
      if (input.expiresAt) submission.expiresAt = input.expiresAt;
      if (input.correction !== undefined) submission.correction = input.correction;
      if (input.externalId !== undefined) submission.externalId = input.externalId;
      return submission;
    }),
  );
}

function normaliseTags(labels: string[], report: (index: number, message: string) => void): Tag[] {
  const seen = new Set<string>();
  const tags: Tag[] = [];
  labels.forEach((raw, index) => {
    const label = plainText(raw);
    if (Array.from(label).length > LIMITS.tagChars) {
      report(index, `must be at most ${LIMITS.tagChars} characters`);
      return;
    }
    const made = tagSlug(label);
    if (made.slug === undefined) {
      report(index, made.problem);
      return;
    }
    const { slug } = made;
    if (seen.has(slug)) return;
    seen.add(slug);
    tags.push({ label, slug });
  });
  return tags;
}

function dedupeCitations(citations: Citation[]): Citation[] {
  const seen = new Set<string>();
  return citations.filter((citation) => {
    const key = citation.name.toLocaleLowerCase('en');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Normalises an RFC 3339 date-time to UTC ISO 8601 with milliseconds, or undefined when it is not one. */
export function parseRfc3339(value: string): string | undefined {
  const match = RFC3339.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, , zone, zoneHour, zoneMinute] = match;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  if (zone && zone.toUpperCase() !== 'Z' && (Number(zoneHour) > 23 || Number(zoneMinute) > 59))
    return undefined;
  const time = Date.parse(value.toUpperCase());
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/**
 * Validates and normalises a parsed JSON body into a submission. Strips XML-invalid characters from every
 * string first, so nothing stored can make a feed ill-formed. Throws a {@link ValidationError} listing
 * every problem, each tied to its field.
 */
export function parseSubmission(
  body: unknown,
  now: number,
  options: { correction?: boolean } = {},
): Submission {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidInputError([fieldError([], `must be a JSON object, not ${describe(body)}`)]);
  }
  const cleaned = deepStripXmlInvalid(body) as Record<string, unknown>;
  // An identifier, not text: checked as sent (see NOT_IN_EXTERNAL_ID), never silently cleaned.
  if ('externalId' in body) cleaned.externalId = (body as Record<string, unknown>).externalId;
  const result = schemaAt(now).safeParse(cleaned);
  if (result.success) {
    if (result.data.correction !== undefined && !options.correction) {
      throw new InvalidInputError([fieldError(['correction'], 'can only accompany a correction (PUT)')]);
    }
    if (result.data.correction === '') delete result.data.correction;
    return result.data;
  }
  throw new InvalidInputError(toFieldErrors(result.error.issues, cleaned));
}

function toFieldErrors(issues: readonly z.core.$ZodIssue[], body: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const detail =
          SERVER_FIELDS.has(key) && issue.path.length === 0
            ? 'is assigned by the server'
            : 'is not a known field';
        errors.push(fieldError([...issue.path, key], detail));
      }
      continue;
    }
    const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    if (issue.code === 'invalid_type') {
      const value = valueAt(body, path);
      errors.push(
        fieldError(
          path,
          value === undefined ? 'is required' : `must be ${article(issue.expected)}, not ${describe(value)}`,
        ),
      );
      continue;
    }
    errors.push(fieldError(path, issue.message));
  }
  return errors;
}

function valueAt(body: unknown, path: readonly (string | number)[]): unknown {
  let value: unknown = body;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return article(typeof value);
}
