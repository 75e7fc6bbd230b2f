import { describe, expect, it } from 'vitest';
import { unencodedRequest } from '../../local/unencoded-path.ts';

const packet = (text: string) => Buffer.from(text, 'utf8');

describe('a request whose path was sent as raw UTF-8', () => {
  it('is read as Node reads any request: the path one character per byte, the headers as sent', () => {
    const parsed = unencodedRequest(
      packet('GET /feeds/tags/中国/rss.xml HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nAccept: */*\r\n\r\n'),
    );
    expect(parsed).toEqual({
      method: 'GET',
      url: Buffer.from('/feeds/tags/中国/rss.xml', 'utf8').toString('latin1'),
      httpVersion: '1.1',
      rawHeaders: ['Host', '127.0.0.1:3000', 'Accept', '*/*'],
    });
    expect(Buffer.from(parsed?.url ?? '', 'latin1').toString('utf8')).toBe('/feeds/tags/中国/rss.xml');
    expect(unencodedRequest(packet('HEAD /feeds/tags/한국/atom.xml HTTP/1.0\r\n\r\n'))?.method).toBe('HEAD');
  });

  it('is refused (left to the 400) when it has a body, is cut short, or has another fault', () => {
    for (const text of [
      'POST /feeds/tags/中国/rss.xml HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}',
      'GET /feeds/tags/中国/rss.xml HTTP/1.1\r\nHost: 127.0.0.1',
      'GET /feeds/tags/中 国/rss.xml HTTP/1.1\r\n\r\n',
      'GET /feeds/tags/china/rss.xml HTTP/1.1\r\n\r\n',
      'GET /feeds/tags/中国/rss.xml HTTP/2.0\r\n\r\n',
      'GET /feeds/tags/中国/rss.xml HTTP/1.1\r\nBad Header: x\r\n\r\n',
      'GET /feeds/tags/中国/rss.xml HTTP/1.1\r\nX-Ctl: a\u0001b\r\n\r\n',
      'GET feeds/tags/中国/rss.xml HTTP/1.1\r\n\r\n',
    ])
      expect(unencodedRequest(packet(text)), JSON.stringify(text)).toBeUndefined();
  });
});
