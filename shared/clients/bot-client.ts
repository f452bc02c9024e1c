/**
 * The bot port. Baton POSTs each user message (signed with the bot secret) and takes the answers
 * of the reply; a bot that answers later replies `{"answers": []}` and pushes to `/answers`.
 */
import * as z from 'zod/mini';
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import type { AgentStatus, ChannelRef } from '../domain/conversation';
import { richChecks } from '../events/rich-content';
import { type BotAnswer, botAnswerFields, type UserMessage } from '../events/shapes';
import { signatureHeaders } from '../http/signature';
import type { SentAttachment } from '../media/sent-attachment';
import { type HttpCall, OutsideCallError, parseJsonBody } from './http';

/** Answers travel in the item's outbox when they cannot be sent at once: bounded, like each answer. */
const botReplySchema = z.object({
  answers: z._default(
    z
      .array(
        z
          .object(botAnswerFields)
          .check(...richChecks<{ text?: string | undefined; buttons?: unknown; list?: unknown }>()),
      )
      .check(z.maxLength(20)),
    [],
  ),
});

export interface BotRequest {
  conversationId: string;
  channel: ChannelRef['type'];
  message: UserMessage;
  /** The message's attachment as the bot gets it (with a media link unless `bot.mediaLinks` is false). */
  attachment?: SentAttachment | undefined;
  /** The context variable `agentStatus` of the last presence check, as CM.com's flow sets it. */
  agentStatus?: AgentStatus | undefined;
  /** An event for the bot instead of a user message (the prechat event); `message` carries only its id. */
  event?: string | undefined;
}

export interface BotClient {
  ask(tenant: TenantConfig, request: BotRequest): Promise<BotAnswer[]>;
}

export function createBotClient(http: HttpCall, secrets: SecretResolver): BotClient {
  return {
    async ask(tenant, request) {
      const body = JSON.stringify({
        tenantId: tenant.id,
        conversationId: request.conversationId,
        channel: request.channel,
        messageId: request.message.id,
        text: request.message.text,
        payload: request.message.payload,
        attachment: request.attachment,
        unsupportedType: request.message.unsupportedType,
        event: request.event,
        ...(request.agentStatus ? { context: { agentStatus: request.agentStatus } } : {}),
      });
      const response = await http({
        system: 'bot',
        method: 'POST',
        url: tenant.bot.url,
        timeoutMs: tenant.bot.timeoutMs,
        headers: {
          'content-type': 'application/json',
          ...signatureHeaders(await secrets.resolve(tenant.bot.signingSecret), body),
        },
        body,
      });
      const reply = botReplySchema.safeParse(parseJsonBody('bot', response.text));
      if (!reply.success)
        throw new OutsideCallError('bot', 'invalid-response', 'answered with an unexpected shape');
      // Answer ids derive from the message id, so a redelivered message yields the same answer ids.
      return reply.data.answers.map((answer, index) => ({ ...answer, id: `${request.message.id}:${index}` }));
    },
  };
}
