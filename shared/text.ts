/**
 * Characters that XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE, U+FFFF) and lone UTF-16 surrogates.
 * A feed that contains one is not well-formed, so they never get past the API.
 */
const XML_INVALID =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes every character that cannot appear in an XML 1.0 document. */
export function stripXmlInvalid(value: string): string {
  return value.replace(XML_INVALID, '');
}

/**
 * Characters XML allows but discourages, which validators flag in any text ("contains bad characters"): the C1
 * controls (U+0080-U+009F, mostly Windows-1252 text read as Latin-1) and U+FFFD, which stands for bytes that were
 * not text. Neither is anything a reader should see.
 */
const DISCOURAGED = /[\u0080-\u009F\uFFFD]/g;

/** Removes the characters XML discourages and validators flag (C1 controls, U+FFFD). */
export function stripDiscouraged(value: string): string {
  return value.replace(DISCOURAGED, '');
}

/**
 * Applies {@link stripXmlInvalid} and {@link stripDiscouraged} to every string value of a parsed JSON value (keys
 * are left alone).
 */
export function deepStripXmlInvalid(value: unknown): unknown {
  if (typeof value === 'string') return stripDiscouraged(stripXmlInvalid(value));
  if (Array.isArray(value)) return value.map(deepStripXmlInvalid);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      // defineProperty, not assignment: a `__proto__` key in a parsed body must stay data, not become the prototype.
      // Keys are kept as sent: stripping them could turn `ti\u0000tle` into a second `title`.
      Object.defineProperty(out, key, {
        value: deepStripXmlInvalid(inner),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/** Trims and folds every run of whitespace (line breaks included) into one space: the shape of a plain-text line. */
export function collapseWhitespace(value: string): string {
  return value.replace(/\s+/gu, ' ').trim();
}

/** Cuts plain text to at most `max` characters at a word boundary, marking the cut with an ellipsis. */
export function truncateText(value: string, max: number): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  // Look one character further than what fits: a space there means the last word fits whole.
  const window = chars.slice(0, max).join('');
  const boundary = window.lastIndexOf(' ');
  const cut = boundary > max * 0.6 ? window.slice(0, boundary) : chars.slice(0, max - 1).join('');
  return `${cut.replace(/[\s.,;:!?\-–—]+$/u, '')}…`;
}

/** Length of a string in UTF-8 bytes. */
export function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/*
 * Plain text that never reads as markup.
 *
 * Titles, summaries, names, alt text, correction notes and tag labels are plain text: every feed carries them as
 * text (RSS `title`, Atom text constructs, JSON Feed `title` and `summary`). Yet RSS readers commonly render an
 * RSS title as HTML, and widely used parsers guess: text with an HTML end tag (`</b>`) or a character reference
 * is handed back as markup, and the W3C feed validator warns ("title should not contain HTML"). So markup an
 * editor pastes into such a field is removed on the way in, as WordPress does with its titles, instead of being
 * published as text some readers render and others show as tags. Refusing it with a 422 was the other choice; it
 * would break every CMS that exports headlines with `<em>` in them, for no gain to the reader.
 *
 * Stripping must not eat text that only looks like markup (`5 < 6`, `<3`, `C++ <templates>`, `a<b>c`), as a
 * naive strip does. So only what is markup beyond doubt goes:
 * - comments, and any end tag of an HTML element (`</b>`, `</p >`): the mark parsers and validators go by;
 * - a start tag of an HTML element that has attributes (`<a href=…>`), closes itself (`<br/>`), is void (`<br>`),
 *   or is closed later in the same text (`<b>…</b>`); a lone `<b>` in `a<b>c` stays;
 * - script, style and the other elements whose content is not text, with their content (to the end when
 *   unclosed): `<script>alert(1)</script>` leaves nothing behind.
 * Character references are read once as the characters they stand for (`AT&amp;T` is `AT&T`), as a CMS that
 * escaped its text meant them; what is left of `&` and `<` is encoded by the renderers so that no reader can take
 * it for markup (see shared/feeds/render/xml.ts).
 */

/** Names of HTML elements, current and obsolete (those validators and feed parsers know). */
const HTML_ELEMENTS = new Set(
  (
    'a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big blink blockquote ' +
    'body br button canvas caption center cite code col colgroup command comment data datagrid datalist dd del ' +
    'details dfn dialog dir div dl dt em embed eventsource fieldset figcaption figure font footer form frame ' +
    'frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe image img input ins isindex kbd keygen label ' +
    'legend li link listing m main map mark marquee math menu menuitem meta meter multicol nav nextid nobr noembed ' +
    'noframes noscript object ol optgroup option output p param picture plaintext pre progress q rb rp rt rtc ' +
    'ruby s samp script search section select slot small sound source spacer span strike strong style sub ' +
    'summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr xmp'
  ).split(' '),
);
/** Elements whose content is not text a reader should see. */
const NOT_TEXT = new Set(
  'script style iframe noscript noembed noframes object embed svg math template textarea title xmp plaintext'.split(
    ' ',
  ),
);
const VOID = new Set('area base br col embed hr img input link meta param source track wbr'.split(' '));
/** Elements inside a line of text: removing their tags joins the words around them as they were. */
const INLINE = new Set(
  'a abbr b bdi bdo big cite code data del dfn em font i ins kbd mark nobr q s samp small span strike strong sub sup time tt u var'.split(
    ' ',
  ),
);

/** A comment, an end tag, or a start tag with its attributes (quoted values may hold `>`). */
const MARKUP =
  /<!--[\s\S]*?-->|<\/([A-Za-z][A-Za-z0-9]*)\s*>|<([A-Za-z][A-Za-z0-9]*)((?:\s+[^\s/>"'=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/g;

const NAMED_REFERENCES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00A0',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  sbquo: '‚',
  ldquo: '“',
  rdquo: '”',
  bdquo: '„',
  laquo: '«',
  raquo: '»',
  middot: '·',
  bull: '•',
  copy: '©',
  reg: '®',
  trade: '™',
  euro: '€',
  pound: '£',
  deg: '°',
  times: '×',
};

/** Reads each character reference once as its character; unknown names and XML-forbidden code points stay as written. */
export function decodeReferences(value: string): string {
  return value.replace(
    /&(?:#[xX]([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z]+));/g,
    (whole, hex, decimal, name) => {
      if (name !== undefined) return NAMED_REFERENCES[name] ?? whole;
      const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(decimal);
      const char = code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
      return char && stripXmlInvalid(char) === char ? char : whole;
    },
  );
}

/** One pass of {@link stripMarkup}: every match is judged against the text as it was before the pass. */
function stripMarkupOnce(value: string): string {
  const lower = value.toLowerCase();
  let out = '';
  let last = 0;
  for (const match of value.matchAll(MARKUP)) {
    const [whole, endName, startName, attributes, selfClosing] = match;
    const start = match.index;
    if (start < last) continue;
    const name = (endName ?? startName)?.toLowerCase();
    let end = start + whole.length;
    if (name !== undefined) {
      if (!HTML_ELEMENTS.has(name)) continue;
      if (startName !== undefined) {
        const closing = lower.indexOf(`</${name}`, end);
        if (NOT_TEXT.has(name)) {
          // Its content goes too, through its end tag (or to the end of the text when it has none).
          if (closing < 0) end = value.length;
          else {
            const close = value.indexOf('>', closing);
            end = close < 0 ? value.length : close + 1;
          }
        } else if (!attributes && !selfClosing && !VOID.has(name) && closing < 0) continue;
      }
    }
    out += value.slice(last, start) + (name !== undefined && INLINE.has(name) ? '' : ' ');
    last = end;
  }
  return last === 0 ? value : out + value.slice(last);
}

/**
 * Removes what is markup beyond doubt from text (see above), until none is left: removing `<b></b>` from
 * `<<b></b>/b>` makes a new `</b>`. Callers bound the input's length (each pass removes at least one tag).
 */
export function stripMarkup(value: string): string {
  let current = value;
  for (;;) {
    const next = stripMarkupOnce(current);
    if (next === current) return current;
    current = next;
  }
}

/** An editor's plain text as feeds carry it: character references read, markup removed, whitespace folded. */
export function plainText(value: string): string {
  return collapseWhitespace(stripMarkup(decodeReferences(value)));
}
