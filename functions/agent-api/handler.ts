/**
 * (API Gateway HTTP API) → agent-api: the agent desk's callbacks, behind the tenant's bearer token,
 * and the endpoints of the tenant's TwoWay adapter on CM.com's router, behind its product token.
 */

import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { TenantConfig } from '../../shared/config/tenants';
import { conversationIdSchema, externalIdSchema } from '../../shared/events/shapes';
import { header, json, parseJson, parseWith, rawBody } from '../../shared/http/api';
import { unauthorized } from '../../shared/http/errors';
import { routedHandler, tenantOf } from '../../shared/http/router';
import { sameSecret } from '../../shared/http/signature';
import type { CorePorts } from '../../shared/runtime/runtime';
import { boundedString } from '../../shared/validation/zod';
import { claim, postAgentMessage } from './agent-api';
import { type TwoWay, takeRouterEvents, takeRouterMessages, twoWaySchema } from './twoway';

type Event = APIGatewayProxyEventV2;

const pathSchema = z.object({ conversationId: conversationIdSchema });
/** `messageId` makes a desk's retry harmless: the same id is one message to the user. */
const agentMessageSchema = z.object({
  text: boundedString(1, 4096),
  messageId: z.optional(externalIdSchema()),
});
const endSchema = z.object({
  text: z.optional(boundedString(1, 1000)),
  messageId: z.optional(externalIdSchema()),
});

export function createHandler(rt: CorePorts) {
  const authorized = async (event: Event): Promise<TenantConfig> => {
    const tenant = tenantOf(rt.tenants, event);
    const token = await rt.secrets.resolve(tenant.agentApiToken);
    if (!sameSecret(header(event, 'authorization'), `Bearer ${token}`)) throw unauthorized();
    return tenant;
  };
  /**
   * CM.com's router: the tenant's product token on every request, as a header (the adapter's message
   * endpoint takes custom headers) or as `?token=` (its event endpoint takes none). A tenant whose
   * desk is not MSC has no router to hear from: 401, as for a wrong token.
   */
  const fromRouter = async (event: Event): Promise<{ tenant: TenantConfig; twoWay: TwoWay }> => {
    const tenant = tenantOf(rt.tenants, event);
    if (tenant.desk.type !== 'msc') throw unauthorized();
    const token = await rt.secrets.resolve(tenant.desk.productToken);
    const given = header(event, 'x-cm-producttoken') ?? event.queryStringParameters?.token;
    if (!sameSecret(given, token)) throw unauthorized();
    return { tenant, twoWay: parseJson(twoWaySchema, rawBody(event)) };
  };
  const conversationIdOf = (event: Event): string =>
    parseWith(pathSchema, event.pathParameters ?? {}, 'path').conversationId;

  return routedHandler(rt.logger, {
    // The adapter's message webhook: "must return 201 Created to indicate it has received the message".
    'POST /v1/{tenant}/twoway/messages': async (event) => {
      const { tenant, twoWay } = await fromRouter(event);
      return json(201, await takeRouterMessages(rt, tenant, twoWay));
    },
    // The adapter's event endpoint: the router's events about the chat (the session ended).
    'POST /v1/{tenant}/twoway/events': async (event) => {
      const { tenant, twoWay } = await fromRouter(event);
      await takeRouterEvents(rt, tenant, twoWay);
      return json(201, {});
    },
    'POST /v1/{tenant}/agent/conversations/{conversationId}/claim': async (event) => {
      const tenant = await authorized(event);
      return json(200, { status: await claim(rt, tenant, conversationIdOf(event)) });
    },
    'POST /v1/{tenant}/agent/conversations/{conversationId}/messages': async (event) => {
      const tenant = await authorized(event);
      const message = parseJson(agentMessageSchema, rawBody(event));
      await postAgentMessage(rt, tenant, conversationIdOf(event), { ...message, signOff: false });
      return json(202, { accepted: true });
    },
    'POST /v1/{tenant}/agent/conversations/{conversationId}/end': async (event) => {
      const tenant = await authorized(event);
      const body = rawBody(event);
      const end = body.trim() === '' ? {} : parseJson(endSchema, body);
      // As in CSML: the user gets the sign-off with a confirm button; the session ends on the confirm.
      await postAgentMessage(rt, tenant, conversationIdOf(event), {
        text: end.text ?? tenant.messages.signOff,
        messageId: end.messageId,
        signOff: true,
      });
      return json(202, { accepted: true });
    },
  });
}
