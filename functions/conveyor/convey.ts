/**
 * (the table's stream, a batch of records) → conveyor: first the events every version wrote go to
 * EventBridge, in record order; then, per conversation and in parallel, what its records call for:
 * the handover notices they wrote (to the user and the bot's status events), the intake's first
 * question, then the inbox head to the owner of now.
 *
 * Delivering is never retried by replaying records (a replay would deliver again what was popped
 * after the record): a conversation the conveyor cannot finish is logged and left to the sweep,
 * which nudges an inbox whose head nobody took. Only records whose events could not be published,
 * none of whose conversations were delivered to yet, go back to the stream (`failedAt`).
 */
import { deskOfConversation } from '../../shared/config/desk-routing';
import type { TenantConfig } from '../../shared/config/tenants';
import type { Conversation } from '../../shared/domain/conversation';
import {
  type ConversationRecord,
  type ConversationRecords,
  deliveryFor,
  holdsHead,
  intakeStarted,
  refileAfterAppend,
} from '../../shared/domain/conveyor';
import { deliverableHead, headOf } from '../../shared/domain/inbox';
import type { OutgoingEvent } from '../../shared/events/define';
import { botStatusOf } from '../../shared/flow/bot-status';
import { tellBotNow } from '../../shared/flow/tell-bot';
import { conversationRef, errorFields } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import type { Scoped } from '../../shared/runtime/tenant-scope';
import { deliverAgentMessage, isAgentMessage } from './agent-message';
import { deliverHead } from './deliver-head';
import type { DeliveryPorts } from './deliver-user-message';
import { noticeFor } from './handover-notices';
import { deliverPushedAnswer, isPushedAnswer } from './pushed-answer';
import { sayInOrder } from './say-in-order';
import { askFirstQuestion } from './start-intake';

export type ConveyorPorts = DeliveryPorts & Pick<Runtime, 'publisher' | 'sweepIndex' | 'notifications'>;

export interface ConveyedBatch {
  /** The sequence number of the first record to be given again: none of it or after it was acted on. */
  failedAt?: string | undefined;
  conversations: number;
  delivered: number;
}

export async function conveyBatch(
  ports: Scoped<ConveyorPorts>,
  records: readonly ConversationRecord[],
): Promise<ConveyedBatch> {
  const ready: Published[] = [];
  let failedAt: string | undefined;
  for (const record of records) {
    try {
      const events = eventsWritten(record);
      const published = forTheBus(events);
      if (published.length) await ports.publisher.publish(published);
      ready.push({ ...record, events });
    } catch (error) {
      // The bus refusing: the stream gives the record again (then bisects).
      ports.logger.error('stream record not published; it is given again', errorFields(error));
      failedAt = record.sequenceNumber;
      break;
    }
  }
  const groups = byConversation(ready);
  const outcomes = await Promise.all(groups.map((group) => conveyConversation(ports, group)));
  return { failedAt, conversations: groups.length, delivered: outcomes.filter(Boolean).length };
}

/** The events a record's version wrote: a write that kept the version (the sweep's index) wrote none. */
function eventsWritten({ before, after }: ConversationRecord): NonNullable<Conversation['outbox']> {
  return before?.version === after.version ? [] : (after.outbox ?? []);
}

/** What goes on the bus: all but the messages the conveyor delivers itself (they carry the text). */
const forTheBus = (events: readonly OutgoingEvent[]): OutgoingEvent[] =>
  events.filter((event) => !isPushedAnswer(event) && !isAgentMessage(event));

/** A conversation's records in a batch: the images around them, and the events they wrote, in order. */
type ConversationBatch = ConversationRecords & { events: OutgoingEvent[] };

type Published = ConversationRecord & { events: readonly OutgoingEvent[] };

function byConversation(records: readonly Published[]) {
  const groups = new Map<string, ConversationBatch>();
  for (const record of records) {
    const group = groups.get(record.key);
    if (group) {
      // The image it replaces sits between the batch's first and its newest.
      if (holdsHead(group.newest)) group.heldBetween = true;
      group.newest = record.after;
      group.events.push(...record.events);
    } else {
      groups.set(record.key, { before: record.before, newest: record.after, events: [...record.events] });
    }
  }
  return [...groups.values()];
}

/** Puts the conversation back in the sweep's index at its pending handover's next due time. */
async function refile(ports: ConveyorPorts, state: Conversation): Promise<void> {
  try {
    await ports.sweepIndex.reindex(state);
  } catch (error) {
    // The stall check the append filed stays: the waiting notice or deadline comes late, not never.
    ports.logger.warn('could not re-file a pending handover for the sweep', errorFields(error));
  }
}

/** Returns whether a head was delivered (or dead-lettered). Never throws: see the module's comment. */
async function conveyConversation(
  ports: Scoped<ConveyorPorts>,
  records: ConversationBatch,
): Promise<boolean> {
  const { tenantId, conversationId } = records.newest;
  const logger = ports.logger.child({ correlationId: conversationRef(tenantId, conversationId) });
  const tenant = ports.tenants.get(tenantId);
  if (!tenant) return false;
  try {
    // A batch mixes tenants: each conversation is conveyed with its own tenant's ports alone.
    return await act({ ...(await ports.forTenant(tenantId)), logger }, tenant, records);
  } catch (error) {
    logger.error('conveyor could not finish the conversation; the sweep nudges it', errorFields(error));
    ports.metrics.put({ name: 'ConveyorStalled', value: 1, unit: 'Count', tenant: tenantId });
    return false;
  }
}

async function act(ports: ConveyorPorts, tenant: TenantConfig, records: ConversationBatch): Promise<boolean> {
  let state: Conversation | undefined = records.newest;
  for (const event of records.events) {
    // Pushed answers, agent messages and the notices of the records around them, in their order.
    if (isPushedAnswer(event)) {
      state = await deliverPushedAnswer(ports, tenant, state, event);
      continue;
    }
    if (isAgentMessage(event)) {
      state = await deliverAgentMessage(ports, tenant, state, event);
      continue;
    }
    const notice = noticeFor(event, deskOfConversation(tenant, state), state.channel);
    if (notice) state = await sayInOrder(ports, state, notice, `${event.detailType} notice`);
    // The bot hears of the step here too, before the messages after it reach it.
    const status = botStatusOf(event, tenant, state);
    if (status) await tellBotNow(ports, tenant, state, status);
  }
  if (refileAfterAppend(records)) await refile(ports, state);
  const started = intakeStarted(records);
  if (started) state = await askFirstQuestion(ports, tenant, state, started);
  const delivery = deliveryFor(records);
  if (!state || !delivery) return false;
  const id = delivery.head.message.id;
  // A head held, or nudged, since it may have been handed out: its pop may still be on its way.
  if (delivery.ifStillThere) {
    state = await ports.conversations.get(state.tenantId, state.conversationId, ports.clock.now());
    if (!state || headOf(state)?.message.id !== id) return false;
  }
  // The first question may have completed an intake without questions: then the messages wait.
  if (deliverableHead(state)?.message.id !== id) return false;
  await deliverHead(ports, tenant, state, delivery.head);
  return true;
}
