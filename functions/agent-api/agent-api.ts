/** (agent desk) → claim a handed-over conversation, post an agent message, or sign off. */

import { randomUUID } from 'node:crypto';
import { deskOfConversation } from '../../shared/config/desk-routing';
import { lockMsOf, type TenantConfig } from '../../shared/config/tenants';
import {
  type Command,
  type Conversation,
  effectivePhase,
  type Release,
} from '../../shared/domain/conversation';
import { windowClosed } from '../../shared/domain/service-window';
import type { RichContent } from '../../shared/events/rich-content';
import { type Applied, applyCommand } from '../../shared/flow/apply-command';
import { HttpError, notFound } from '../../shared/http/errors';
import type { Runtime } from '../../shared/runtime/runtime';
import type { DeskCaller } from './desk-token';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'metrics'>;

const noLiveSession = () => new HttpError(409, 'no_live_session', 'the conversation is not with an agent');

/**
 * A desk's command on a conversation: `decide` as applyCommand takes it, for a conversation whose
 * handover went to the calling desk. Another desk's conversation is as unknown to it (404) as one
 * that does not exist.
 */
async function applyAsDesk(
  ports: Ports,
  tenant: TenantConfig,
  caller: DeskCaller,
  conversationId: string,
  decide: (state: Conversation, now: number) => Command | undefined,
): Promise<Exclude<Applied, { outcome: 'missing' }>> {
  let foreign = false;
  const applied = await applyCommand(ports, tenant.id, conversationId, (state, now) => {
    foreign = deskOfConversation(tenant, state).deskName !== caller.deskName;
    return foreign ? undefined : decide(state, now);
  });
  if (foreign || applied.outcome === 'missing') throw notFound('unknown conversation');
  return applied;
}

/** The desk takes the conversation (Certainly's listen mode): live from here, idempotent. */
export async function claim(
  ports: Ports,
  tenant: TenantConfig,
  caller: DeskCaller,
  conversationId: string,
): Promise<'claimed' | 'already-live'> {
  const lockMs = lockMsOf(tenant);
  // The desk claims whichever handover it was asked to take: the one under way.
  const applied = await applyAsDesk(ports, tenant, caller, conversationId, (state) =>
    state.handover ? { type: 'handoverSucceeded', handoverId: state.handover.id, lockMs } : undefined,
  );
  if (applied.outcome === 'applied') return 'claimed';
  if (effectivePhase(applied.state, ports.clock.now()) === 'agent') return 'already-live';
  throw noLiveSession();
}

/**
 * The desk's report of the user's place in its queue, while the handover waits for its claim: the
 * user hears of a change (the same place again is not told twice).
 */
export async function reportQueuePosition(
  ports: Ports,
  tenant: TenantConfig,
  caller: DeskCaller,
  conversationId: string,
  position: number,
): Promise<void> {
  let known = false;
  const applied = await applyAsDesk(ports, tenant, caller, conversationId, (state, now) => {
    const handover = state.handover;
    if (effectivePhase(state, now) !== 'handing_over' || !handover?.awaitsClaim) return undefined;
    known = handover.queuePosition === position;
    return known ? undefined : { type: 'queuePositionReported', handoverId: handover.id, position };
  });
  if (applied.outcome !== 'applied' && !known)
    throw new HttpError(409, 'not_pending', "the conversation is not waiting for the desk's claim");
}

/**
 * The agent passes the live chat to another skill: a new handover, with the intake's answers, goes
 * to the desk that skill routes to (hand-over, from IntakeCompleted); the old desk is told its session
 * ended (`transferred`). Until the new desk takes it, the user's messages wait. The new handover's id.
 */
export async function transfer(
  ports: Ports,
  tenant: TenantConfig,
  caller: DeskCaller,
  conversationId: string,
  skill: string,
): Promise<string> {
  const toHandoverId = randomUUID();
  let sameSkill = false;
  const applied = await applyAsDesk(ports, tenant, caller, conversationId, (state, now) => {
    const handover = state.handover;
    if (effectivePhase(state, now) !== 'agent' || !handover) return undefined;
    sameSkill = handover.additions.skill === skill;
    return sameSkill ? undefined : { type: 'transferHandover', handoverId: handover.id, toHandoverId, skill };
  });
  if (sameSkill) throw new HttpError(409, 'same_skill', 'the conversation already has this skill');
  if (applied.outcome !== 'applied') throw noLiveSession();
  return toHandoverId;
}

/**
 * An agent message (or the sign-off, with what the agent leaves for the bot): slides the lock, and
 * goes to the user from that write's record (the conveyor), in order with the notices around it. A
 * desk's retry with the same message id changes nothing; without an id each call is a new message.
 */
export async function postAgentMessage(
  ports: Ports,
  tenant: TenantConfig,
  caller: DeskCaller,
  conversationId: string,
  message: {
    messageId?: string | undefined;
    text: string;
    signOff: boolean;
    release?: Release | undefined;
    rich?: RichContent | undefined;
  },
): Promise<void> {
  const lockMs = lockMsOf(tenant);
  const { release, text, signOff } = message;
  // Only what is there: an item and its events keep no empty fields.
  const rich = message.rich && Object.values(message.rich).some(Boolean) ? { rich: message.rich } : {};
  const id = message.messageId ?? randomUUID();
  let known = false;
  let closed = false;
  const applied = await applyAsDesk(ports, tenant, caller, conversationId, (state, now) => {
    if (effectivePhase(state, now) !== 'agent') return undefined;
    known = state.handover?.agentMessageIds?.includes(id) ?? false;
    // WhatsApp would refuse it: the desk hears so now, rather than the message being lost later.
    // A sign-off still goes (the session must end): as the template, or counted where none is set.
    closed = !signOff && windowClosed(state, now) && !tenant.whatsapp?.windowTemplate;
    if (closed) return undefined;
    return known ? undefined : { type: 'activity', lockMs, release, message: { id, text, signOff, ...rich } };
  });
  if (closed) {
    ports.metrics.put({ name: 'WindowClosed', value: 1, unit: 'Count', tenant: tenant.id });
    throw new HttpError(
      409,
      'window_closed',
      "WhatsApp's 24-hour window closed: the user has not written for 24 hours, and the tenant has no windowTemplate",
    );
  }
  if (applied.outcome !== 'applied' && !known) throw noLiveSession();
}
