/**
 * The user's messages during a live chat → the agent desk (TwoWay messages to the tenant's adapter
 * on CM.com's router, or the generic webhook). Apart from the routing calls (AgentDeskClient) so the conveyor bundles only this.
 * Failures throw OutsideCallError; the caller decides.
 */
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import type { Conversation } from '../domain/conversation';
import type { SentAttachment } from '../media/sent-attachment';
import { sendTwoWay, twoWayChatOf } from './cm-router';
import * as deskCalls from './desk-calls';
import { type HttpCall, OutsideCallError } from './http';

export interface DeskMessages {
  forwardUserMessage(
    tenant: TenantConfig,
    conversation: Conversation,
    /** `text`: what the user wrote, or the attachment described for a desk that takes text only. */
    message: { id: string; text: string; attachment?: SentAttachment | undefined },
  ): Promise<void>;
}

export function createDeskMessages(http: HttpCall, secrets: SecretResolver): DeskMessages {
  const router = { http, secrets };
  const webhookCall = deskCalls.webhook(http, secrets);
  return {
    async forwardUserMessage(tenant, conversation, message) {
      if (tenant.desk.type === 'msc') {
        // A router-hosted chat handed to MSC: the router carries the user's messages to MSC itself
        // and Baton has no adapter to send one on. One that reached Baton anyway (written while the
        // desk was asked) is refused for good: a dead letter an operator sees, not a silent drop.
        if (conversation.channel.type === 'router')
          throw new OutsideCallError(
            'msc',
            'status',
            'the router carries this chat to MSC; Baton cannot forward a message it received',
            409,
          );
        // The user's message into the tenant's TwoWay adapter, from the client side. An attachment
        // goes as its description: CM.com's TwoWay documentation we could read shows text only.
        await sendTwoWay(router, tenant, {
          chat: twoWayChatOf(tenant, tenant.desk, conversation),
          conversationMessages: [
            { $type: 'text', id: message.id, direction: 'ClientOriginated', text: message.text },
          ],
        });
        return;
      }
      return webhookCall(tenant, {
        event: 'message',
        interlocutor: 'user',
        sessionId: conversation.conversationId,
        messageId: message.id,
        message: message.text,
        ...(message.attachment ? { attachment: message.attachment } : {}),
      });
    },
  };
}
