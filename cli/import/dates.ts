/** Dates of feeds: the strict RFC 822 reader. */
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
