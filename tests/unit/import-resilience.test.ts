import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectAndDecode, isValidUtf8 } from '../../cli/import/charset.ts';
import { parseLenientDate, parseRfc822Date, readFeedDate } from '../../cli/import/dates.ts';
import { parseFeedDocument } from '../../cli/import/parse.ts';

describe('reading dates feeds really carry', () => {
  it.each([
    ['Seg, 24 Set 2018 19:42:40 -0300', '2018-09-24T22:42:40.000Z'],
    ['Sáb, 22 Set 2018 10:00:00 -0300', '2018-09-22T13:00:00.000Z'],
    ['Ter, 02 Out 2018 08:05:00 -0300', '2018-10-02T11:05:00.000Z'],
    ['Qua, 05 Dez 2018 23:59:00 BRST', '2018-12-06T01:59:00.000Z'],
    ['martes, 15 de julio de 2025 10:00', '2025-07-15T10:00:00.000Z'],
    ['mié, 3 dic 2025 10:00:00 +0100', '2025-12-03T09:00:00.000Z'],
    ['Mardi 15 juillet 2025 18:05', '2025-07-15T18:05:00.000Z'],
    ['ven., 7 févr. 2025 09:00:00 +0100', '2025-02-07T08:00:00.000Z'],
    ['Di, 15. März 2025 08:00:00 MEZ', '2025-03-15T07:00:00.000Z'],
    ['Do, 02 Okt 2025 12:00:00 +0200', '2025-10-02T10:00:00.000Z'],
    ['giovedì 3 ottobre 2024 14:20', '2024-10-03T14:20:00.000Z'],
    ['zo, 13 okt 2024 12:00:00 CEST', '2024-10-13T10:00:00.000Z'],
    ['tis, 4 maj 2021 08:00:00 +0200', '2021-05-04T06:00:00.000Z'],
    ['July 16, 2025 9:30 pm EST', '2025-07-17T02:30:00.000Z'],
    ['Wed, 16 Jul 2025 09:30:00', '2025-07-16T09:30:00.000Z'],
    ['Wed, 16 Jul 2025 09:30:00 CET', '2025-07-16T08:30:00.000Z'],
    ['2025-07-16 09:30:00', '2025-07-16T09:30:00.000Z'],
    ['2025-07-16 11:30:00 +02:00', '2025-07-16T09:30:00.000Z'],
    ['2025-07-16T09:30:00', '2025-07-16T09:30:00.000Z'],
    ['2025-07-16', '2025-07-16T00:00:00.000Z'],
    ['16 Jul 25 09:30', '2025-07-16T09:30:00.000Z'],
  ])('guesses %s as %s', (value, expected) => {
    expect(readFeedDate(value)).toEqual({ iso: expected, guessed: true });
  });

  it.each([
    'Someday, 45 Foo 2025 25:61:00 GMT',
    '31 Set 2018 10:00',
    '2025-02-30 10:00',
    'Wed, 16 Jul 2025 09:30:00 XYZ',
    'soon',
    '',
  ])('reads no date in %j', (value) => {
    expect(readFeedDate(value)).toBeUndefined();
  });

  it('does not call a strict RFC 822 or RFC 3339 date guessed', () => {
    expect(readFeedDate('Wed, 16 Jul 2025 09:30:00 GMT')).toEqual({
      iso: '2025-07-16T09:30:00.000Z',
      guessed: false,
    });
    expect(readFeedDate('2025-07-16T11:30:00+02:00')).toEqual({
      iso: '2025-07-16T09:30:00.000Z',
      guessed: false,
    });
  });

  it('reads every RFC 822 date the strict reader reads to the same instant', () => {
    const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1971-01-01T00:00:00Z'),
          max: new Date('2099-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -720, max: 840 }),
        (date, offset) => {
          const local = new Date(date.getTime() + offset * 60_000);
          const pad = (n: number) => String(n).padStart(2, '0');
          const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
          const text = `${DAYS[local.getUTCDay()]}, ${pad(local.getUTCDate())} ${MONTHS[local.getUTCMonth()]} ${local.getUTCFullYear()} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ${zone}`;
          const expected = new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString();
          expect(parseRfc822Date(text)).toBe(expected);
          expect(parseLenientDate(text)).toBe(expected);
        },
      ),
    );
  });

  it('never throws, and gives a real instant or nothing, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (value) => {
        const read = readFeedDate(value);
        if (read) expect(Number.isNaN(Date.parse(read.iso))).toBe(false);
      }),
    );
  });
});

