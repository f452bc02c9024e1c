/**
 * A bot's pushed answer (AnswerPushed, in its own write) → the user, from that write's record: in
 * order with the handover notices of the records around it. Then what it asks for (a handover, the
 * end of a bot-run intake) in one write. No once-only claim: each record is acted on once.
 *
 * One the channel fails to take after the tries in place waits in the item (park-unsent.ts) for the
 * relay, which delivers it with the bus's retries; what it asks for is applied here all the same.
 * One the channel refuses for good (a 4xx) is counted, and what it asks for still holds.
 */
import type { TenantConfig } from '../../shared/config/tenants';
import type { Conversation } from '../../shared/domain/conversation';
import { asksForHandover, handoverCommandFor } from '../../shared/domain/handover-trigger';
import { type Unsent, unsentKey } from '../../shared/domain/unsent';
import { AnswerPushed } from '../../shared/events/bot-answered';
import type { OutgoingEvent } from '../../shared/events/define';
import { applyCommand } from '../../shared/flow/apply-command';
import { botIntakeCommand, endsBotIntake } from '../../shared/flow/bot-intake';
import { answerMessage, sendToUser } from '../../shared/flow/tell-user';
import { isRetryableOutside, tryInPlace } from '../../shared/flow/try-in-place';
import { errorFields, idRef } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import { safeParse } from '../../shared/validation/zod';
import { parkUnsent } from './park-unsent';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'channels' | 'logger' | 'metrics'>;

export const isPushedAnswer = (event: OutgoingEvent): boolean => event.detailType === AnswerPushed.detailType;

/** Returns the conversation as it stands afterwards (a handover may have started). */
export async function deliverPushedAnswer(
  ports: Ports,
  tenant: TenantConfig,
  state: Conversation,
  event: OutgoingEvent,
): Promise<Conversation> {
  const parsed = safeParse(AnswerPushed.data, event.detail.data);
  if (!parsed.success) {
    ports.logger.error('pushed answer unreadable; dropped', { eventId: idRef(event.detail.metadata.id) });
    return state;
  }
  const { answer } = parsed.data;
  // One not sent waits in the item; what it asks is applied now all the same, since what that
  // leads to (the handover's notices) waits behind it.
  const entry: Unsent = { kind: 'answer', key: unsentKey.answer(answer.id), answer };
  const message = answerMessage(answer);
  let current = state;
  if (current.unsent?.length) current = await parkUnsent(ports, current, [entry]);
  else if (message) {
    const gaveUp = await tryInPlace(
      () => sendToUser(ports, current, message),
      isRetryableOutside,
      () => {},
    );
    if (gaveUp) {
      ports.logger.warn(
        'pushed answer not sent by the conveyor; it waits for the relay',
        errorFields(gaveUp.error),
      );
      current = await parkUnsent(ports, current, [entry]);
    }
  }
  const ending = tenant.intake.by === 'bot' && endsBotIntake(answer);
  if (!ending && !asksForHandover(answer, tenant.handoverEvent)) return current;
  const applied = await applyCommand(
    ports,
    current.tenantId,
    current.conversationId,
    (latest, now) =>
      botIntakeCommand(tenant, [answer], latest, now, () =>
        ports.logger.warn('customerInfo is not a JSON object of strings; handed over without it'),
      ) ?? handoverCommandFor(answer, tenant.handoverEvent, undefined, latest, now),
    current,
  );
  ports.logger.info('pushed answer delivered', { outcome: applied.outcome });
  return applied.outcome === 'missing' ? current : applied.state;
}
