/** Sends one message to the user, once per key: a redelivered event does not send it twice. */
import type { OutgoingMessage, UserAddress } from '../clients/outgoing-message';
import type { Runtime } from '../runtime/runtime';
import { once } from '../store/idempotency-repository';

/** EventBridge retries for up to 24 hours; a redelivery within that window must change nothing. */
export const EVENT_DEDUPE_SECONDS = 2 * 24 * 3600;

type Ports = Pick<Runtime, 'clock' | 'idempotency' | 'channels'>;

export async function tellUser(
  ports: Ports,
  conversation: UserAddress,
  key: string,
  message: OutgoingMessage,
): Promise<void> {
  await once(
    ports.idempotency,
    {
      tenantId: conversation.tenantId,
      scope: 'tell-user',
      key: `${conversation.conversationId}#${key}`,
      retentionSeconds: EVENT_DEDUPE_SECONDS,
      // Longer than any function that sends may run (60 s): a live send is never taken for an abandoned one.
      inProgressSeconds: 90,
    },
    () => ports.clock.now(),
    () => ports.channels.send(conversation, message),
  );
}
