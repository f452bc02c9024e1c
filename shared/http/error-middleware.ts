/** Last middleware of every HTTP handler: HttpError → its status; anything else → logged 500, no details out. */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorFields, type Logger } from '../log/logger';
import { json } from './api';
import { HttpError } from './errors';

export function httpErrors(
  logger: Logger,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof HttpError) {
        logger.info('request rejected', { status: error.statusCode, code: error.code, field: error.field });
        request.response = json(error.statusCode, {
          error: error.code,
          message: error.message,
          field: error.field,
        });
        return;
      }
      logger.error('request failed', { route: request.event.routeKey, ...errorFields(error) });
      request.response = json(500, { error: 'internal', message: 'internal error, please retry' });
    },
  };
}
