/** The local API Gateway: HTTP requests on the topology's routes → API Gateway v2 events → the real handler. */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
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
  /** IAM-authorized in AWS: here a bearer token of `operators` in its place. */
  iam: boolean;
}

/**
 * The local stand-in for IAM on the operator's routes: each bearer token and the tenants its
 * holder may act for (`*`: all), as an IAM policy names the tenants in the routes' ARNs.
 */
export type OperatorTokens = ReadonlyMap<string, readonly string[] | '*'>;

/** What API Gateway puts in a request it authorized with IAM (payload 2.0), here for a local token. */
const iamCaller = (token: string) => ({
  iam: { userArn: `arn:local:operator/${createHash('sha256').update(token).digest('hex').slice(0, 8)}` },
});

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
    private readonly operators: OperatorTokens = new Map(),
  ) {
    this.routes = FUNCTIONS.flatMap((fn) => {
      const trigger = fn.trigger;
      if (trigger.kind !== 'http') return [];
      const invoke = functions.get(fn.name);
      if (!invoke) throw new Error(`no local function ${fn.name}`);
      return trigger.routes.map((routeKey) => compile(routeKey, invoke, trigger.authorization === 'iam'));
    });
    this.streamed = FUNCTIONS.flatMap((fn) => {
      if (fn.trigger.kind !== 'url') return [];
      const invoke = functions.get(fn.name);
      if (!invoke) throw new Error(`no local function ${fn.name}`);
      return [compile(fn.trigger.route, invoke, false)];
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
      const event = toEvent(request, url, rawBody, route.routeKey, pathParameters);
      if (route.iam) {
        const refused = this.refusal(event.headers.authorization, pathParameters.tenant);
        if (refused) return refused;
        Object.assign(event.requestContext, { authorizer: iamCaller(event.headers.authorization ?? '') });
      }
      const started = performance.now();
      const result = resultSchema.parse(await route.invoke(event));
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

  /** API Gateway's answers for a request IAM does not let through (its bodies, here for a token). */
  private refusal(authorization: string | undefined, tenant: string | undefined): SimResponse | undefined {
    const answer = (status: number, message: string): SimResponse => ({
      status,
      contentType: 'application/json',
      body: JSON.stringify({ message }),
    });
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (token === undefined) return answer(401, 'Unauthorized');
    const tenants = [...this.operators].find(([known]) => safeEqual(known, token))?.[1];
    if (tenants === undefined) return answer(403, 'Forbidden');
    if (tenants !== '*' && (tenant === undefined || !tenants.includes(tenant)))
      return answer(403, 'Forbidden');
    return undefined;
  }
}

const safeEqual = (a: string, b: string): boolean => {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};

function compile(routeKey: RouteKey, invoke: Invoke, iam: boolean): CompiledRoute {
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const params: string[] = [];
  const source = template
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\{(\w+)\}/g, (_match, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
  return { routeKey, method, pattern: new RegExp(`^${source}$`), params, invoke, iam };
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
