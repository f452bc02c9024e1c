/**
 * The agent desk port: Mobile Service Cloud through CM.com's routing control API, or a generic
 * livechat webhook (Certainly-style). Failures throw OutsideCallError; the caller decides.
 */
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import type { Conversation, Handover } from '../domain/conversation';
import type { HttpCall } from './http';

export interface HandoverRequest {
  conversation: Conversation;
  handover: Handover;
  answers: Record<string, string>;
  /** Where Baton's agent API for this conversation lives (the generic desk claims and replies there). */
  agentApiUrl: string;
}

export interface AgentDeskClient {
  handOver(tenant: TenantConfig, request: HandoverRequest): Promise<void>;
  forwardUserMessage(
    tenant: TenantConfig,
    conversation: Conversation,
    message: { id: string; text: string },
  ): Promise<void>;
  sessionEnded(tenant: TenantConfig, conversation: Conversation, reason: string): Promise<void>;
}

export function createAgentDeskClient(http: HttpCall, secrets: SecretResolver): AgentDeskClient {
  const mscCall = async (tenant: TenantConfig, conversationId: string, suffix: string, body: unknown) => {
    const desk = tenant.desk;
    if (desk.type !== 'msc') throw new Error('not an MSC desk');
    const base = desk.apiUrl.replace(/\/+$/, '');
    const chat = `${base}/conversational/control/v1/accounts/${encodeURIComponent(desk.technicalLinkId)}/chats/${encodeURIComponent(conversationId)}`;
    await http({
      system: 'msc',
      method: 'POST',
      url: `${chat}/${suffix}`,
      timeoutMs: desk.timeoutMs,
      headers: {
        'X-Cm-Producttoken': await secrets.resolve(desk.productToken),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(body),
    });
  };
  const webhookCall = async (tenant: TenantConfig, body: Record<string, unknown>) => {
    const desk = tenant.desk;
    if (desk.type !== 'webhook') throw new Error('not a webhook desk');
    await http({
      system: 'agent-webhook',
      method: 'POST',
      url: desk.url,
      timeoutMs: desk.timeoutMs,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  };

  return {
    async handOver(tenant, { conversation, handover, answers, agentApiUrl }) {
      const referrer = handover.additions.mscWebstore ?? handover.pageUrl;
      if (tenant.desk.type === 'msc') {
        return mscCall(tenant, conversation.conversationId, 'routing/mutationrequests', {
          chatId: conversation.conversationId,
          mutation: { type: 'handover', target: 'MSC' },
          Context: {
            Channel: handover.additions.mscChannel,
            RoutingKeywords: handover.additions.skill ?? '',
            // URL-based routing: the user's page when no web store was given.
            WebStoreReferrer: referrer ?? '',
            CustomerInfo: answers,
          },
        });
      }
      const [firstName = '', ...rest] = (answers.name ?? '').split(/\s+/).filter(Boolean);
      return webhookCall(tenant, {
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
      });
    },

    async forwardUserMessage(tenant, conversation, message) {
      if (tenant.desk.type === 'msc') {
        return mscCall(tenant, conversation.conversationId, 'messages', {
          chatId: conversation.conversationId,
          messageId: message.id,
          text: message.text,
        });
      }
      return webhookCall(tenant, {
        event: 'message',
        interlocutor: 'user',
        sessionId: conversation.conversationId,
        messageId: message.id,
        message: message.text,
      });
    },

    async sessionEnded(tenant, conversation, reason) {
      if (tenant.desk.type === 'msc') {
        return mscCall(tenant, conversation.conversationId, 'routing/mutationrequests', {
          chatId: conversation.conversationId,
          mutation: { type: 'release', target: 'bot' },
          Context: { Reason: reason },
        });
      }
      return webhookCall(tenant, { event: 'session_ended', sessionId: conversation.conversationId, reason });
    },
  };
}
