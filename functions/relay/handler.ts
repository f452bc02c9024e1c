/**
 * (EventBridge) → relay: what the conveyor could not deliver in place (messages for the user, read
 * from the table; the bot's status events), with the bus's retries, and what a desk hears when its
 * session ends, moves or is withdrawn. What the user and the bot hear of a handover's course goes out from
 * the conveyor, in order with the messages.
 */
import { BotEventUnsent } from '../../shared/events/bot-event-unsent';
import { createEventHandler, on } from '../../shared/events/consumer';
import { DeliveryStatusReported } from '../../shared/events/delivery-status';
import { HandoverDeclined, HandoverTransferred } from '../../shared/events/handover-events';
import { MessageUnsent } from '../../shared/events/message-unsent';
import { SessionEnded } from '../../shared/events/session-ended';
import type { Logger } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import type { Scoped } from '../../shared/runtime/tenant-scope';
import { retryBotEvent } from './bot-event-retry';
import { deliverUnsent } from './deliver-unsent';
import { deliveryStatus } from './delivery-status';
import { deskMayHoldIt, deskWithdrawn } from './desk-withdrawn';
import { handoverTransferred, sessionEnded } from './session-notices';

/** What relay's use cases need between them. */
export type RelayPorts = Pick<
  Runtime,
  | 'clock'
  | 'tenants'
  | 'conversations'
  | 'idempotency'
  | 'channels'
  | 'desk'
  | 'notifications'
  | 'logger'
  | 'metrics'
>;

export function createHandler(rt: Scoped<RelayPorts>) {
  /** Every event names its tenant: its work is done with that tenant's ports alone. */
  const portsFor = async (tenantId: string, logger: Logger): Promise<RelayPorts> => ({
    ...(await rt.forTenant(tenantId)),
    logger,
  });
  return createEventHandler(rt.logger, [
    on(MessageUnsent, async (data, _metadata, logger) =>
      deliverUnsent(await portsFor(data.tenantId, logger), data),
    ),
    on(SessionEnded, async (data, _metadata, logger) =>
      sessionEnded(await portsFor(data.tenantId, logger), data),
    ),
    on(HandoverDeclined, async (data, _metadata, logger) => {
      const ports = await portsFor(data.tenantId, logger);
      // A desk live on its claim must stop offering a chat whose user was told nobody took it.
      if (data.reason === 'withdrawn') await deskWithdrawn(ports, data, 'pickup_timeout');
      // A desk that never answered may have taken the chat.
      if (data.reason === 'failed' && deskMayHoldIt(data.stage))
        await deskWithdrawn(ports, data, 'desk_unreachable');
    }),
    on(HandoverTransferred, async (data, _metadata, logger) =>
      handoverTransferred(await portsFor(data.tenantId, logger), data),
    ),
    on(BotEventUnsent, async (data, _metadata, logger) =>
      retryBotEvent(await portsFor(data.tenantId, logger), data),
    ),
    on(DeliveryStatusReported, async (data, _metadata, logger) =>
      deliveryStatus(await portsFor(data.tenantId, logger), data),
    ),
  ]);
}
