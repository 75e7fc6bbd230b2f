/**
 * Inline only: the page a browser makes of a feed loads nothing. Readable from a 320 px phone to a desktop, light
 * or dark as the reader prefers. No `<` or `&` (it sits in XSLT text) and no `{` in attributes.
 */
const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5a5a5a;--bg:#fdfdfc;--card:#f1f0ec;--link:#0b57a4;--line:#d8d6cf;--accent:#b34700}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--muted:#a8a8a8;--bg:#161616;--card:#222;--link:#8cc4ff;--line:#3a3a3a;--accent:#ffa463}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;-webkit-text-size-adjust:100%}
main{max-width:48rem;margin:0 auto;padding:1rem 1rem 3rem}
.kicker{margin:.5rem 0 0;color:var(--accent);font-weight:600;font-size:.85rem;letter-spacing:.04em;text-transform:uppercase}
h1{font-size:1.6rem;line-height:1.2;margin:.25rem 0 .5rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1.1rem;line-height:1.3;margin:0 0 .25rem}
a{color:var(--link)}
p{margin:.5rem 0}
.muted,.meta{color:var(--muted);font-size:.9rem}
.how{background:var(--card);border-left:4px solid var(--accent);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
.url{display:block;padding:.5rem;border:1px solid var(--line);border-radius:.25rem;background:var(--bg);font:.9rem/1.4 ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere;user-select:all}
ol{list-style:none;margin:0;padding:0}
li{padding:.9rem 0;border-top:1px solid var(--line)}
li:first-child{border-top:0}
`
  .trim()
  .replace(/\n/g, '');

/**
 * One XSLT 1.0 stylesheet for the RSS 2.0 and the Atom 1.0 feeds: a browser that opens a feed shows a readable
 * page (the feed's title and description, how to subscribe with the feed's URL, then its items) instead of raw
 * XML. Feed readers ignore it. Text goes out through `xsl:value-of`, so the feed's content is never markup here;
 * the article HTML (`content:encoded`, Atom `content`) is left out. The `feeds/` base comes from the feed's own
 * `xml-stylesheet` instruction, so the stylesheet is the same bytes for every deployment.
 */
const FEED_XSL = `<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
  exclude-result-prefixes="atom dc">
<xsl:output method="html" encoding="UTF-8" indent="no" doctype-system="about:legacy-compat"/>

<!-- {base}feeds/, from <?xml-stylesheet type="text/xsl" href="{base}feeds/feed.xsl"?>; empty without it. -->
<xsl:variable name="feeds"
  select="substring-before(substring-after(/processing-instruction('xml-stylesheet'), 'href=&quot;'), 'feed.xsl&quot;')"/>

<xsl:template match="/">
  <xsl:choose>
    <xsl:when test="rss/channel">
      <xsl:call-template name="page">
        <xsl:with-param name="title" select="string(rss/channel/title)"/>
        <xsl:with-param name="description" select="string(rss/channel/description)"/>
        <xsl:with-param name="self" select="string(rss/channel/atom:link[@rel='self']/@href)"/>
        <xsl:with-param name="home" select="string(rss/channel/link)"/>
        <xsl:with-param name="language" select="string(rss/channel/language)"/>
        <xsl:with-param name="items" select="rss/channel/item"/>
      </xsl:call-template>
    </xsl:when>
    <xsl:when test="atom:feed">
      <xsl:call-template name="page">
        <xsl:with-param name="title" select="string(atom:feed/atom:title)"/>
        <xsl:with-param name="description" select="string(atom:feed/atom:subtitle)"/>
        <xsl:with-param name="self" select="string(atom:feed/atom:link[@rel='self']/@href)"/>
        <xsl:with-param name="home" select="string(atom:feed/atom:link[@rel='alternate']/@href)"/>
        <xsl:with-param name="language" select="string(atom:feed/@xml:lang)"/>
        <xsl:with-param name="items" select="atom:feed/atom:entry"/>
      </xsl:call-template>
    </xsl:when>
  </xsl:choose>
</xsl:template>

<xsl:template name="page">
  <xsl:param name="title"/>
  <xsl:param name="description"/>
  <xsl:param name="self"/>
  <xsl:param name="home"/>
  <xsl:param name="language"/>
  <xsl:param name="items"/>
  <!-- The feed's folder, so the page can offer its other formats. -->
  <xsl:variable name="folder">
    <xsl:choose>
      <xsl:when test="substring($self, string-length($self) - 6) = 'rss.xml'">
        <xsl:value-of select="substring($self, 1, string-length($self) - 7)"/>
      </xsl:when>
      <xsl:when test="substring($self, string-length($self) - 7) = 'atom.xml'">
        <xsl:value-of select="substring($self, 1, string-length($self) - 8)"/>
      </xsl:when>
    </xsl:choose>
  </xsl:variable>
  <html lang="{$language}">
    <head>
      <meta name="viewport" content="width=device-width, initial-scale=1"/>
      <title><xsl:value-of select="$title"/> (web feed)</title>
      <style>${STYLE}</style>
    </head>
    <body>
      <main>
        <p class="kicker">Web feed</p>
        <h1><xsl:value-of select="$title"/></h1>
        <xsl:if test="$description != ''"><p><xsl:value-of select="$description"/></p></xsl:if>
        <div class="how" id="subscribe">
          <p><strong>This is a web feed.</strong> Copy its URL into your feed reader to get every new article
            as it is published:</p>
          <code class="url"><xsl:value-of select="$self"/></code>
          <xsl:if test="$folder != ''">
            <p class="muted">The same feed as
              <a href="{$folder}rss.xml" type="application/rss+xml">RSS</a>,
              <a href="{$folder}atom.xml" type="application/atom+xml">Atom</a> or
              <a href="{$folder}feed.json" type="application/feed+json">JSON Feed</a>.
              <xsl:if test="$feeds != ''">
                <a href="{$feeds}index.html">Every feed</a> (or <a href="{$feeds}opml.xml" type="text/x-opml">all
                of them as OPML</a>).
              </xsl:if>
            </p>
          </xsl:if>
          <xsl:if test="starts-with($home, 'https://') or starts-with($home, 'http://')">
            <p class="muted">Website: <a href="{$home}"><xsl:value-of select="$home"/></a></p>
          </xsl:if>
        </div>
        <h2>Newest articles</h2>
        <xsl:choose>
          <xsl:when test="count($items) = 0"><p>No articles yet.</p></xsl:when>
          <xsl:otherwise><ol class="items"><xsl:apply-templates select="$items"/></ol></xsl:otherwise>
        </xsl:choose>
      </main>
    </body>
  </html>
</xsl:template>

<xsl:template match="item">
  <li>
    <h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
    <p class="meta">
      <time><xsl:value-of select="pubDate"/></time>
      <xsl:if test="dc:creator"> · <xsl:value-of select="dc:creator"/></xsl:if>
      <xsl:if test="source"> · <xsl:value-of select="source"/></xsl:if>
    </p>
    <xsl:if test="description != ''"><p><xsl:value-of select="description"/></p></xsl:if>
  </li>
</xsl:template>

<xsl:template match="atom:entry">
  <li>
    <h3><a href="{atom:link[@rel='alternate'][1]/@href}"><xsl:value-of select="atom:title"/></a></h3>
    <p class="meta">
      <time datetime="{atom:published}">
        <xsl:value-of select="concat(substring(atom:published, 1, 10), ' ', substring(atom:published, 12, 5), ' UTC')"/>
      </time>
      <xsl:if test="atom:author/atom:name"> · <xsl:value-of select="atom:author/atom:name"/></xsl:if>
      <xsl:if test="atom:source/atom:title"> · <xsl:value-of select="atom:source/atom:title"/></xsl:if>
    </p>
    <xsl:if test="atom:summary != ''"><p><xsl:value-of select="atom:summary"/></p></xsl:if>
  </li>
</xsl:template>
</xsl:stylesheet>
`;

/** The feeds' stylesheet (`feeds/feed.xsl`): a constant, so every regeneration gives the same bytes. */
export function renderFeedXsl(): string {
  return FEED_XSL;
}
