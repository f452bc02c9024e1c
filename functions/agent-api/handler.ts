/**
 * (API Gateway HTTP API) → agent-api: the agent desk's callbacks, behind the tenant's bearer token,
 * and the endpoints of the tenant's TwoWay adapter on CM.com's router, behind its product token.
 */

import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { TenantConfig } from '../../shared/config/tenants';
import { hasContent, richChecks, richFields } from '../../shared/events/rich-content';
import { conversationIdSchema, externalIdSchema } from '../../shared/events/shapes';
import { header, json, parseJson, parseWith, rawBody } from '../../shared/http/api';
import { unauthorized } from '../../shared/http/errors';
import { routedHandler, tenantOf } from '../../shared/http/router';
import {
  checkRouterToken,
  clientSideConversationId,
  hostedConversationId,
  twoWaySchema,
} from '../../shared/http/twoway-format';
import type { CorePorts } from '../../shared/runtime/runtime';
import type { Scoped } from '../../shared/runtime/tenant-scope';
import { boundedString, intBetween, stringRecord } from '../../shared/validation/zod';
import { claim, postAgentMessage, reportQueuePosition, transfer } from './agent-api';
import { type DeskCaller, deskOfBearer } from './desk-token';
import { takeRouterEvents, takeRouterMessages } from './twoway';

type Event = APIGatewayProxyEventV2;

const pathSchema = z.object({ conversationId: conversationIdSchema });
/** `messageId` makes a desk's retry harmless: the same id is one message to the user. */
const agentMessageSchema = z
  .object({
    text: z.optional(boundedString(1, 4096)),
    messageId: z.optional(externalIdSchema()),
    ...richFields,
  })
  .check(
    z.refine((message) => hasContent(message), 'text or media'),
    ...richChecks<{ text?: string | undefined; buttons?: unknown; list?: unknown }>(),
  );
/** `summary` and `variables` are handed to the bot with the session's end, so it resumes with context. */
/** The user's place in the desk's queue: 1 is next. */
const queueSchema = z.object({ position: intBetween(1, 100_000) });
/** The skill the chat goes to: `skillRouting` names its desk (the default desk for any other). */
const transferSchema = z.object({ skill: boundedString(1, 100) });
const endSchema = z.object({
  text: z.optional(boundedString(1, 1000)),
  messageId: z.optional(externalIdSchema()),
  summary: z.optional(boundedString(1, 2000)),
  variables: z.optional(
    stringRecord(boundedString(0, 1000)).check(
      z.refine((variables) => Object.keys(variables).length <= 50, 'at most 50 variables'),
      z.refine(
        (variables) => Object.keys(variables).every((name) => /^[A-Za-z_][\w.-]{0,63}$/.test(name)),
        'variable names: a letter or _, then letters, digits, _, . or -, at most 64',
      ),
    ),
  ),
});

export function createHandler(rt: Scoped<CorePorts>) {
  /** The tenant, which of its desks the bearer token is, and the ports acting for that tenant. */
  const authorized = async (event: Event): Promise<[TenantConfig, DeskCaller, CorePorts]> => {
    const tenant = tenantOf(rt.tenants, event);
    const ports = await rt.forTenant(tenant.id);
    const caller = await deskOfBearer(ports.secrets, tenant, header(event, 'authorization'));
    if (!caller) throw unauthorized('missing or invalid bearer token');
    return [tenant, caller, ports];
  };
  /**
   * CM.com's router, at the adapter whose client Baton is (its own channels, MSC's desk): the
   * desk's product token. A tenant whose desk is not MSC has no such adapter: 401, as for a wrong token.
   */
  const fromClientAdapter = async (event: Event) => {
    const tenant = tenantOf(rt.tenants, event);
    if (tenant.desk.type !== 'msc') throw unauthorized();
    const ports = await rt.forTenant(tenant.id);
    await checkRouterToken(ports.secrets, tenant.desk.productToken, event);
    const twoWay = parseJson(twoWaySchema, rawBody(event));
    return {
      tenant,
      ports,
      twoWay,
      conversationId: clientSideConversationId(tenant.desk.technicalLinkId, twoWay),
    };
  };
  const conversationIdOf = (event: Event): string =>
    parseWith(pathSchema, event.pathParameters ?? {}, 'path').conversationId;

  return routedHandler(rt.logger, {
    // The adapter's message webhook: "must return 201 Created to indicate it has received the message".
    'POST /v1/{tenant}/twoway/messages': async (event) => {
      const { tenant, ports, twoWay, conversationId } = await fromClientAdapter(event);
      return json(201, await takeRouterMessages(ports, tenant, conversationId, twoWay));
    },
    // The adapter's event endpoint: the router's events about the chat (the session ended).
    'POST /v1/{tenant}/twoway/events': async (event) => {
      const { tenant, ports, twoWay, conversationId } = await fromClientAdapter(event);
      await takeRouterEvents(ports, tenant.id, conversationId, twoWay.conversationEvents);
      return json(201, {});
    },
    // The event endpoint of the adapter Baton hosts (channels on the router): the session ended.
    'POST /v1/{tenant}/router/events': async (event) => {
      const tenant = tenantOf(rt.tenants, event);
      if (!tenant.router) throw unauthorized();
      const ports = await rt.forTenant(tenant.id);
      await checkRouterToken(ports.secrets, tenant.router.productToken, event);
      const twoWay = parseJson(twoWaySchema, rawBody(event));
      await takeRouterEvents(
        ports,
        tenant.id,
        hostedConversationId(tenant.router, twoWay),
        twoWay.conversationEvents,
      );
      return json(201, {});
    },
    'POST /v1/{tenant}/agent/conversations/{conversationId}/claim': async (event) => {
      const [tenant, caller, ports] = await authorized(event);
      return json(200, { status: await claim(ports, tenant, caller, conversationIdOf(event)) });
    },
    'POST /v1/{tenant}/agent/conversations/{conversationId}/queue': async (event) => {
      const [tenant, caller, ports] = await authorized(event);
      const { position } = parseJson(queueSchema, rawBody(event));
      await reportQueuePosition(ports, tenant, caller, conversationIdOf(event), position);
      return json(202, { accepted: true });
    },
    'POST /v1/{tenant}/agent/conversations/{conversationId}/transfer': async (event) => {
      const [tenant, caller, ports] = await authorized(event);
      const { skill } = parseJson(transferSchema, rawBody(event));
      return json(202, { handoverId: await transfer(ports, tenant, caller, conversationIdOf(event), skill) });
    },
    'POST /v1/{tenant}/agent/conversations/{conversationId}/messages': async (event) => {
      const [tenant, caller, ports] = await authorized(event);
      const { text, messageId, media, buttons, list } = parseJson(agentMessageSchema, rawBody(event));
      await postAgentMessage(ports, tenant, caller, conversationIdOf(event), {
        text: text ?? '',
        messageId,
        signOff: false,
        rich: { media, buttons, list },
      });
      return json(202, { accepted: true });
    },
    'POST /v1/{tenant}/agent/conversations/{conversationId}/end': async (event) => {
      const [tenant, caller, ports] = await authorized(event);
      const body = rawBody(event);
      const end = body.trim() === '' ? {} : parseJson(endSchema, body);
      // As in CSML: the user gets the sign-off with a confirm button; the session ends on the confirm.
      await postAgentMessage(ports, tenant, caller, conversationIdOf(event), {
        text: end.text ?? tenant.messages.signOff,
        messageId: end.messageId,
        signOff: true,
        release:
          end.summary || end.variables ? { summary: end.summary, variables: end.variables } : undefined,
      });
      return json(202, { accepted: true });
    },
  });
}
