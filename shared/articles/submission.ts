// A namespace import lets the bundler drop the parts of zod never used (its locales alone are ~260 KB).
import * as z from 'zod';
import { type FieldError, fieldError, ValidationError } from '../errors.ts';
import { htmlToText, sanitizeContentHtml } from '../html.ts';
import { toSlug } from '../slug.ts';
import { collapseWhitespace, deepStripXmlInvalid, truncateText, utf8Length } from '../text.ts';
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
  correctionChars: 1000,
} as const;

/** Fields the server assigns; a client that sends them is told so rather than silently ignored. */
const SERVER_FIELDS = new Set(['id', 'version', 'createdAt', 'updatedAt', 'status', 'retractedAt']);

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;
const EARLIEST_PUBLICATION = Date.UTC(1970, 0, 1);
/** How far ahead of the server's clock a publication time may be: clock skew, not scheduling. */
const FUTURE_TOLERANCE_MS = 60 * 60 * 1000;

const plainLine = (max: number) =>
  z
    .string()
    .transform(collapseWhitespace)
    .refine((value) => value.length > 0, 'must not be empty')
    .refine((value) => Array.from(value).length <= max, `must be at most ${max} characters`);

const httpUrl = z
  .string()
  .max(LIMITS.urlChars, `must be at most ${LIMITS.urlChars} characters`)
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value.trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
      return z.NEVER;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({
        code: 'custom',
        message: `must use http or https, not ${url.protocol.replace(':', '')}`,
      });
      return z.NEVER;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not contain credentials' });
      return z.NEVER;
    }
    const uri = toUri(url);
    if (uri.length > LIMITS.urlChars) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${LIMITS.urlChars} characters once normalised`,
      });
      return z.NEVER;
    }
    return uri;
  });

const optionalLine = (max: number) =>
  z
    .string()
    .transform(collapseWhitespace)
    .refine((value) => Array.from(value).length <= max, `must be at most ${max} characters`)
    .optional();

function schemaAt(now: number) {
  const publishedAt = z.string().transform((value, ctx) => {
    const iso = parseRfc3339(value.trim());
    if (!iso) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an RFC 3339 date-time with a zone, e.g. 2025-07-16T09:30:00Z',
      });
      return z.NEVER;
    }
    const time = Date.parse(iso);
    if (time < EARLIEST_PUBLICATION) {
      ctx.addIssue({ code: 'custom', message: 'must not be before 1970-01-01T00:00:00Z' });
      return z.NEVER;
    }
    if (time > now + FUTURE_TOLERANCE_MS) {
      ctx.addIssue({ code: 'custom', message: 'must not be more than one hour in the future' });
      return z.NEVER;
    }
    return iso;
  });

  return z
    .strictObject({
      source: z.string().transform((value, ctx) => {
        const slug = toSlug(value);
        if (!slug) ctx.addIssue({ code: 'custom', message: 'must name a source (letters or digits)' });
        return slug;
      }),
      title: plainLine(LIMITS.titleChars),
      url: httpUrl,
      contentHtml: z.string(),
      summary: z.string().transform(collapseWhitespace).optional(),
      author: z
        .strictObject({
          name: plainLine(LIMITS.nameChars),
          email: z
            .string()
            .trim()
            .pipe(z.email('must be an email address').max(254, 'must be at most 254 characters'))
            .optional(),
          url: httpUrl.optional(),
        })
        .optional(),
      tags: z
        .array(z.string().max(LIMITS.tagChars * 4, `must be at most ${LIMITS.tagChars} characters`))
        .max(LIMITS.tags, `must hold at most ${LIMITS.tags} tags`)
        .optional(),
      citations: z
        .array(z.strictObject({ name: plainLine(LIMITS.nameChars), url: httpUrl.optional() }))
        .max(LIMITS.citations, `must hold at most ${LIMITS.citations} citations`)
        .optional(),
      image: z.strictObject({ url: httpUrl, alt: optionalLine(LIMITS.altChars) }).optional(),
      publishedAt: publishedAt.optional(),
      correction: optionalLine(LIMITS.correctionChars),
    })
    .transform((input, ctx): Submission => {
      // XML readers turn CR LF into LF: store what every format will give back.
      const contentHtml = sanitizeContentHtml(input.contentHtml.replace(/\r\n?/g, '\n'), input.url);
      const text = htmlToText(contentHtml);
      if (!text && !/<img\b/.test(contentHtml)) {
        ctx.addIssue({
          code: 'custom',
          path: ['contentHtml'],
          message: 'is empty once unsafe markup is removed',
        });
      }
      const bytes = utf8Length(contentHtml);
      if (bytes > LIMITS.contentHtmlBytes) {
        ctx.addIssue({
          code: 'custom',
          path: ['contentHtml'],
          message: `is ${bytes} bytes once sanitised; at most ${LIMITS.contentHtmlBytes} are allowed`,
        });
      }
      const summary = input.summary ? input.summary : truncateText(text, LIMITS.derivedSummaryChars);
      if (Array.from(summary).length > LIMITS.summaryChars) {
        ctx.addIssue({
          code: 'custom',
          path: ['summary'],
          message: `must be at most ${LIMITS.summaryChars} characters`,
        });
      }
      const submission: Submission = {
        source: input.source,
        title: input.title,
        url: input.url,
        contentHtml,
        summary,
        tags: normaliseTags(input.tags ?? [], (index, message) =>
          ctx.addIssue({ code: 'custom', path: ['tags', index], message }),
        ),
        citations: dedupeCitations(input.citations ?? []),
      };
      if (input.author) {
        submission.author = { name: input.author.name };
        if (input.author.email) submission.author.email = input.author.email;
        if (input.author.url) submission.author.url = input.author.url;
      }
      if (input.image) {
        submission.image = { url: input.image.url };
        if (input.image.alt) submission.image.alt = input.image.alt;
      }
      if (input.publishedAt) submission.publishedAt = input.publishedAt;
      if (input.correction !== undefined) submission.correction = input.correction;
      return submission;
    });
}

function normaliseTags(labels: string[], report: (index: number, message: string) => void): Tag[] {
  const seen = new Set<string>();
  const tags: Tag[] = [];
  labels.forEach((raw, index) => {
    const label = collapseWhitespace(raw);
    if (Array.from(label).length > LIMITS.tagChars) {
      report(index, `must be at most ${LIMITS.tagChars} characters`);
      return;
    }
    const slug = toSlug(label);
    if (!slug) {
      report(index, 'must contain a letter or digit that can form a slug');
      return;
    }
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
    throw new ValidationError([fieldError([], `must be a JSON object, not ${describe(body)}`)]);
  }
  const cleaned = deepStripXmlInvalid(body) as Record<string, unknown>;
  const result = schemaAt(now).safeParse(cleaned);
  if (result.success) {
    if (result.data.correction !== undefined && !options.correction) {
      throw new ValidationError([fieldError(['correction'], 'can only accompany a correction (PUT)')]);
    }
    if (result.data.correction === '') delete result.data.correction;
    return result.data;
  }
  throw new ValidationError(toFieldErrors(result.error.issues, cleaned));
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
