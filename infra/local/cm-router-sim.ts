/**
 * CM.com's Conversational Router, simulated from its public pages, not from Baton's client:
 *
 * - "TwoWay Format" (developers.cm.com/mobile-service-cloud/docs/twoway-format): the body of every
 *   TwoWay request, `chat` with required `id`, `accountId`, `channel`, `conversationClientId`,
 *   `conversationHostId`; messages with required `$type` and `direction`.
 * - "Custom Integration" (…/docs/integration): a product token on each request (`X-Cm-Producttoken`);
 *   the adapter's message webhook answers 201 Created.
 * - "Routing Control" (…/docs/control-routing): `POST …/accounts/{TechnicalLinkId}/chats/{ChatId}/
 *   routing/mutationrequests` with `{ChatId, Mutations: [{$type: "ruleMutation", action, operator,
 *   sourceAdapterId?, targetAdapterId?}], Context?}`.
 *
 * Two kinds of chat: those of Baton's own channels, where Baton is the client of its adapter and
 * opens the chat with its first TwoWay message; and chats of a channel on the router (CM.com's
 * WhatsApp), where Baton's adapter is the host: the router sends it the user's messages, and a
 * hand-over links the channel's adapter to MSC's instead, so the router carries the chat between
 * user and MSC without Baton.
 *
 * Every request that does not match is answered 400 (401 without a token), naming what is wrong.
 * What the pages leave open is chosen here and said in the README: the router's answers to Baton
 * (201 for TwoWay, 200 for a mutation) and the session-ended notice (a TwoWay event of `$type`
 * `RouterSessionEnded` to the adapter's event endpoint, whose URL carries the product token: that
 * endpoint has no header settings).
 */
import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { jsonResponse, type SimResponse } from './sim-response';

const nonEmpty = z.string().min(1);

/** "TwoWay Format": `chat`, required and optional fields as the page lists them. */
const chatSchema = z.object({
  id: nonEmpty,
  sessionId: z.string().optional(),
  accountId: nonEmpty,
  channel: nonEmpty,
  conversationClientId: nonEmpty,
  conversationHostId: nonEmpty,
  conversationClientName: z.string().optional(),
});

/** A message: `$type` and `direction` required; a text message carries `text`. */
const messageSchema = z.discriminatedUnion('$type', [
  z.object({
    $type: z.literal('text'),
    id: z.string().optional(),
    direction: z.enum(['ClientOriginated', 'ClientTerminated']),
    createdOn: z.iso.datetime().optional(),
    text: nonEmpty,
  }),
]);

const twoWaySchema = z.object({
  chat: chatSchema,
  conversationMessages: z.array(messageSchema).optional(),
  conversationEvents: z.array(z.object({ $type: nonEmpty, id: z.string().optional() })).optional(),
});

/** "Routing Control": the mutation request. */
const mutationRequestSchema = z.object({
  ChatId: nonEmpty,
  Mutations: z
    .array(
      z.object({
        $type: z.literal('ruleMutation'),
        action: z.enum(['Enable', 'Disable']),
        operator: z.enum(['And', 'Or']),
        sourceAdapterId: z.string().optional(),
        targetAdapterId: z.string().optional(),
      }),
    )
    .min(1),
  // "An object containing context-giving key-value pairs, used for skill-based routing."
  Context: z.record(z.string(), z.string()).optional(),
});

export interface RouterAccount {
  tenantId: string;
  accountId: string;
  productToken: string;
  /** Baton's client adapter on this account (its own channels), when it has one. */
  adapterId?: string | undefined;
  /** MSC's adapter, when the tenant's desk is MSC. */
  mscAdapterId?: string | undefined;
  /** Baton's host adapter and the channel adapter it hosts chats of, when the tenant has a channel on the router. */
  hosted?: { adapterId: string; channelAdapterId: string; channel: string; hostId: string } | undefined;
}

/** What the router knows of a chat, keyed by account and client. */
interface RouterChat {
  chat: z.infer<typeof chatSchema>;
  account: RouterAccount;
  /** Whether MSC has the chat: Baton's client adapter, or the hosted chat's channel adapter, linked to MSC's. */
  withMsc: boolean;
  /** A chat of the channel on the router: Baton hosts it until a hand-over links the channel to MSC. */
  hosted?: {
    /** Whether the channel adapter's link to Baton's host adapter is enabled (the default ruleset). */
    toBaton: boolean;
    /** What reached the user: Baton's ClientTerminated messages, then MSC's agent's. */
    toUser: string[];
    /** The user's messages the router carried to MSC. */
    toMsc: string[];
  };
}

