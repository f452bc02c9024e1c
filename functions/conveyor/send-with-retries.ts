/**
 * A notice the conveyor sends itself (an intake question), tried a few times: it is sent from the
 * record that caused it, which no one replays once done, so a failure here is the last chance.
 */
import type { OutgoingMessage, UserAddress } from '../../shared/clients/outgoing-message';
import { sendToUser } from '../../shared/flow/tell-user';
import { tryInPlace } from '../../shared/flow/try-in-place';
import { errorFields } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<Runtime, 'channels' | 'logger' | 'metrics'>;

export async function sendWithRetries(
  ports: Ports,
  to: UserAddress,
  message: OutgoingMessage,
  what: string,
): Promise<void> {
  const gaveUp = await tryInPlace(
    () => sendToUser(ports, to, message),
    () => true,
    () => {},
  );
  if (!gaveUp) return;
  ports.logger.error(`${what} not sent; given up`, {
    attempts: gaveUp.attempts,
    ...errorFields(gaveUp.error),
  });
  ports.metrics.put({ name: 'MessageUndeliverable', value: 1, unit: 'Count', tenant: to.tenantId });
}
