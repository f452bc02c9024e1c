/** (API Gateway HTTP API) → agent-api: the agent desk's callbacks, behind the tenant's bearer token. */

import { timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { TenantConfig } from '../../shared/config/tenants';
import { conversationIdSchema, externalIdSchema } from '../../shared/events/shapes';
import { header, json, parseJson, parseWith, rawBody } from '../../shared/http/api';
import { unauthorized } from '../../shared/http/errors';
import { routedHandler, tenantOf } from '../../shared/http/router';
import type { CorePorts } from '../../shared/runtime/runtime';
import { boundedString } from '../../shared/validation/zod';
import { claim, postAgentMessage } from './agent-api';

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
    const expected = Buffer.from(`Bearer ${await rt.secrets.resolve(tenant.agentApiToken)}`);
    const given = Buffer.from(header(event, 'authorization') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized();
    return tenant;
  };
  const conversationIdOf = (event: Event): string =>
    parseWith(pathSchema, event.pathParameters ?? {}, 'path').conversationId;

  return routedHandler(rt.logger, {
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
