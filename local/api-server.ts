import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import { lambdaContext } from './lambda-context.ts';
import { serveUnencodedPaths } from './unencoded-path.ts';

/** A Lambda handler for HTTP API (payload format 2.0) events. */
export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

/** A Lambda authorizer of an HTTP API with simple responses (payload format 2.0). */
export type HttpAuthorizer = (
  event: APIGatewayRequestAuthorizerEventV2,
  context: Context,
) => Promise<{ isAuthorized: boolean; context?: Record<string, unknown> }>;

export type NodeHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** API Gateway refuses bodies over 10 MB itself, before any Lambda runs. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/([a-z0-9.+-]*\+)?(json|xml|x-www-form-urlencoded|javascript))/i;

interface CompiledRoute {
  key: string;
  method: string;
  pattern: RegExp;
  params: string[];
}

/**
 * Serves HTTP the way API Gateway's HTTP API does for a Lambda proxy integration: each request becomes a
 * payload-format-2.0 event with the matching route key and path parameters (`$default` when no route matches),
 * and the handler's structured result becomes the response.
 */
export class LocalHttpApi {
  private readonly routes: CompiledRoute[];
  /** Routes served by another function than the main one (another integration on the same API). */
  private readonly integrations = new Map<string, HttpHandler>();
  private readonly mounts: { prefix: string; handle: NodeHandler }[] = [];
  private server: Server | undefined;

  constructor(
    routeKeys: readonly string[],
    private readonly handler: HttpHandler,
    /** Runs before every declared route (not `$default`), as the API's authorizer does in AWS. */
    private readonly authorizer?: HttpAuthorizer,
  ) {
    this.routes = routeKeys.map(compile);
  }

  /** Serves these routes with another function, behind the same authorizer, as a second integration would. */
  integrate(routeKeys: readonly string[], handler: HttpHandler): this {
    for (const key of routeKeys) {
      this.routes.push(compile(key));
      this.integrations.set(key, handler);
    }
    return this;
  }

  /** Serves paths under `prefix` with another handler, as a second origin behind the same host would be. */
  mount(prefix: string, handle: NodeHandler): this {
    this.mounts.push({ prefix, handle });
    return this;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    const dispatch = (request: IncomingMessage, response: ServerResponse) => {
      const mounted = this.mounts.find((mount) => (request.url ?? '/').startsWith(mount.prefix));
      const serve = mounted ? mounted.handle(request, response) : this.serve(request, response);
      serve.catch((error: unknown) => {
        process.stderr.write(`local api: ${String(error)}\n`);
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end('{"message":"Internal Server Error"}');
      });
    };
    const server = createServer(dispatch);
    // A feed's URL typed in another script and sent as raw UTF-8 (curl does): served, not refused with 400.
    serveUnencodedPaths(server, dispatch);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const { port: bound } = server.address() as AddressInfo;
    return `http://${host}:${bound}`;
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > GATEWAY_MAX_BODY) {
        response.writeHead(413, { 'content-type': 'application/json' });
        response.end('{"message":"Request Entity Too Large"}');
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const event = this.toEvent(request, Buffer.concat(chunks));
    if (this.authorizer && event.routeKey !== '$default') {
      const verdict = await this.authorizer(authorizerEvent(event), lambdaContext('authorizer'));
      if (!verdict.isAuthorized) {
        response.writeHead(403, { 'content-type': 'application/json' });
        response.end('{"message":"Forbidden"}');
        return;
      }
      (event.requestContext as { authorizer?: unknown }).authorizer = { lambda: verdict.context ?? {} };
    }
    const integrated = this.integrations.get(event.routeKey);
    const context = lambdaContext(integrated ? 'preview' : 'articles', event.requestContext.requestId);
    const result = await (integrated ?? this.handler)(event, context);
    writeResult(response, result);
  }

  private toEvent(request: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    let routeKey = '$default';
    let pathParameters: Record<string, string> | undefined;
    for (const route of this.routes) {
      const match = route.method === method ? route.pattern.exec(url.pathname) : null;
      if (match) {
        routeKey = route.key;
        pathParameters = Object.fromEntries(
          route.params.map((name, i) => [name, decodePath(match[i + 1] ?? '')]),
        );
        break;
      }
    }
    const headers: Record<string, string> = {};
    const cookies: string[] = [];
    for (let i = 0; i < request.rawHeaders.length; i += 2) {
      const name = (request.rawHeaders[i] ?? '').toLowerCase();
      const value = request.rawHeaders[i + 1] ?? '';
      if (name === 'cookie') cookies.push(...value.split(/;\s*/));
      else headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    }
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams)
      query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
    const isText = body.length === 0 || TEXT_TYPES.test(headers['content-type'] ?? '');
    const now = new Date();
    const requestId = randomUUID();
    return {
      version: '2.0',
      routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(cookies.length ? { cookies } : {}),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(pathParameters ? { pathParameters } : {}),
      requestContext: {
        accountId: 'local',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${request.httpVersion}`,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(body.length ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
      isBase64Encoded: body.length > 0 && !isText,
    };
  }
}

/** The event API Gateway sends a REQUEST authorizer for a route (payload format 2.0, no identity source). */
function authorizerEvent(event: APIGatewayProxyEventV2): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${event.routeKey.replace(' ', '')}`,
    identitySource: [],
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    cookies: event.cookies ?? [],
    headers: event.headers,
    queryStringParameters: event.queryStringParameters ?? {},
    requestContext: event.requestContext,
    pathParameters: event.pathParameters ?? {},
    stageVariables: {},
  };
}

/** Decodes a path segment; a malformed escape is passed on as it came. */
function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function compile(key: string): CompiledRoute {
  const [method = '', path = ''] = key.split(' ');
  const params: string[] = [];
  const source = path
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\\?\{([^}]+)\\?\}/g, (_, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
  return { key, method, pattern: new RegExp(`^${source}$`), params };
}

function writeResult(response: ServerResponse, result: APIGatewayProxyResultV2): void {
  const structured: APIGatewayProxyStructuredResultV2 =
    typeof result === 'string'
      ? { statusCode: 200, body: result, headers: { 'content-type': 'application/json' } }
      : result;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name] = String(value);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  const body =
    structured.body === undefined
      ? undefined
      : Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8');
  if (body) headers['content-length'] = String(body.length);
  response.writeHead(structured.statusCode ?? 200, headers);
  response.end(body);
}
