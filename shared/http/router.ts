/** One HTTP Lambda serving several routes: dispatch by API Gateway's route key, errors mapped last. */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { TENANT_ID_PATTERN, type TenantConfig, type TenantDirectory } from '../config/tenants';
import type { Logger } from '../log/logger';
import { httpErrors } from './error-middleware';
import { notFound } from './errors';

export type RouteHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export function routedHandler(logger: Logger, routes: Record<string, RouteHandler>) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrors(logger))
    .handler(async (event) => {
      const route = routes[event.routeKey];
      if (!route) throw notFound(`no route ${event.routeKey}`);
      return route(event);
    });
}

/** The tenant named by the `{tenant}` path parameter; 404 for anything not configured. */
export function tenantOf(tenants: TenantDirectory, event: APIGatewayProxyEventV2): TenantConfig {
  const tenantId = event.pathParameters?.tenant ?? '';
  const tenant = TENANT_ID_PATTERN.test(tenantId) ? tenants.get(tenantId) : undefined;
  if (!tenant) throw notFound('unknown tenant');
  return tenant;
}
