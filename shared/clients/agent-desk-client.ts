/**
 * The agent desk's routing port (hand over, session ended): Mobile Service Cloud through CM.com's
 * routing control API, or a generic livechat webhook (Certainly-style). The user's messages go
 * through DeskMessages. Failures throw OutsideCallError; the caller decides.
 */
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import type { Conversation, Handover } from '../domain/conversation';
import * as deskCalls from './desk-calls';
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
  sessionEnded(tenant: TenantConfig, conversation: Conversation, reason: string): Promise<void>;
}

export function createAgentDeskClient(http: HttpCall, secrets: SecretResolver): AgentDeskClient {
  const mscCall = deskCalls.msc(http, secrets);
  const webhookCall = deskCalls.webhook(http);

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
