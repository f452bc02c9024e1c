/**
 * What an operator does to one tenant's conversations (issue 19): read them, end a live session,
 * send dead letters again, erase a conversation. Each change is one conditional write, recorded in
 * the audit trail with the operator as its actor.
 */
import { type Conversation, effectivePhase } from '../../shared/domain/conversation';
import { redriven } from '../../shared/domain/inbox';
import { applyCommand } from '../../shared/flow/apply-command';
import { writeConversation } from '../../shared/flow/write-conversation';
import { HttpError, notFound } from '../../shared/http/errors';
import type { ConversationByRef } from '../../shared/ports/conversation-store';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<
  Runtime,
  'clock' | 'conversations' | 'conversationAdmin' | 'idempotency' | 'logger' | 'metrics'
>;

const noSuchConversation = () => notFound('no such conversation');

async function load(ports: Ports, ref: ConversationByRef): Promise<Conversation> {
  const found = await ports.conversations.getByRef(ref, ports.clock.now());
  if (!found) throw noSuchConversation();
  return found;
}

/** The conversation as stored, with the phase it is in now (a lock that ran out reads `agent` until the sweep). */
export async function showConversation(ports: Ports, ref: ConversationByRef) {
  const conversation = await load(ports, ref);
  const { outbox: _events, ...state } = conversation;
  return {
    conversationRef: ref.conversationRef,
    effectivePhase: effectivePhase(conversation, ports.clock.now()),
    ...state,
  };
}

/** Ends a live session as the agent's end would: the user, the bot and the desk are told. */
export async function forceEnd(ports: Ports, ref: ConversationByRef, reason: string): Promise<string> {
  const conversation = await load(ports, ref);
  const applied = await applyCommand(
    ports,
    ref.tenantId,
    conversation.conversationId,
    () => ({ type: 'forceEnd', reason }),
    conversation,
  );
  if (applied.outcome === 'missing') throw noSuchConversation();
  if (applied.outcome !== 'applied')
    throw new HttpError(409, 'no_live_session', 'the conversation is not with an agent');
  const ended = applied.effects.find((effect) => effect.type === 'sessionEnded');
  return ended?.handoverId ?? '';
}

/** The dead letters back at the inbox's head, for whoever owns the conversation now. */
export async function redrive(ports: Ports, ref: ConversationByRef): Promise<number> {
  const conversation = await load(ports, ref);
  let count = 0;
  const written = await writeConversation(
    ports,
    ref.tenantId,
    conversation.conversationId,
    (state, now) => {
      count = state.deadLetters?.length ?? 0;
      const change = redriven(state, now);
      return change && { ...state, ...change };
    },
    conversation,
  );
  if (written.outcome === 'missing') throw noSuchConversation();
  if (written.outcome === 'unchanged' && count > 0)
    throw new HttpError(
      409,
      'inbox_full',
      'the dead letters and the waiting messages would pass the inbox limit',
    );
  return written.outcome === 'written' ? count : 0;
}

/** A write of the flow may land between the read and the delete: read again, a few times. */
const ERASE_ATTEMPTS = 5;

/**
 * Everything Baton keeps of one conversation, gone: its item (state, inbox, dead letters, transcript,
 * audit trail) and its once-only records. Refused while a handover is on (a desk may hold the chat:
 * end it first). Idempotent: erasing again finds nothing and says so.
 */
export async function erase(
  ports: Ports,
  ref: ConversationByRef,
): Promise<{ conversation: boolean; records: number }> {
  let removed = false;
  for (let attempt = 1; ; attempt += 1) {
    const now = ports.clock.now();
    const found = await ports.conversations.getByRef(ref, now);
    if (found && effectivePhase(found, now) !== 'bot')
      throw new HttpError(409, 'handover_in_progress', 'a handover is on: end the session first, then erase');
    const outcome = await ports.conversationAdmin.remove(ref, found?.version, now);
    if (outcome !== 'moved') {
      removed = outcome === 'removed';
      break;
    }
    if (attempt >= ERASE_ATTEMPTS)
      throw new HttpError(409, 'busy', 'the conversation keeps changing: try again in a moment');
  }
  const records = await ports.idempotency.forgetConversation(ref);
  // The trail went with the item; the log keeps that it was erased (no id, no text).
  ports.logger.info('audit', {
    tenantId: ref.tenantId,
    conversationRef: ref.conversationRef,
    at: ports.clock.now(),
    action: 'erased',
    actor: 'operator',
    cause: removed ? 'conversation' : 'nothing_stored',
  });
  return { conversation: removed, records };
}
