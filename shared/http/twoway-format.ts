/**
 * What CM.com's Conversational Router POSTs to an adapter's endpoints ("TwoWay Format",
 * developers.cm.com/mobile-service-cloud/docs/twoway-format), and how Baton knows it is the router:
 * the product token, as a header (the message endpoint takes custom headers) or as `?token=` (the
 * event endpoint takes none). Baton has two kinds of adapter: the client side of one for its own
 * channels (agent-api's `/twoway/…`) and the host side of one for channels on the router (`/router/…`).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { SecretRef, SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import { conversationIdSchema, externalIdSchema } from '../events/shapes';
import { boundedString, nonEmptyString } from '../validation/zod';
import { header } from './api';
import { badRequest, unauthorized } from './errors';
import { sameSecret } from './signature';

const listOf = <T extends z.core.SomeType>(item: T) => z._default(z.array(item).check(z.maxLength(50)), []);

/** The chat's required fields, messages with required `$type` and `direction`, and events. */
export const twoWaySchema = z.object({
  chat: z.object({
    id: boundedString(1, 100),
    accountId: nonEmptyString(),
    channel: boundedString(1, 100),
    conversationClientId: boundedString(1, 200),
    conversationHostId: boundedString(1, 200),
  }),
  conversationMessages: listOf(
    z.object({
      $type: boundedString(1, 100),
      id: z.optional(externalIdSchema()),
      direction: z.enum(['ClientOriginated', 'ClientTerminated']),
      createdOn: z.optional(boundedString(1, 40)),
      text: z.optional(boundedString(1, 4096)),
    }),
  ),
  conversationEvents: listOf(
    z.object({
      $type: boundedString(1, 100),
      id: z.optional(externalIdSchema()),
      createdOn: z.optional(boundedString(1, 40)),
    }),
  ),
});
export type TwoWay = z.infer<typeof twoWaySchema>;

/** The router's event that a chat's session ended (its name as the router is reported to send it). */
export const SESSION_ENDED_EVENT = 'RouterSessionEnded';

/** Throws 401 unless the request carries the product token. */
export async function checkRouterToken(
  secrets: SecretResolver,
  expected: SecretRef,
  event: APIGatewayProxyEventV2,
): Promise<void> {
  const given = header(event, 'x-cm-producttoken') ?? event.queryStringParameters?.token;
  if (!sameSecret(given, await secrets.resolve(expected))) throw unauthorized();
}

function sameAccount(twoWay: TwoWay, technicalLinkId: string): void {
  if (twoWay.chat.accountId !== technicalLinkId)
    throw badRequest('chat.accountId', 'chat.accountId: not the technical link of this tenant');
}

/** Baton is the client of the chat: its conversation id is the chat's client id. */
export function clientSideConversationId(technicalLinkId: string, twoWay: TwoWay): string {
  sameAccount(twoWay, technicalLinkId);
  const id = conversationIdSchema.safeParse(twoWay.chat.conversationClientId);
  if (!id.success)
    throw badRequest('chat.conversationClientId', 'chat.conversationClientId: no Baton conversation');
  return id.data;
}

/** Baton hosts the chat: its conversation is named after the router's chat id, never the user's number. */
export function hostedConversationId(router: NonNullable<TenantConfig['router']>, twoWay: TwoWay): string {
  sameAccount(twoWay, router.technicalLinkId);
  const id = conversationIdSchema.safeParse(`cm:${twoWay.chat.id}`);
  if (!id.success) throw badRequest('chat.id', 'chat.id: letters, digits and _ : . - only');
  return id.data;
}
