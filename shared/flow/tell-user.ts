/** Sends one message to the user, once per key: a redelivered event does not send it twice. */

import { OutsideCallError } from '../clients/http';
import type { OutgoingMessage, UserAddress } from '../clients/outgoing-message';
import type { TenantConfig } from '../config/tenants';
import type { Conversation } from '../domain/conversation';
import { LIVECHAT_SESSION_END } from '../domain/livechat-payloads';
import { windowClosed } from '../domain/service-window';
import { hasContent, type RichContent } from '../events/rich-content';
import type { BotAnswer } from '../events/shapes';
import { conversationRef } from '../log/logger';
import type { Runtime } from '../runtime/runtime';
import { oncePerEvent } from './once';

type Ports = Pick<Runtime, 'clock' | 'idempotency' | 'channels' | 'logger' | 'metrics'>;

export async function tellUser(
  ports: Ports,
  conversation: UserAddress,
  key: string,
  message: OutgoingMessage,
): Promise<void> {
  const { tenantId, conversationId } = conversation;
  await oncePerEvent(
    ports,
    { tenantId, conversationId, scope: 'tell-user', key },
    // Done with when refused for good, as far as retries go: the key is kept, so a redelivery does not ask again.
    () => sendToUser(ports, conversation, message),
    // Longer than any function that sends may run (60 s): a live send is never taken for an abandoned one.
    90,
  );
}

/** Sends one message to the user; one the channel refuses for good is reported, not thrown. */
export async function sendToUser(
  ports: Pick<Runtime, 'channels' | 'logger' | 'metrics'>,
  to: UserAddress,
  message: OutgoingMessage,
): Promise<void> {
  try {
    await ports.channels.send(to, message);
  } catch (error) {
    if (!reportRefused(ports, to, error)) throw error;
  }
}

/**
 * A channel's 4xx (not 429), e.g. WhatsApp outside its 24-hour window or an unknown recipient: this
 * message will never go through, and retrying only repeats the refusal. Logged (without the text)
 * and counted (`MessageUndeliverable`, alarmed); returns whether `error` was one.
 */
export function reportRefused(
  ports: Pick<Runtime, 'logger' | 'metrics'>,
  to: UserAddress,
  error: unknown,
): boolean {
  if (!(error instanceof OutsideCallError) || error.kind !== 'status' || error.retryable) return false;
  ports.logger.error('message to the user refused by the channel; not retried', {
    conversation: conversationRef(to.tenantId, to.conversationId),
    system: error.system,
    status: error.status,
  });
  ports.metrics.put({ name: 'MessageUndeliverable', value: 1, unit: 'Count', tenant: to.tenantId });
  return true;
}

/**
 * An agent's message as the user gets it: its text and file, its buttons or list; on a sign-off the
 * one button that ends the session instead of any other.
 */
export function agentMessageFor(
  tenant: TenantConfig,
  text: string,
  signOff: boolean,
  rich: RichContent = {},
): OutgoingMessage {
  return signOff
    ? {
        text,
        media: rich.media,
        buttons: [{ payload: LIVECHAT_SESSION_END, title: tenant.messages.signOffButton }],
      }
    : richMessage(text, rich);
}

/** A message with rich content (a bot's answer, an agent's message) as the channel sender takes it. */
export function richMessage(text: string | undefined, rich: RichContent): OutgoingMessage {
  return {
    text: text ?? '',
    media: rich.media,
    buttons: rich.buttons?.map((button) => ({ payload: button.id, title: button.title })),
    list: rich.list,
  };
}

/**
 * An agent's message as WhatsApp's 24-hour window allows it now: as it is while open; once closed,
 * the tenant's window template (`{text}` in its parameters standing for the text); undefined when
 * closed and the tenant has none (the message cannot be sent).
 */
export function withinWindow(
  tenant: TenantConfig,
  state: Pick<Conversation, 'channel' | 'lastUserAt'>,
  now: number,
  message: OutgoingMessage,
): OutgoingMessage | undefined {
  if (!windowClosed(state, now)) return message;
  const template = tenant.whatsapp?.windowTemplate;
  if (!template) return undefined;
  return {
    text: message.text,
    tracking: message.tracking,
    template: {
      name: template.name,
      language: template.language,
      parameters: template.parameters.map((parameter) => parameter.replaceAll('{text}', message.text || '…')),
    },
  };
}

/** An agent's message WhatsApp's closed window keeps from the user: counted and logged, not retried. */
export function windowClosedNotSent(ports: Pick<Runtime, 'logger' | 'metrics'>, tenant: TenantConfig): void {
  ports.logger.warn(
    "agent message not sent: WhatsApp's 24-hour window closed and the tenant has no windowTemplate",
  );
  ports.metrics.put({ name: 'WindowClosed', value: 1, unit: 'Count', tenant: tenant.id });
}

/** A bot's answer as the user gets it; undefined when it has nothing for the user (additions only). */
export function answerMessage(answer: BotAnswer): OutgoingMessage | undefined {
  return hasContent(answer) ? richMessage(answer.text, answer) : undefined;
}
