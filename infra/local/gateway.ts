/** The local API Gateway: HTTP requests on the topology's routes → API Gateway v2 events → the real handler. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import type { ResponseSink } from '../../shared/http/response-sink';
import { FUNCTIONS, type RouteKey } from '../topology';
import type { Invoke } from './lambda-invoker';
import type { SimResponse } from './simulators';

interface CompiledRoute {
  routeKey: RouteKey;
  method: string;
  pattern: RegExp;
  params: string[];
  invoke: Invoke;
}

const resultSchema = z.object({
  statusCode: z.number().int(),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

/** A request whose function takes this long is reported (the local stack logs it). */
const SLOW_ROUTE_MS = 2_000;

export class LocalGateway {
  private readonly routes: CompiledRoute[];
  /** Function URLs in RESPONSE_STREAM mode: the handler writes to the response as it goes. */
  private readonly streamed: CompiledRoute[];

  /** `onSlow`: told of a request whose function took SLOW_ROUTE_MS or more. */
  constructor(
    functions: Map<string, Invoke>,
    private readonly onSlow?: (routeKey: RouteKey, ms: number) => void,
  ) {
    this.routes = FUNCTIONS.flatMap((fn) => {
      if (fn.trigger.kind !== 'http') return [];
      const invoke = functions.get(fn.name);
      if (!invoke) throw new Error(`no local function ${fn.name}`);
      return fn.trigger.routes.map((routeKey) => compile(routeKey, invoke));
    });
    this.streamed = FUNCTIONS.flatMap((fn) => {
      if (fn.trigger.kind !== 'url') return [];
      const invoke = functions.get(fn.name);
      if (!invoke) throw new Error(`no local function ${fn.name}`);
      return [compile(fn.trigger.route, invoke)];
    });
  }

  /** Serves a streamed route to `response`; false when none matches. */
  async stream(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean> {
    const route = this.streamed.find((candidate) => candidate.pattern.test(url.pathname));
    if (!route) return false;
    // A function URL has no routes: any method reaches the function, which answers (405 but GET).
    const event = toEvent(request, url, Buffer.alloc(0), '$default', {});
    const sink: ResponseSink = {
      start(statusCode, headers) {
        response.writeHead(statusCode, headers);
        return response;
      },
    };
    try {
      await route.invoke(event, sink);
    } catch (error) {
      // Failed before it answered: the server's 500. After: the body is cut, as Lambda cuts it.
      if (!response.headersSent) throw error;
      response.destroy(error instanceof Error ? error : undefined);
      return true;
    }
    // A handler that returned without starting an answer: a bug, made visible as a 502.
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
    if (!response.writableEnded) response.end();
    return true;
  }

  /** The response, or undefined when no route matches. */
  async handle(request: IncomingMessage, url: URL, rawBody: Buffer): Promise<SimResponse | undefined> {
    const method = request.method ?? 'GET';
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      const pathParameters = Object.fromEntries(
        route.params.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]),
      );
      const started = performance.now();
      const result = resultSchema.parse(
        await route.invoke(toEvent(request, url, rawBody, route.routeKey, pathParameters)),
      );
      const ms = Math.round(performance.now() - started);
      if (ms >= SLOW_ROUTE_MS) this.onSlow?.(route.routeKey, ms);
      const body = result.body ?? '';
      const contentType = result.headers?.['content-type'];
      return {
        status: result.statusCode,
        contentType: contentType === undefined ? 'application/json' : String(contentType),
        body: result.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body,
      };
    }
    return undefined;
  }
}

function compile(routeKey: RouteKey, invoke: Invoke): CompiledRoute {
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const params: string[] = [];
  const source = template
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\{(\w+)\}/g, (_match, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
  return { routeKey, method, pattern: new RegExp(`^${source}$`), params, invoke };
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  rawBody: Buffer,
  routeKey: RouteKey | '$default',
  pathParameters: Record<string, string>,
) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const now = Date.now();
  const isText = /json|text|x-www-form-urlencoded/.test(headers['content-type'] ?? 'application/json');
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters,
    body: rawBody.length ? (isText ? rawBody.toString('utf8') : rawBody.toString('base64')) : undefined,
    isBase64Encoded: rawBody.length > 0 && !isText,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
  };
}
