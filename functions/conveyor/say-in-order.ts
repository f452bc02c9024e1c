/**
 * A notice the conveyor sends itself (an intake question, a handover notice), tried a few times: it
 * is sent from the record that caused it, which no one replays once done, so a failure here is the
 * last chance. Behind messages waiting for the relay, it waits too (the user gets them in order).
 */
import type { OutgoingMessage } from '../../shared/clients/outgoing-message';
import type { Conversation } from '../../shared/domain/conversation';
import { unsentKey } from '../../shared/domain/unsent';
import { sendToUser } from '../../shared/flow/tell-user';
import { tryInPlace } from '../../shared/flow/try-in-place';
import { errorFields } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import { parkUnsent } from './park-unsent';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'channels' | 'logger' | 'metrics'>;

/** Returns the conversation as it stands afterwards (a write of its own when the notice waits). */
export async function sayInOrder(
  ports: Ports,
  state: Conversation,
  message: OutgoingMessage,
  what: string,
): Promise<Conversation> {
  if (state.unsent?.length) {
    // One notice per write that caused it: the version names it.
    const key = unsentKey.notice(`${what}:${state.version}`);
    return parkUnsent(ports, state, [{ kind: 'notice', key, text: message.text }]);
  }
  const gaveUp = await tryInPlace(
    () => sendToUser(ports, state, message),
    () => true,
    () => {},
  );
  if (!gaveUp) return state;
  ports.logger.error(`${what} not sent; given up`, {
    attempts: gaveUp.attempts,
    ...errorFields(gaveUp.error),
  });
  ports.metrics.put({ name: 'MessageUndeliverable', value: 1, unit: 'Count', tenant: state.tenantId });
  return state;
}
