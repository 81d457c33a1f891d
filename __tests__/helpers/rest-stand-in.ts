/**
 * A small local stand-in for the GitHub REST API, driven in tests by the real Octokit client
 * (`getOctokit(token, { baseUrl: standIn.url })`). Routes are a table of (method, path regex) →
 * handler, so each test file adds only the endpoints it needs (compare, artifacts, comments ...).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRequest {
  method: string;
  /** Path without the query string, e.g. `/repos/o/r/compare/a...b`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Raw request body (empty for GET). */
  body: Buffer;
  /** Capture groups of the route's regex (index 1 = first group). */
  params: string[];
}

export interface StandInResponse {
  status?: number;
  headers?: Record<string, string>;
  /** A Buffer or string is sent as is; anything else as JSON. */
  body?: unknown;
}

export type Handler = (req: StandInRequest) => StandInResponse | Promise<StandInResponse>;

export interface Route {
  method: string;
  path: RegExp;
  handler: Handler;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  authorization: string | undefined;
}

export interface RestStandIn {
  /** `http://127.0.0.1:PORT`, the Octokit `baseUrl`. */
  url: string;
  /** Every request in arrival order, with the status sent. */
  log: LoggedRequest[];
  /** Adds a route; later routes are tried after earlier ones. */
  route(method: string, path: RegExp, handler: Handler): void;
  close(): Promise<void>;
}

/** A JSON response (the default content type of the GitHub API). */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): StandInResponse {
  return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}

/** A GitHub-shaped error body (`{ message, documentation_url }`). */
export function apiError(status: number, message: string): StandInResponse {
  return json({ message, documentation_url: 'https://docs.github.com/rest' }, status);
}

/** The request body parsed as JSON (undefined when empty); throws on invalid JSON, which the stand-in answers with a 500. */
export function jsonBody<T = unknown>(req: StandInRequest): T | undefined {
  if (req.body.length === 0) return undefined;
  return JSON.parse(req.body.toString('utf8')) as T;
}

/** A `Link` header value as GitHub writes it, for paginated responses. */
export function linkHeader(links: Record<string, string>): string {
  return Object.entries(links)
    .map(([rel, url]) => `<${url}>; rel="${rel}"`)
    .join(', ');
}

export async function startRestStandIn(routes: Route[] = []): Promise<RestStandIn> {
  const table: Route[] = [...routes];
  const log: LoggedRequest[] = [];

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void respond(req, Buffer.concat(chunks), res);
    });
  });

  async function respond(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    let out: StandInResponse = apiError(404, `Not Found (no stand-in route for ${method} ${url.pathname})`);
    for (const r of table) {
      if (r.method.toUpperCase() !== method) continue;
      const m = r.path.exec(url.pathname);
      if (!m) continue;
      try {
        out = await r.handler({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body, params: [...m] });
      } catch (e) {
        out = apiError(500, `stand-in handler failed: ${(e as Error).message}`);
      }
      break;
    }
    const status = out.status ?? 200;
    log.push({ method, path: url.pathname, query: url.search, status, authorization: req.headers.authorization });
    let payload: Buffer | string = '';
    const headers: Record<string, string> = { ...(out.headers ?? {}) };
    if (out.body === undefined || out.body === null) payload = '';
    else if (Buffer.isBuffer(out.body) || typeof out.body === 'string') payload = out.body;
    else {
      payload = JSON.stringify(out.body);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    res.writeHead(status, headers);
    res.end(payload);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    route(method, path, handler) {
      table.push({ method, path, handler });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
