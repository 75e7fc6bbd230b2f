// launder 1.7.2's `naughtyHref` and the `cleanHref` it calls, unchanged, as the functions' bundles take them in
// place of the whole package (BUNDLE_REDIRECTS in infra/house-function.ts): sanitize-html requires launder for
// this one function, and the package's single CommonJS module, which esbuild cannot tree-shake, brings 4.4 KB of
// helpers nothing calls, and dayjs with them. tests/unit/launder-naughty-href.test.ts holds this copy to the
// package's own on arbitrary input, so a new launder version that changes them fails there.
//
// launder's licence (its LICENSE.md):
//
// Copyright (c) 2021 Apostrophe Technologies, Inc.
//
// Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:
//
// The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.
//
// THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

function cleanHref(href) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: launder's own expression, kept as it is.
  href = href.replace(/[\x00-\x20]+/g, '');
  while (true) {
    const firstIndex = href.indexOf('<!--');
    if (firstIndex === -1) {
      break;
    }
    const lastIndex = href.indexOf('-->', firstIndex + 4);
    if (lastIndex === -1) {
      break;
    }
    href = href.substring(0, firstIndex) + href.substring(lastIndex + 3);
  }
  return href;
}

function naughtyHref(href, options) {
  options = options || {};
  const allowedSchemes = options.allowedSchemes || ['http', 'https', 'ftp', 'mailto', 'tel', 'sms'];
  const allowProtocolRelative = options.allowProtocolRelative !== false;
  if (typeof href !== 'string') {
    return false;
  }
  href = cleanHref(href);
  const matches = href.match(/^([a-zA-Z][a-zA-Z0-9.\-+]*):/);
  if (!matches) {
    if (href.match(/^[/\\]{2}/)) {
      return !allowProtocolRelative;
    }
    return false;
  }
  const scheme = matches[1].toLowerCase();
  return allowedSchemes.indexOf(scheme) === -1;
}

module.exports = { naughtyHref };