const HOSTED_PREFIX = 'cm:';

/** How the router calls Baton's adapter endpoints: path, headers, body. */
export type CallAdapter = (
  path: string,
  headers: Record<string, string>,
  body: unknown,
) => Promise<SimResponse>;

const TWOWAY = /^\/sim\/msc\/conversational\/twoway\/v1\/accounts\/([^/]+)\/adapters\/([^/]+)$/;
const MUTATION =
  /^\/sim\/msc\/conversational\/control\/v1\/accounts\/([^/]+)\/chats\/([^/]+)\/routing\/mutationrequests$/;

export class RouterSimulator {
  private readonly chats = new Map<string, RouterChat>();
  private readonly byChatId = new Map<string, RouterChat>();

  constructor(
    private readonly accounts: readonly RouterAccount[],
    private readonly callAdapter: CallAdapter,
  ) {}

  /** Whether the tenant's desk is MSC behind this router. */
  serves(tenantId: string): boolean {
    return this.accounts.some(
      (account) => account.tenantId === tenantId && account.mscAdapterId !== undefined,
    );
  }

  /** Whether `path` is one of the router's APIs. */
  static handles(path: string): boolean {
    return TWOWAY.test(path) || MUTATION.test(path);
  }

  reset(): void {
    this.chats.clear();
    this.byChatId.clear();
  }

  /** A request to the router's APIs, checked against the documented shapes. */
  answer(path: string, headers: Record<string, string | string[] | undefined>, body: unknown): SimResponse {
    const twoWay = TWOWAY.exec(path);
    const mutation = MUTATION.exec(path);
    const accountId = decodeURIComponent((twoWay ?? mutation)?.[1] ?? '');
    const account = this.accounts.find((candidate) => candidate.accountId === accountId);
    if (!account) return jsonResponse(404, { message: `no technical link ${accountId}` });
    if (headers['x-cm-producttoken'] !== account.productToken)
      return jsonResponse(401, { message: 'X-Cm-Producttoken missing or wrong' });
    if (headers['content-type']?.toString().split(';')[0] !== 'application/json')
      return jsonResponse(400, { message: 'Content-Type must be application/json' });
    if (twoWay) return this.twoWay(account, decodeURIComponent(twoWay[2] ?? ''), body);
    return this.mutation(account, decodeURIComponent(mutation?.[2] ?? ''), body);
  }

  private twoWay(account: RouterAccount, adapterId: string, body: unknown): SimResponse {
    const hostSide = adapterId === account.hosted?.adapterId;
    if (!hostSide && adapterId !== account.adapterId)
      return jsonResponse(404, { message: `no adapter ${adapterId}` });
    const parsed = twoWaySchema.safeParse(body);
    if (!parsed.success) return invalid(parsed.error);
    const { chat, conversationMessages = [] } = parsed.data;
    if (chat.accountId !== account.accountId)
      return jsonResponse(400, { message: 'chat.accountId is not the account of the URL' });
    if (hostSide) return this.fromHost(account, chat, conversationMessages);
    // Into the router from the client side: only what the client sends.
    if (conversationMessages.some((message) => message.direction !== 'ClientOriginated'))
      return jsonResponse(400, { message: 'a client adapter sends ClientOriginated messages' });
    const known = this.remember(account, chat);
    return jsonResponse(201, { chat: { id: known.chat.id }, message: 'Message(s) accepted' });
  }

