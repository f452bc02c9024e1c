/**
 * CM.com's Conversational Router as its public pages describe it ("TwoWay Format", "Routing
 * Control" of the Mobile Service Cloud developer docs): TwoWay messages into the tenant's adapters,
 * and mutation requests that change a chat's routing. Baton is the client side of an adapter for its
 * own channels, and the host side of one for channels on the router.
 */
import { createHash } from 'node:crypto';
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import type { Conversation } from '../domain/conversation';
import type { HttpCall, HttpResponse } from './http';

export type MscDesk = Extract<TenantConfig['desk'], { type: 'msc' }>;
/** The tenant's channels on the router, Baton as their host. */
export type RouterChannel = NonNullable<TenantConfig['router']>;
/** What a call to one technical link on the router needs: the MSC desk's or the router channel's settings. */
type RouterEndpoint = Pick<MscDesk, 'apiUrl' | 'technicalLinkId' | 'productToken' | 'timeoutMs'>;

/** The `chat` of a TwoWay message: required `id`, `accountId`, `channel`, `conversationClientId`, `conversationHostId`. */
export interface TwoWayChat {
  id: string;
  accountId: string;
  channel: string;
  conversationClientId: string;
  conversationHostId: string;
}

/** A TwoWay text message; `ClientOriginated` from the user, `ClientTerminated` to the user. */
export interface TwoWayText {
  $type: 'text';
  id: string;
  direction: 'ClientOriginated' | 'ClientTerminated';
  text: string;
}

/** The router's name of the channel: "e.g. WhatsApp or CXWebConversations". */
export function routerChannelOf({ channel }: Pick<Conversation, 'channel'>): string {
  if (channel.type === 'router') return channel.channel;
  return channel.type === 'whatsapp' ? 'WhatsApp' : 'CXWebConversations';
}

/**
 * The chat id, "a hash created from the combination of client id, host id and channel": CM.com does
 * not publish which hash, so Baton takes SHA-256 and writes its first 128 bits as a GUID.
 */
export function routerChatId(clientId: string, hostId: string, channel: string): string {
  const hex = createHash('sha256').update(`${clientId}\n${hostId}\n${channel}`).digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join(
    '-',
  );
}

/** What the router's chat of a conversation is made from. */
export type ChatSource = Pick<Conversation, 'conversationId' | 'channel' | 'deskChatId'>;

/** The router's chat for a conversation: the client is the user (Baton's conversation id), the host the tenant. */
export function twoWayChatOf(tenant: TenantConfig, desk: MscDesk, conversation: ChatSource): TwoWayChat {
  const channel = routerChannelOf(conversation);
  const conversationHostId = desk.hostId ?? tenant.id;
  return {
    id: conversation.deskChatId ?? routerChatId(conversation.conversationId, conversationHostId, channel),
    accountId: desk.technicalLinkId,
    channel,
    conversationClientId: conversation.conversationId,
    conversationHostId,
  };
}

/** The chat id to use for a conversation: the one the router answered at the hand-over, else Baton's. */
export const chatIdOf = (tenant: TenantConfig, desk: MscDesk, conversation: ChatSource): string =>
  twoWayChatOf(tenant, desk, conversation).id;

/**
 * The client's first message of a chat, which opens it on the router. Only that the customer asked
 * for an agent: what the intake learned goes in the hand-over's CustomerInfo, to MSC alone (the
 * router routes this message by the adapter's rules before the hand-over links it to MSC).
 */
export const OPENING_TEXT = 'The customer asked for an agent.';

/** A link between two adapters, enabled (hand-over) or disabled (hand-back): a `ruleMutation`. */
export interface RuleMutation {
  $type: 'ruleMutation';
  action: 'Enable' | 'Disable';
  operator: 'And' | 'Or';
  sourceAdapterId: string;
  targetAdapterId: string;
}

const link = (
  action: RuleMutation['action'],
  sourceAdapterId: string,
  targetAdapterId: string,
): RuleMutation => ({
  $type: 'ruleMutation',
  action,
  operator: 'And',
  sourceAdapterId,
  targetAdapterId,
});

