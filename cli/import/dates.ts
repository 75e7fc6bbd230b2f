/**
 * Dates of feeds: the strict RFC 822 reader RSS 2.0 asks for, and a lenient one for what feeds really carry
 * (day and month names in other languages, no zone, zone abbreviations RFC 822 does not know, ISO 8601 with a
 * space instead of `T`, a date without a time). A date only the lenient reader understands is "guessed": the
 * importer keeps it and says so.
 */
import { parseRfc3339 } from '#shared/articles/submission.ts';
import { ItemError } from './errors.ts';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
/** RFC 822 zone names, in minutes east of UTC (military single letters other than Z are ambiguous: refused). */
const ZONES: Record<string, number> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};
const RFC822 =
  /^(?:[A-Za-z]{2,9}\.?\s*,?\s*)?(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4}|\d{2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([+-])(\d{2}):?(\d{2})|([A-Za-z]{1,5}))\s*(?:\([^()]*\))?$/;

/**
 * Reads an RFC 822 date (as updated by RFC 1123 and RFC 2822, what RSS 2.0 uses) and returns it as RFC 3339
 * in UTC, or undefined when it is not one. The weekday is optional and not checked against the date (feeds get
 * it wrong often enough); seconds are optional; two-digit years are 1950 to 2049; the zone is required.
 */
export function parseRfc822Date(value: string): string | undefined {
  const match = RFC822.exec(value.trim());
  if (!match) return undefined;
  const [, day, monthName, yearText, hour, minute, second, sign, zoneHours, zoneMinutes, zoneName] = match;
  const lower = (monthName ?? '').toLowerCase();
  let month = MONTHS.indexOf(lower);
  if (month < 0) month = MONTH_NAMES.indexOf(lower);
  if (month < 0 && lower === 'sept') month = 8;
  if (month < 0) return undefined;
  let year = Number(yearText);
  if ((yearText ?? '').length === 2) year += year < 50 ? 2000 : 1900;
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second ?? '0');
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) return undefined;
  let offset: number;
  if (zoneName !== undefined) {
    const named = ZONES[zoneName.toUpperCase()];
    if (named === undefined) return undefined;
    offset = named;
  } else {
    const oh = Number(zoneHours);
    const om = Number(zoneMinutes);
    if (oh > 23 || om > 59) return undefined;
    offset = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const time = Date.UTC(year, month, d, h, mi, s) - offset * 60_000;
  return new Date(time).toISOString();
}

export function checkedDate(iso: string, field: string, raw: string): string {
  if (Date.parse(iso) < 0) throw new ItemError(`${field} "${raw}" is before 1970, which the API refuses`);
  return iso;
}

/** A date read from a feed, as RFC 3339 in UTC; `guessed` when the strict readers could not read it. */
export interface FeedDate {
  iso: string;
  guessed: boolean;
}

/**
 * Month names and their usual abbreviations, without accents, in English, Portuguese, Spanish, French, German,
 * Italian, Dutch, and the Scandinavian languages. A word that starts one of the full names of one month only
 * (`sept`, `juil`, `febr`) counts too.
 */
const MONTH_WORDS: readonly (readonly string[])[] = [
  [
    'jan',
    'january',
    'janeiro',
    'enero',
    'ene',
    'janvier',
    'janv',
    'januar',
    'janner',
    'jaenner',
    'gennaio',
    'gen',
    'januari',
  ],
  [
    'feb',
    'february',
    'fevereiro',
    'fev',
    'febrero',
    'fevrier',
    'fevr',
    'fev',
    'februar',
    'febbraio',
    'februari',
  ],
  ['mar', 'march', 'marco', 'marzo', 'mars', 'marz', 'maerz', 'mrz', 'maart', 'mrt', 'marts'],
  ['apr', 'april', 'abril', 'abr', 'avril', 'avr', 'aprile'],
  ['may', 'maio', 'mai', 'mayo', 'maggio', 'mag', 'mei', 'maj'],
  ['jun', 'june', 'junho', 'junio', 'juin', 'juni', 'giugno', 'giu'],
  ['jul', 'july', 'julho', 'julio', 'juillet', 'juil', 'juli', 'luglio', 'lug'],
  ['aug', 'august', 'agosto', 'ago', 'aout', 'augustus', 'augusti'],
  ['sep', 'sept', 'september', 'setembro', 'set', 'septiembre', 'setiembre', 'septembre', 'settembre'],
  ['oct', 'october', 'outubro', 'out', 'octubre', 'octobre', 'oktober', 'okt', 'ottobre', 'ott'],
  ['nov', 'november', 'novembro', 'noviembre', 'novembre'],
  ['dec', 'december', 'dezembro', 'dez', 'diciembre', 'dic', 'decembre', 'dezember', 'dicembre', 'desember'],
];
const MONTH_OF = new Map<string, number>(
  MONTH_WORDS.flatMap((words, month) => words.map((word): [string, number] => [word, month])),
);