  /** The host's answer to the user of a hosted chat: ClientTerminated, on a chat the router routed to Baton. */
  private fromHost(
    account: RouterAccount,
    chat: z.infer<typeof chatSchema>,
    messages: ReadonlyArray<z.infer<typeof messageSchema>>,
  ): SimResponse {
    if (messages.some((message) => message.direction !== 'ClientTerminated'))
      return jsonResponse(400, { message: 'a host adapter sends ClientTerminated messages' });
    const known = this.byChatId.get(chat.id);
    if (!known?.hosted || known.account !== account)
      return jsonResponse(404, { message: `no chat ${chat.id}` });
    if (chat.conversationClientId !== known.chat.conversationClientId || chat.channel !== known.chat.channel)
      return jsonResponse(400, { message: 'chat does not match the chat the router sent' });
    // The pages do not say whether a host may still send once the channel is linked elsewhere: the
    // simulator refuses it, so Baton is not found relying on it.
    if (!known.hosted.toBaton)
      return jsonResponse(409, { message: "the chat's channel is not linked to this host adapter" });
    known.hosted.toUser.push(...messages.map((message) => message.text));
    return jsonResponse(201, { chat: { id: known.chat.id }, message: 'Message(s) accepted' });
  }

  private mutation(account: RouterAccount, chatId: string, body: unknown): SimResponse {
    const parsed = mutationRequestSchema.safeParse(body);
    if (!parsed.success) return invalid(parsed.error);
    if (parsed.data.ChatId !== chatId) return jsonResponse(400, { message: 'ChatId differs from the URL' });
    const known = this.byChatId.get(chatId);
    if (!known || known.account !== account) return jsonResponse(404, { message: `no chat ${chatId}` });
    const adaptersHere = [
      account.adapterId,
      account.mscAdapterId,
      account.hosted?.adapterId,
      account.hosted?.channelAdapterId,
    ];
    for (const rule of parsed.data.Mutations) {
      for (const adapter of [rule.sourceAdapterId, rule.targetAdapterId])
        if (adapter !== undefined && !adaptersHere.includes(adapter))
          return jsonResponse(400, { message: `no adapter ${adapter} on this account` });
      const enable = rule.action === 'Enable';
      const { hosted } = known;
      // Which links of this chat the rule names (And: both ends; Or: either).
      const names = (source: string | undefined, target: string | undefined) =>
        source !== undefined &&
        target !== undefined &&
        (rule.operator === 'And'
          ? rule.sourceAdapterId === source && rule.targetAdapterId === target
          : rule.sourceAdapterId === source || rule.targetAdapterId === target);
      if (hosted) {
        if (names(account.hosted?.channelAdapterId, account.mscAdapterId)) known.withMsc = enable;
        if (names(account.hosted?.channelAdapterId, account.hosted?.adapterId)) hosted.toBaton = enable;
      } else if (names(account.adapterId, account.mscAdapterId)) known.withMsc = enable;
    }
    return jsonResponse(200, {});
  }

  /**
   * The user of the channel on the router writes: the router sends it to Baton's host adapter (its
   * message webhook, with the product token as a header the adapter was set up with), or to MSC
   * once a hand-over linked the channel there.
   */
  async userWrites(tenantId: string, clientId: string, text: string): Promise<SimResponse> {
    const account = this.accounts.find((candidate) => candidate.tenantId === tenantId && candidate.hosted);
    if (!account?.hosted) return jsonResponse(404, { message: 'the tenant has no channel on the router' });
    const known = this.rememberHosted(account, account.hosted, clientId);
    const { hosted } = known;
    if (!hosted) throw new Error('a hosted chat without its state');
    if (known.withMsc) hosted.toMsc.push(text);
    if (!hosted.toBaton)
      return jsonResponse(201, { chat: { id: known.chat.id }, to: known.withMsc ? 'msc' : 'nobody' });
    return this.callAdapter(`/v1/${tenantId}/router/messages`, this.headers(account), {
      chat: known.chat,
      conversationMessages: [
        {
          $type: 'text',
          id: randomUUID(),
          direction: 'ClientOriginated',
          createdOn: new Date().toISOString(),
          text,
        },
      ],
    });
  }

  /** A hosted chat as the user and MSC see it. */
  hostedChat(tenantId: string, clientId: string): RouterChat | undefined {
    const account = this.accounts.find((candidate) => candidate.tenantId === tenantId && candidate.hosted);
    return account && this.chats.get(`${account.accountId}/${clientId}`);
  }

  private rememberHosted(
    account: RouterAccount,
    host: NonNullable<RouterAccount['hosted']>,
    clientId: string,
  ): RouterChat {
    const known = this.remember(account, {
      id: 'router-assigned',
      accountId: account.accountId,
      channel: host.channel,
      conversationClientId: clientId,
      conversationHostId: host.hostId,
    });
    known.hosted ??= { toBaton: true, toUser: [], toMsc: [] };
    return known;
  }