/** Baton's adapter → MSC's, as the hand-over enables it and the hand-back disables it. */
export const mscLink = (desk: MscDesk, action: RuleMutation['action']): RuleMutation =>
  link(action, desk.adapterId, desk.mscAdapterId);

/**
 * A router-hosted chat handed to MSC and back: the channel's adapter linked to MSC's instead of
 * Baton's (hand-over), or to Baton's again (hand-back). Until the hand-back the router carries the
 * chat between user and MSC, and Baton sees none of it.
 */
export const hostedChatToMsc = (router: RouterChannel, desk: MscDesk, toMsc: boolean): RuleMutation[] => [
  link(toMsc ? 'Disable' : 'Enable', router.channelAdapterId, router.adapterId),
  link(toMsc ? 'Enable' : 'Disable', router.channelAdapterId, desk.mscAdapterId),
];

export function mscDeskOf(tenant: TenantConfig): MscDesk {
  if (tenant.desk.type !== 'msc') throw new Error('not an MSC desk');
  return tenant.desk;
}

/** What a call to the router needs: HTTP and the tenant's product token. */
export interface RouterLink {
  http: HttpCall;
  secrets: SecretResolver;
}

async function post(
  link: RouterLink,
  endpoint: RouterEndpoint,
  url: string,
  body: unknown,
): Promise<HttpResponse> {
  return link.http({
    system: 'msc',
    method: 'POST',
    url,
    timeoutMs: endpoint.timeoutMs,
    headers: {
      'X-Cm-Producttoken': await link.secrets.resolve(endpoint.productToken),
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(body),
  });
}

// Both APIs live under the account: `/conversational/{twoway|control}/v1/accounts/{TechnicalLinkId}`.
const account = (endpoint: RouterEndpoint, api: 'twoway' | 'control') =>
  `${endpoint.apiUrl.replace(/\/+$/, '')}/conversational/${api}/v1/accounts/${encodeURIComponent(endpoint.technicalLinkId)}`;

/** POSTs TwoWay messages to the tenant's adapter (its outbound URL). */
export function sendTwoWay(
  link: RouterLink,
  tenant: TenantConfig,
  body: { chat: TwoWayChat; conversationMessages: TwoWayText[] },
): Promise<HttpResponse> {
  const desk = mscDeskOf(tenant);
  const url = desk.twoWayUrl ?? `${account(desk, 'twoway')}/adapters/${encodeURIComponent(desk.adapterId)}`;
  return post(link, desk, url, body);
}

/**
 * The user's side of a router-hosted chat: what Baton (as host) sends goes out as `ClientTerminated`
 * messages through the host adapter's outbound URL.
 */
export function sendAsHost(
  link: RouterLink,
  router: RouterChannel,
  chat: Extract<Conversation['channel'], { type: 'router' }>,
  messages: Array<{ id: string; text: string }>,
): Promise<HttpResponse> {
  const url =
    router.twoWayUrl ?? `${account(router, 'twoway')}/adapters/${encodeURIComponent(router.adapterId)}`;
  return post(link, router, url, {
    chat: {
      id: chat.chatId,
      accountId: router.technicalLinkId,
      channel: chat.channel,
      conversationClientId: chat.clientId,
      conversationHostId: chat.hostId,
    },
    conversationMessages: messages.map(
      ({ id, text }): TwoWayText => ({ $type: 'text', id, direction: 'ClientTerminated', text }),
    ),
  });
}

/** POSTs a mutation request for the chat: `{ChatId, Mutations, Context?}`, on the technical link it lives on. */
export async function mutate(
  link: RouterLink,
  endpoint: RouterEndpoint,
  chatId: string,
  mutations: RuleMutation[],
  context?: Record<string, string>,
): Promise<void> {
  const url = `${account(endpoint, 'control')}/chats/${encodeURIComponent(chatId)}/routing/mutationrequests`;
  await post(link, endpoint, url, {
    ChatId: chatId,
    Mutations: mutations,
    ...(context ? { Context: context } : {}),
  });
}