/** Zone abbreviations seen in feeds, in minutes east of UTC; ambiguous ones (IST, CST of China) are left out. */
const LENIENT_ZONES: Record<string, number> = {
  ...ZONES,
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  CEST: 120,
  MET: 60,
  MEST: 120,
  MEZ: 60,
  MESZ: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  BRT: -180,
  BRST: -120,
  ART: -180,
  AKST: -540,
  AKDT: -480,
  HST: -600,
  JST: 540,
  KST: 540,
  HKT: 480,
  SGT: 480,
  AWST: 480,
  ACST: 570,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
};

function monthOf(word: string): number | undefined {
  const exact = MONTH_OF.get(word);
  if (exact !== undefined) return exact;
  if (word.length < 3) return undefined;
  const months = new Set<number>();
  MONTH_WORDS.forEach((words, month) => {
    if (words.some((name) => name.length > word.length && name.startsWith(word))) months.add(month);
  });
  return months.size === 1 ? [...months][0] : undefined;
}

function fullYear(text: string): number {
  const year = Number(text);
  return text.length === 2 ? year + (year < 50 ? 2000 : 1900) : year;
}

/** Minutes east of UTC of a zone written as `+0200`, `+02:00`, `+02`, `Z` or an abbreviation. */
function zoneOffset(zone: string | undefined): number | undefined {
  if (!zone) return undefined;
  const numeric = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (numeric) {
    const hours = Number(numeric[2]);
    const minutes = Number(numeric[3] ?? '0');
    if (hours > 23 || minutes > 59) return undefined;
    return (numeric[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return LENIENT_ZONES[zone.toUpperCase()];
}

function utcIso(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  offsetMinutes: number,
): string | undefined {
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  if (month < 0 || month > 11 || day < 1 || day > daysInMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return new Date(Date.UTC(year, month, day, hour, minute, second) - offsetMinutes * 60_000).toISOString();
}

const TIME = /(\d{1,2})[:h](\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(?:(am|pm)\b)?/;
const ZONE_AFTER_TIME = /^\s*(?:\(?(?:gmt|utc)?\s*([+-]\d{2}(?::?\d{2})?)\)?|([a-z]{1,5})\b)/;

/**
 * Reads a date the strict readers refuse: day, month name (in one of several languages) and year in either
 * order, an optional time and zone; or ISO 8601 with a space for `T`, or without a zone, or without a time.
 * A missing zone is taken as UTC, a missing time as midnight. Undefined when no date can be made of it.
 */
export function parseLenientDate(value: string): string | undefined {
  const text = value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(z|[+-]\d{2}(?::?\d{2})?|[a-z]{2,5})?)?$/.exec(
      text,
    );
  if (iso) {
    const [, y, mo, d, h, mi, s, zone] = iso;
    const offset = zone === undefined ? 0 : zoneOffset(zone);
    if (offset === undefined) return undefined;
    return utcIso(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h ?? 0),
      Number(mi ?? 0),
      Number(s ?? 0),
      offset,
    );
  }
  const dayFirst =
    /(?:^|[^\d:])(\d{1,2})(?:\.|º|er)?\s*(?:de\s+)?([a-z]+)\.?,?\s+(?:de\s+)?(\d{4}|\d{2})(?![\d:])/.exec(
      text,
    );
  const monthFirst = /(?:^|[^a-z])([a-z]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)/.exec(text);
  let date: { day: number; month: number; year: number; end: number } | undefined;
  for (const [match, dayAt, monthAt, yearAt] of [
    [dayFirst, 1, 2, 3],
    [monthFirst, 2, 1, 3],
  ] as const) {
    const month = match ? monthOf(match[monthAt] ?? '') : undefined;
    if (match && month !== undefined) {
      date = {
        day: Number(match[dayAt]),
        month,
        year: fullYear(match[yearAt] ?? ''),
        end: match.index + match[0].length,
      };
      break;
    }
  }
  if (!date) return undefined;
  const rest = text.slice(date.end);
  const time = TIME.exec(rest);
  let hour = 0;
  let minute = 0;
  let second = 0;
  let offset = 0;
  if (time) {
    hour = Number(time[1]);
    minute = Number(time[2]);
    second = Number(time[3] ?? '0');
    if (time[4] === 'pm' && hour < 12) hour += 12;
    if (time[4] === 'am' && hour === 12) hour = 0;
    const zone = ZONE_AFTER_TIME.exec(rest.slice(time.index + time[0].length));
    const written = zone?.[1] ?? zone?.[2];
    if (written !== undefined) {
      const known = zoneOffset(written);
      if (known === undefined) return undefined;
      offset = known;
    }
  }
  return utcIso(date.year, date.month, date.day, hour, minute, second, offset);
}

/**
 * A date as a feed writes it: RFC 822, else RFC 3339, else {@link parseLenientDate} (then `guessed`).
 * Undefined when none of them can read it.
 */
export function readFeedDate(value: string): FeedDate | undefined {
  const strict = parseRfc822Date(value) ?? parseRfc3339(value);
  if (strict) return { iso: strict, guessed: false };
  const lenient = parseLenientDate(value);
  return lenient ? { iso: lenient, guessed: true } : undefined;
}