describe('detecting the character encoding', () => {
  const latin1 = (text: string) => Buffer.from(text, 'latin1');

  it('believes a byte order mark before anything else', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><rss>é</rss>'),
    ]);
    expect(detectAndDecode(bytes, 'windows-1252')).toMatchObject({ encoding: 'utf-8', evidence: 'bom' });
    expect(detectAndDecode(bytes).text).toContain('<rss>é</rss>');
  });

  it('takes the XML declaration before the HTTP header', () => {
    const bytes = latin1('<?xml version="1.0" encoding="ISO-8859-1"?><rss>Notícias</rss>');
    const decoded = detectAndDecode(bytes, 'utf-8');
    expect(decoded).toMatchObject({ encoding: 'windows-1252', evidence: 'xml-declaration' });
    expect(decoded.text).toContain('<rss>Notícias</rss>');
  });

  it('takes the HTTP header when the document declares nothing', () => {
    expect(detectAndDecode(latin1('<rss>Café</rss>'), 'ISO-8859-1')).toMatchObject({
      text: '<rss>Café</rss>',
      evidence: 'http-header',
    });
  });

  it('reads undeclared bytes as UTF-8 when they are valid UTF-8, else as windows-1252', () => {
    expect(detectAndDecode(Buffer.from('<rss>Notícias “já”</rss>', 'utf8'))).toMatchObject({
      text: '<rss>Notícias “já”</rss>',
      evidence: 'valid-utf-8',
    });
    const fallback = detectAndDecode(
      Buffer.from([...latin1('<rss>Not'), 0xed, ...latin1('cias '), 0x93, 0x94, ...latin1('</rss>')]),
    );
    expect(fallback).toMatchObject({
      text: '<rss>Notícias “”</rss>',
      evidence: 'fallback',
      encoding: 'windows-1252',
    });
  });

  it('reads a document declared UTF-8 whose bytes are not as windows-1252, and says so', () => {
    const decoded = detectAndDecode(latin1('<?xml version="1.0" encoding="UTF-8"?><rss>Ação</rss>'));
    expect(decoded.text).toContain('<rss>Ação</rss>');
    expect(decoded.note).toMatch(/declared UTF-8 \(xml-declaration\) but the bytes are not valid UTF-8/);
  });

  it('gives no U+FFFD for any text written in windows-1252 without a declaration', () => {
    // What WHATWG's windows-1252 gives for 0x80 to 0x9F (Node 20's TextDecoder gives C1 controls there).
    const high = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
    const cp1252 = {
      decode: (b: Uint8Array) =>
        Array.from(b, (x) => (x >= 0x80 && x < 0xa0 ? high[x - 0x80] : String.fromCharCode(x))).join(''),
    };
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (bytes) => {
        const decoded = detectAndDecode(bytes);
        // Bytes that start as a byte order mark are read by it: fast-check likes 0xFF 0xFE.
        if (decoded.evidence === 'bom') return;
        if (decoded.evidence === 'valid-utf-8') expect(isValidUtf8(bytes)).toBe(true);
        else expect(decoded.text).toBe(cp1252.decode(bytes));
      }),
    );
  });

  it('reads any text written as UTF-8 back unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        fc.pre(!text.startsWith('\uFEFF'));
        expect(detectAndDecode(Buffer.from(`<rss>${text}</rss>`, 'utf8')).text).toBe(`<rss>${text}</rss>`);
      }),
    );
  });
});

describe('isolating broken items', () => {
  const BREAKS = [
    (i: number) =>
      `<title>Broken ${i}</title><link>https://news.example/${i}</link><description><p>unclosed</description>`,
    (i: number) =>
      `<title>Bad char ${i} &#0;</title><link>https://news.example/${i}</link><description>x</description>`,
    (i: number) => `<title> </title><link>https://news.example/${i}</link><description>x</description>`,
    (i: number) =>
      `<title>Bad date ${i}</title><link>https://news.example/${i}</link><pubDate>soon</pubDate>`,
    (i: number) =>
      `<title>Stray ${i}</title><link>https://news.example/${i}</link><description>a</b> b</description>`,
    (i: number) =>
      `<title>Mailto ${i}</title><link>mailto:desk@news.example</link><description>x</description>`,
  ];

  it('never loses a good item to a broken one, wherever the broken ones are', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              good: fc.constant(true),
              title: fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,20}$/),
              entity: fc.constantFrom('', '&nbsp;', '&eacute;', '&amp;', ' & ', '&#8217;', '&bogus;'),
            }),
            fc.record({ good: fc.constant(false), kind: fc.nat(BREAKS.length - 1) }),
          ),
          { maxLength: 12 },
        ),
        (items) => {
          const xml = items
            .map((item, i) =>
              item.good
                ? `<item><title>${item.title}${item.entity}${i}</title><link>https://news.example/${i}</link></item>`
                : `<item>${BREAKS[item.kind]?.(i)}</item>`,
            )
            .join('');
          const parsed = parseFeedDocument(
            `<rss version="2.0"><channel><title>T</title>${xml}</channel></rss>`,
          );
          expect(parsed.items.length + parsed.problems.length).toBe(items.length);
          const imported = new Set(parsed.items.map((item) => item.index));
          items.forEach((item, i) => {
            if (item.good) expect(imported.has(i)).toBe(true);
            else expect(imported.has(i)).toBe(false);
          });
          for (const item of parsed.items) expect(item.title).not.toMatch(/\uFFFD|&(nbsp|eacute|#8217);/);
        },
      ),
    );
  });
});
