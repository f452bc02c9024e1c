/**
 * The agent desk's routing port (hand over, session ended): Mobile Service Cloud through the
 * routing control of CM.com's Conversational Router, or a generic livechat webhook (Certainly-style).
 * The user's messages go through DeskMessages. Failures throw OutsideCallError; the caller decides.
 */
import * as z from 'zod/mini';
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import type { Conversation, Handover } from '../domain/conversation';
import {
  type ChatSource,
  chatIdOf,
  hostedChatToMsc,
  type MscDesk,
  mscLink,
  mutate,
  OPENING_TEXT,
  sendAsHost,
  sendTwoWay,
  twoWayChatOf,
} from './cm-router';
import * as deskCalls from './desk-calls';
import { type DeskTranscriptEntry, transcriptText, webhookTranscript } from './desk-transcript';
import { type HttpCall, type HttpResponse, OutsideCallError } from './http';

const ignoreRefusal = (error: unknown): void => {
  if (!(error instanceof OutsideCallError) || error.retryable) throw error;
};

const answeredChatSchema = z.object({
  chat: z.object({ id: z.string().check(z.minLength(1), z.maxLength(200)) }),
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The chat id a TwoWay answer names, if any: the router's pages do not say it answers one; the live
 * router is reported to derive its own id and answer it.
 */
function chatIdAnswered(answer: HttpResponse): string | undefined {
  const named = answeredChatSchema.safeParse(safeJson(answer.text));
  return named.success ? named.data.chat.id : undefined;
}

export interface HandoverRequest {
  conversation: Conversation;
  handover: Handover;
  answers: Record<string, string>;
  /** Where Baton's agent API for this conversation lives (the generic desk claims and replies there). */
  agentApiUrl: string;
  /** The last messages between the user and the bot, oldest first (redacted, within the tenant's policy). */
  transcript: readonly DeskTranscriptEntry[];
}

/** `desk_unreachable`: the desk never answered the handover (timeouts), so it may hold the chat. */
export type WithdrawalReason = 'pickup_timeout' | 'desk_unreachable';

export interface AgentDeskClient {
  /** Asks the desk to take the conversation; the desk's own id of the chat, when it has one. */
  handOver(tenant: TenantConfig, request: HandoverRequest): Promise<{ deskChatId?: string }>;
  /**
   * The transcript for a desk that does not take it with the handover: MSC gets it as one text from
   * the customer's side once the chat is linked to it (the first thing its agent reads). A chat
   * hosted on CM.com's router needs none: the router carried the bot's part itself.
   */
  sendTranscript(
    tenant: TenantConfig,
    request: HandoverRequest,
    deskChatId: string | undefined,
  ): Promise<void>;
  sessionEnded(tenant: TenantConfig, conversation: Conversation, reason: string): Promise<void>;
  /**
   * The handover is off, though the desk may have taken it: a desk live on its claim did not claim
   * in time, or the desk never answered whether it took it. It must stop offering (or end) the chat.
   */
  handoverWithdrawn(
    tenant: TenantConfig,
    conversation: ChatSource,
    handoverId: string,
    reason: WithdrawalReason,
  ): Promise<void>;
  /**
   * What the channel reported of an agent's message. A webhook desk gets `{"event": "status"}`; MSC
   * is not told (CM.com's TwoWay pages captured here document no status message to send it).
   */
  deliveryStatus(
    tenant: TenantConfig,
    conversation: Conversation,
    report: {
      messageId: string;
      status: string;
      at: number;
      error?: { code: number; title: string } | undefined;
    },
  ): Promise<void>;
}

export function createAgentDeskClient(http: HttpCall, secrets: SecretResolver): AgentDeskClient {
  const router = { http, secrets };
  const webhookCall = deskCalls.webhook(http, secrets);

  /**
   * The chat back from MSC: a hosted chat's channel linked to Baton's adapter again, any other's
   * link to MSC disabled (the router has no documented end-of-chat call).
   */
  const handBack = (tenant: TenantConfig, desk: MscDesk, conversation: ChatSource): Promise<void> => {
    const hosted = conversation.channel;
    if (hosted.type !== 'router')
      return mutate(router, desk, chatIdOf(tenant, desk, conversation), [mscLink(desk, 'Disable')]);
    if (!tenant.router) throw new Error(`tenant ${tenant.id} has no router channel`);
    return mutate(router, tenant.router, hosted.chatId, hostedChatToMsc(tenant.router, desk, false));
  };

  return {
    async handOver(tenant, { conversation, handover, answers, agentApiUrl, transcript }) {
      const referrer = handover.additions.mscWebstore ?? handover.pageUrl;
      if (tenant.desk.type === 'msc') {
        // The context CM.com's own bot sends (customer info as one JSON string: context values are strings).
        const context = {
          RoutingKeywords: handover.additions.skill ?? '',
          // URL-based routing: the user's page when no web store was given.
          WebStoreReferrer: referrer ?? '',
          CustomerInfo: JSON.stringify(answers),
        };
        const hosted = conversation.channel;
        if (hosted.type === 'router') {
          // The chat already lives on the router: the hand-over moves its channel's link to MSC.
          if (!tenant.router) throw new Error(`tenant ${tenant.id} has no router channel`);
          // The user hears of the agent while the chat is still Baton's: the pages do not say whether
          // the host may still send once the channel is linked to MSC.
          await sendAsHost(router, tenant.router, hosted, [
            { id: `joined:${handover.id}`, text: tenant.messages.agentJoined },
          ]);
          await mutate(
            router,
            tenant.router,
            hosted.chatId,
            hostedChatToMsc(tenant.router, tenant.desk, true),
            context,
          );
          return { deskChatId: hosted.chatId };
        }
        // The router learns of a chat from the client's first TwoWay message: Baton opens it, then
        // asks for the hand-over on the chat id the router answered with (its own id when it has one).
        const chat = twoWayChatOf(tenant, tenant.desk, conversation);
        const opened = await sendTwoWay(router, tenant, {
          chat,
          conversationMessages: [
            {
              $type: 'text',
              id: `handover:${handover.id}`,
              direction: 'ClientOriginated',
              text: OPENING_TEXT,
            },
          ],
        });
        const deskChatId = chatIdAnswered(opened) ?? chat.id;
        // The documented hand-over: a mutation request enabling Baton's adapter → MSC's.
        await mutate(router, tenant.desk, deskChatId, [mscLink(tenant.desk, 'Enable')], context);
        return { deskChatId };
      }
      const [firstName = '', ...rest] = (answers.name ?? '').split(/\s+/).filter(Boolean);
      await webhookCall(tenant, {
        event: 'handover',
        attachedMedia: '',
        reply: '',
        botId: tenant.desk.botId,
        direction: 'out',
        extractedData: { ...answers, skill: handover.additions.skill ?? '', referrer: referrer ?? '' },
        firstName,
        lastName: rest.join(' '),
        sessionId: conversation.conversationId,
        customVariables: answers,
        from: tenant.id,
        to: conversation.conversationId,
        replyData: '',
        moduleId: '',
        botTrainedModelId: '',
        handoverId: handover.id,
        agentApi: agentApiUrl,
        ...webhookTranscript(transcript, tenant.desk.transcriptMaxBytes),
      });
      return {};
    },

    async sendTranscript(tenant, { conversation, handover, transcript }, deskChatId) {
      if (tenant.desk.type !== 'msc' || conversation.channel.type === 'router') return;
      const text = transcriptText(transcript, tenant.desk.transcriptMaxBytes);
      if (!text) return;
      const chat = twoWayChatOf(tenant, tenant.desk, { ...conversation, deskChatId });
      await sendTwoWay(router, tenant, {
        chat,
        conversationMessages: [
          { $type: 'text', id: `transcript:${handover.id}`, direction: 'ClientOriginated', text },
        ],
      });
    },

    async sessionEnded(tenant, conversation, reason) {
      if (tenant.desk.type === 'msc') {
        // A hosted chat is handed back even when the router ended the session: whether its next
        // session starts from the default links is not documented, and the user must reach Baton.
        // After the router's own end, a chat it refuses to change has nothing left to hand back.
        if (conversation.channel.type === 'router')
          return reason === 'agent'
            ? handBack(tenant, tenant.desk, conversation).catch(ignoreRefusal)
            : handBack(tenant, tenant.desk, conversation);
        // Ended by the router itself (its session-ended event): nothing to hand back.
        if (reason === 'agent') return;
        return handBack(tenant, tenant.desk, conversation);
      }
      return webhookCall(tenant, { event: 'session_ended', sessionId: conversation.conversationId, reason });
    },
    async deliveryStatus(tenant, conversation, report) {
      if (tenant.desk.type === 'msc') return;
      await webhookCall(tenant, {
        event: 'status',
        sessionId: conversation.conversationId,
        messageId: report.messageId,
        status: report.status,
        timestamp: new Date(report.at).toISOString(),
        ...(report.error ? { error: report.error } : {}),
      });
    },
    async handoverWithdrawn(tenant, conversation, handoverId, reason) {
      if (tenant.desk.type === 'msc') {
        // MSC's router takes a chat when the mutation goes through: undo one that may have.
        if (reason !== 'desk_unreachable') return;
        return handBack(tenant, tenant.desk, conversation);
      }
      await webhookCall(tenant, {
        event: 'handover_withdrawn',
        sessionId: conversation.conversationId,
        handoverId,
        reason,
      });
    },
  };
}