  /**
   * A chat is known from the client's first TwoWay message. Its id is the router's own, "a hash
   * created from the combination of client id, host id and channel" (which hash is not published:
   * here SHA-1, on purpose not Baton's), whatever id the client sent.
   */
  private remember(account: RouterAccount, chat: z.infer<typeof chatSchema>): RouterChat {
    const key = `${account.accountId}/${chat.conversationClientId}`;
    const existing = this.chats.get(key);
    if (existing) return existing;
    const hex = createHash('sha1')
      .update(`${chat.conversationClientId}|${chat.conversationHostId}|${chat.channel}`)
      .digest('hex');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
    const known: RouterChat = { chat: { ...chat, id }, account, withMsc: false };
    this.chats.set(key, known);
    this.byChatId.set(id, known);
    return known;
  }

  /** MSC's agent writes to the user: a ClientTerminated TwoWay message to Baton's message webhook. */
  async agentWrites(tenantId: string, conversationId: string, text: string): Promise<SimResponse> {
    const known = this.chatOf(tenantId, conversationId);
    if (!known) return jsonResponse(404, { message: 'the router has no chat for this conversation' });
    if (!known.withMsc) return jsonResponse(409, { message: 'the chat is not handed over to MSC' });
    // A hosted chat linked to MSC: the router carries the agent's message to the user itself.
    if (known.hosted) {
      known.hosted.toUser.push(text);
      return jsonResponse(201, { chat: { id: known.chat.id }, to: 'user' });
    }
    return this.callAdapter(`/v1/${tenantId}/twoway/messages`, this.headers(known.account), {
      chat: known.chat,
      conversationMessages: [
        {
          $type: 'text',
          id: randomUUID(),
          direction: 'ClientTerminated',
          createdOn: new Date().toISOString(),
          text,
        },
      ],
    });
  }

  /** MSC's agent closes the chat: the router's session-ended event to Baton's event endpoint. */
  async sessionEnds(tenantId: string, conversationId: string): Promise<SimResponse> {
    const known = this.chatOf(tenantId, conversationId);
    if (!known) return jsonResponse(404, { message: 'the router has no chat for this conversation' });
    known.withMsc = false;
    // A new session starts from the adapters' default ruleset: the channel's chats go to Baton again.
    if (known.hosted) known.hosted.toBaton = true;
    // The adapter's event endpoint has no header settings: its URL carries the token.
    const token = encodeURIComponent(known.account.productToken);
    return this.callAdapter(
      `/v1/${tenantId}/${known.hosted ? 'router' : 'twoway'}/events?token=${token}`,
      { 'content-type': 'application/json' },
      {
        chat: known.chat,
        conversationEvents: [
          { $type: 'RouterSessionEnded', id: randomUUID(), createdOn: new Date().toISOString() },
        ],
      },
    );
  }

  /** Baton's conversation of a chat the router knows: its client, or `cm:<chat id>` for a hosted chat. */
  conversationOf(chatId: string | undefined): string | undefined {
    const known = chatId === undefined ? undefined : this.byChatId.get(chatId);
    if (!known) return undefined;
    return known.hosted ? `${HOSTED_PREFIX}${known.chat.id}` : known.chat.conversationClientId;
  }

  /** The chat of a conversation, once Baton has told the router of it (a hand-over, a message), or a hosted one. */
  chatOf(tenantId: string, conversationId: string): RouterChat | undefined {
    if (conversationId.startsWith(HOSTED_PREFIX)) {
      const known = this.byChatId.get(conversationId.slice(HOSTED_PREFIX.length));
      return known?.account.tenantId === tenantId ? known : undefined;
    }
    const account = this.accounts.find((candidate) => candidate.tenantId === tenantId && candidate.adapterId);
    return account && this.chats.get(`${account.accountId}/${conversationId}`);
  }

  private headers(account: RouterAccount): Record<string, string> {
    return { 'x-cm-producttoken': account.productToken, 'content-type': 'application/json' };
  }
}

function invalid(error: z.ZodError): SimResponse {
  return jsonResponse(400, { message: z.prettifyError(error) });
}
