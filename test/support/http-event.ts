/** An API Gateway HTTP API (payload 2.0) event, as the gateway hands a request to a handler. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface HttpEventSpec {
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  /** Bytes are sent base64-encoded, as the gateway does with a body that is not text. */
  body?: string | Buffer | undefined;
  query?: Record<string, string>;
  /** The path as requested; the route key's path when left out. */
  rawPath?: string;
}

export function httpEvent(routeKey: string, spec: HttpEventSpec = {}): APIGatewayProxyEventV2 {
  const [method = 'POST', routePath = '/'] = routeKey.split(' ');
  const rawPath = spec.rawPath ?? routePath;
  const binary = Buffer.isBuffer(spec.body);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(spec.query ?? {}).toString(),
    headers: spec.headers ?? {},
    pathParameters: spec.pathParameters ?? {},
    ...(spec.query ? { queryStringParameters: spec.query } : {}),
    body: Buffer.isBuffer(spec.body) ? spec.body.toString('base64') : spec.body,
    isBase64Encoded: binary,
    requestContext: {
      accountId: '0',
      apiId: 'test',
      domainName: 'test',
      domainPrefix: 'test',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r',
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
  };
}
