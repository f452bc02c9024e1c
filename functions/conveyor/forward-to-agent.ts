/**
 * A user message for the agent → one write pops it and slides the agent's lock, on the condition
 * that the agent still has the conversation; then the desk gets it. Written first, unlike the
 * bot's and the intake's: a session that ended since the stream's image (the agent's end, expiry)
 * sends the message to the bot instead of a desk that has let the user go.
 */
import { OutsideCallError } from '../../shared/clients/http';
import { deskOfConversation } from '../../shared/config/desk-routing';
import { lockMsOf, type TenantConfig } from '../../shared/config/tenants';
import type { Conversation } from '../../shared/domain/conversation';
import { withDeadLetter } from '../../shared/domain/inbox';
import { describeAttachment } from '../../shared/events/attachment';
import type { UserMessage } from '../../shared/events/shapes';
import { isRetryableOutside, tryInPlace } from '../../shared/flow/try-in-place';
import { writeConversation } from '../../shared/flow/write-conversation';
import { errorFields } from '../../shared/log/logger';
import { sentAttachment } from '../../shared/media/sent-attachment';
import type { Runtime } from '../../shared/runtime/runtime';
import { reportDeadLetter } from './dead-letter';
import { popIfOwner } from './pop-and';
import type { UserTurn } from './user-turn';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'deskMessages' | 'mediaLinks' | 'logger' | 'metrics'>;

/** `conversation`: the state the consumer acts on. Returns the state written (undefined when gone). */
export async function forwardToAgent(
  ports: Ports,
  tenant: TenantConfig,
  turn: UserTurn,
  conversation: Conversation,
): Promise<Conversation | undefined> {
  const { message } = turn;
  const lockMs = lockMsOf(tenant);
  const popped = await popIfOwner(
    ports,
    conversation,
    message.id,
    'agent',
    (state) => (state.phase === 'agent' ? { type: 'activity', lockMs } : undefined),
    'the live chat ended before the message reached the desk',
  );
  // Gone, or popped by an earlier run of this very record (a batch given again): the desk had it then.
  if (!popped?.popped) return popped?.state;
  // The desk the live handover's skill routed it to.
  await forwardTried(ports, deskOfConversation(tenant, popped.state), popped.state, message);
  return popped.state;
}

/** The desk call, tried in place; a message it never takes goes to the dead letters (it is popped already). */
async function forwardTried(
  ports: Ports,
  tenant: TenantConfig,
  state: Conversation,
  message: UserMessage,
): Promise<void> {
  const attachment = await sentAttachment(
    ports,
    tenant,
    state.channel,
    message.attachment,
    tenant.desk.mediaLinks,
  );
  const text =
    message.text ??
    message.payload ??
    (attachment
      ? describeAttachment(attachment, attachment.url)
      : `[${message.unsupportedType ?? 'message'}]`);
  const gaveUp = await tryInPlace(
    () =>
      ports.deskMessages.forwardUserMessage(tenant, state, {
        id: message.id,
        text,
        attachment,
      }),
    isRetryableOutside,
    (error, attempt) =>
      ports.logger.warn('delivery failed; trying again', { route: 'agent', attempt, ...errorFields(error) }),
  );
  if (!gaveUp) return;
  // Anything else (a bug, the secrets failing) is not the desk's: the record is given again.
  if (!(gaveUp.error instanceof OutsideCallError)) throw gaveUp.error;
  const reason = reportDeadLetter(ports, tenant.id, message.id, { route: 'agent', ...gaveUp });
  await writeConversation(ports, state.tenantId, state.conversationId, (current, now) => ({
    ...current,
    ...withDeadLetter(current, { message, route: 'agent', reason, at: now }, now),
  }));
}
