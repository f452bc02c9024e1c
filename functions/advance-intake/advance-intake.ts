/**
 * IntakeStarted → the first question; MessageRouted(route=intake) → the user's answer: re-ask,
 * next question, complete (IntakeCompleted) or abandon (back to the bot). While the intake runs,
 * user messages go here and never to the bot.
 */
import type { TenantConfig } from '../../shared/config/tenants';
import type { Command, Conversation } from '../../shared/domain/conversation';
import {
  answerIntake,
  type IntakeDialog,
  type IntakeStep,
  questionText,
  startIntake,
} from '../../shared/domain/intake';
import { applyCommand, loadConversation } from '../../shared/flow/apply-command';
import { deliverToOwner, OwnerChangedError, type UserTurn } from '../../shared/flow/reroute';
import { tellUser } from '../../shared/flow/tell-user';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'publisher' | 'channels' | 'logger'
>;

/** A message that arrives before the presence check finished waits for it (EventBridge retries). */
export class IntakeNotReadyError extends Error {
  override readonly name = 'IntakeNotReadyError';
}

const dialogOf = (tenant: TenantConfig): IntakeDialog => tenant.intake;

export async function beginIntake(
  ports: Ports,
  event: { tenantId: string; conversationId: string; handoverId: string },
): Promise<void> {
  const tenant = ports.tenants.get(event.tenantId);
  const conversation = await loadConversation(ports, event.tenantId, event.conversationId);
  if (!tenant || !isIntakeOf(conversation, event.handoverId)) return;
  const step = startIntake(dialogOf(tenant));
  if (step.kind === 'completed') {
    await applyCommand(ports, event.tenantId, event.conversationId, (state) =>
      isIntakeOf(state, event.handoverId) ? { type: 'intakeCompleted', answers: {} } : undefined,
    );
    return;
  }
  // A retry after the user already answered must not ask the first question again.
  if (step.kind !== 'ask' || conversation.handover?.intake?.lastMessageId !== undefined) return;
  await tellUser(ports, conversation, `intake:${event.handoverId}:0:0`, {
    text: questionText(step.question),
  });
}

export async function answerQuestion(ports: Ports, turn: UserTurn): Promise<void> {
  const { tenantId, conversationId, message } = turn;
  const tenant = ports.tenants.get(tenantId);
  if (!tenant) return;
  // Taking the answer is done once per message, and has no outside call: a failure to send the
  // next question below can never make the message be taken again (or by another owner).
  await deliverToOwner(ports, turn, 'intake', 30, async (conversation) => {
    // Thrown, so the event is retried once the presence check decided who owns the message.
    if (conversation.phase === 'presence') throw new IntakeNotReadyError('presence check still under way');
    const handoverId = conversation.handover?.id ?? '';
    const applied = await applyCommand(ports, tenantId, conversationId, (state) => {
      const progress = state.handover?.intake;
      // lastMessageId: a worker that died after applying left the claim to expire; do not apply twice.
      if (!isIntakeOf(state, handoverId) || !progress || progress.lastMessageId === message.id)
        return undefined;
      return commandFor(
        answerIntake(dialogOf(tenant), progress, message.text ?? message.payload),
        message.id,
      );
    });
    if (applied.outcome === 'missing') return;
    const taken =
      applied.outcome === 'applied' || applied.state.handover?.intake?.lastMessageId === message.id;
    // The intake ended between the owner check and the write: the retry sends the message on.
    if (!taken) throw new OwnerChangedError('the intake ended before the answer was taken');
    ports.logger.info('intake answer taken', { outcome: applied.outcome, phase: applied.state.phase });
  });
  // What to say follows from the stored progress, so a redelivery says the same thing again, once.
  const state = await loadConversation(ports, tenantId, conversationId);
  const progress = state?.handover?.intake;
  if (state?.phase !== 'intake' || !progress || progress.lastMessageId !== message.id) return;
  const question = tenant.intake.questions[progress.step];
  if (!question) return;
  const reask = progress.invalidAttempts > 0;
  await tellUser(ports, state, `intake:${state.handover?.id}:${progress.step}:${progress.invalidAttempts}`, {
    text: questionText(question, reask),
  });
  ports.logger.info(reask ? 'intake question re-asked' : 'intake question asked', { step: progress.step });
}

function commandFor(step: IntakeStep, messageId: string): Command {
  switch (step.kind) {
    case 'ask':
    case 'reask':
      return { type: 'intakeProgressed', intake: { ...step.progress, lastMessageId: messageId } };
    case 'completed':
      return { type: 'intakeCompleted', answers: step.answers };
    case 'abandoned':
      return { type: 'intakeAbandoned' };
  }
}

function isIntakeOf(state: Conversation | undefined, handoverId: string): state is Conversation {
  return state?.phase === 'intake' && state.handover?.id === handoverId;
}
