import { IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** A request line whose path holds bytes outside ASCII but nothing else a URL may not: `GET /feeds/tags/中国/rss.xml HTTP/1.1`. */
const REQUEST_LINE = /^(GET|HEAD|OPTIONS) (\/[\x21-\x7e\x80-\xff]*) HTTP\/(1\.[01])$/;
const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

export interface UnencodedRequest {
  method: string;
  /** The path as Node hands a request's URL over: one character per byte (latin1). */
  url: string;
  httpVersion: string;
  rawHeaders: string[];
}

/**
 * The request in the bytes a client sent, when its only fault is a path sent as raw UTF-8 (as `curl` sends
 * `http://host/feeds/tags/中国/rss.xml`) and the whole header block arrived: a GET, HEAD or OPTIONS, which has no
 * body. Anything else is undefined, and is answered 400 as before.
 */
export function unencodedRequest(packet: Buffer): UnencodedRequest | undefined {
  const end = packet.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [line = '', ...fields] = packet.subarray(0, end).toString('latin1').split('\r\n');
  const match = REQUEST_LINE.exec(line);
  if (!match || !/[\x80-\xff]/.test(match[2] ?? '')) return undefined;
  const rawHeaders: string[] = [];
  for (const field of fields) {
    const header = HEADER.exec(field);
    if (!header || CONTROL.test(header[2] ?? '')) return undefined;
    rawHeaders.push(header[1] ?? '', header[2] ?? '');
  }
  return { method: match[1] ?? 'GET', url: match[2] ?? '/', httpVersion: match[3] ?? '1.1', rawHeaders };
}

/**
 * Node's HTTP parser refuses a request whose path holds raw bytes outside ASCII (400, `HPE_INVALID_URL`), even with
 * its lenient parser, though clients such as curl send a URL typed in another script that way, and CloudFront reads
 * them. This answers such a request with `dispatch` once, its path percent-encoded, and closes the connection; any
 * other malformed request still gets Node's 400.
 */
export function serveUnencodedPaths(
  server: Server,
  dispatch: (request: IncomingMessage, response: ServerResponse) => void,
): void {
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    const parsed =
      error.code === 'HPE_INVALID_URL' && error.rawPacket && socket.writable
        ? unencodedRequest(error.rawPacket)
        : undefined;
    if (!parsed) {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy(error);
      return;
    }
    const request = new IncomingMessage(socket as never);
    request.method = parsed.method;
    // Handed on percent-encoded (UTF-8), as a client that encodes its URLs sends it and CloudFront forwards it to
    // S3: whatever serves it then reads one form of a path only.
    request.url = parsed.url.replace(
      /[\x80-\xff]/g,
      (byte) => `%${byte.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
    );
    request.httpVersion = parsed.httpVersion;
    request.httpVersionMajor = 1;
    request.httpVersionMinor = Number(parsed.httpVersion.slice(2));
    request.rawHeaders = parsed.rawHeaders;
    const headers: Record<string, string> = {};
    for (let i = 0; i < parsed.rawHeaders.length; i += 2) {
      const name = (parsed.rawHeaders[i] ?? '').toLowerCase();
      const value = parsed.rawHeaders[i + 1] ?? '';
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    request.headers = headers;
    request.complete = true;
    request.push(null);
    const response = new ServerResponse(request);
    response.shouldKeepAlive = false;
    response.assignSocket(socket as never);
    response.on('finish', () => {
      response.detachSocket(socket as never);
      socket.end();
    });
    dispatch(request, response);
  });
}
