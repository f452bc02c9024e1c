/**
 * A user message during the intake → the answer to the current question: the next question, a
 * re-ask, completion (IntakeCompleted) or abandonment (back to the bot). Safe to run again: the
 * answer is taken once per message id, and each question is sent once per step and attempt.
 */
import type { TenantConfig } from '../../shared/config/tenants';
import type { Command, Conversation } from '../../shared/domain/conversation';
import { LIVECHAT_SESSION_END } from '../../shared/domain/handover-trigger';
import { popHead } from '../../shared/domain/inbox';
import {
  answerIntake,
  type IntakeStep,
  isUnanswered,
  questionKey,
  questionText,
} from '../../shared/domain/intake';
import { applyCommand } from '../../shared/flow/apply-command';
import { tellUser } from '../../shared/flow/tell-user';
import { idRef } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import { OwnerChangedError } from './owner-changed';
import type { UserTurn } from './user-turn';

type Ports = Pick<
  Runtime,
  'clock' | 'conversations' | 'idempotency' | 'publisher' | 'channels' | 'logger' | 'metrics'
>;

/**
 * `conversation`: the state the drain holds, so taking the answer needs no read first. Returns the
 * state after it (undefined when the conversation is gone).
 */
export async function takeIntakeAnswer(
  ports: Ports,
  tenant: TenantConfig,
  turn: UserTurn,
  conversation?: Conversation,
): Promise<Conversation | undefined> {
  const { tenantId, conversationId, message } = turn;
  const stepOf = (state: Conversation): IntakeStep | undefined => {
    const progress = state.handover?.intake;
    // lastMessageId: a delivery that died after applying is retried; the answer is not taken twice.
    if (state.phase !== 'intake' || !progress || progress.lastMessageId === message.id) return undefined;
    // Ending the live chat before an agent has it is giving up the request, like a cancel word;
    // taken as an answer, it would pass for a name.
    if (message.payload === LIVECHAT_SESSION_END) return { kind: 'abandoned', reason: 'cancelled' };
    return answerIntake(tenant.intake, progress, message.text ?? message.payload);
  };
  // The first question goes out before its answer is taken. A message that waited through the
  // presence check reaches the drain as soon as the intake starts, often before IntakeStarted
  // reaches advance-intake, which then finds the intake answered and asks nothing. Once per key:
  // whichever of the two comes second sends nothing.
  const first = tenant.intake.questions[0];
  const handoverId = conversation?.handover?.id;
  if (conversation?.phase === 'intake' && first && handoverId && isUnanswered(conversation.handover?.intake))
    await tellUser(ports, conversation, questionKey(handoverId, 0, 0), { text: questionText(first) });
  const logTaken = (outcome: string, state: Conversation) =>
    ports.logger.info('intake answer taken', { outcome, phase: state.phase, messageRef: idRef(message.id) });
  const applied = await applyCommand(
    ports,
    tenantId,
    conversationId,
    (state) => {
      const step = stepOf(state);
      return step && commandFor(step, message.id);
    },
    conversation,
    {
      // An answer that ends the intake leaves nothing to say here, so its message is popped in the
      // same write; one that asks again is popped by the drain once the question went out.
      alongside: (state, now) => (endsIntake(stepOf(state)) ? popHead(state, message.id, now) : undefined),
      // Taken when written: the message behind it may go to its next owner from this moment.
      onWritten: (state) => logTaken('applied', state),
    },
  );
  if (applied.outcome === 'missing') return undefined;
  const taken = applied.outcome === 'applied' || applied.state.handover?.intake?.lastMessageId === message.id;
  // The intake ended between the owner check and the write: the drain asks the owner of now.
  if (!taken) throw new OwnerChangedError('the intake ended before the answer was taken');
  if (applied.outcome !== 'applied') logTaken(applied.outcome, applied.state);

  // What to say follows from the stored progress, so a retry says the same thing again, once.
  const state = applied.state;
  const progress = state.handover?.intake;
  if (state.phase !== 'intake' || !progress || progress.lastMessageId !== message.id) return state;
  const question = tenant.intake.questions[progress.step];
  if (!question) return state;
  const reask = progress.invalidAttempts > 0;
  await tellUser(
    ports,
    state,
    questionKey(state.handover?.id ?? '', progress.step, progress.invalidAttempts),
    {
      text: questionText(question, reask),
    },
  );
  ports.logger.info(reask ? 'intake question re-asked' : 'intake question asked', { step: progress.step });
  return state;
}

const endsIntake = (step: IntakeStep | undefined): boolean =>
  step?.kind === 'completed' || step?.kind === 'abandoned';

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
