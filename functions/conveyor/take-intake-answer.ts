/**
 * A user message during the intake → the answer to the current question, taken and popped in one
 * write: the next question, a re-ask, completion (IntakeCompleted) or abandonment (back to the bot).
 * The question goes out after the write, so what is said follows from what is stored.
 */
import type { TenantConfig } from '../../shared/config/tenants';
import type { Command, Conversation } from '../../shared/domain/conversation';
import { LIVECHAT_SESSION_END } from '../../shared/domain/handover-trigger';
import { answerIntake, type IntakeStep, questionText } from '../../shared/domain/intake';
import { idRef } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import { popIfOwner } from './pop-and';
import { sayInOrder } from './say-in-order';
import type { UserTurn } from './user-turn';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'channels' | 'logger' | 'metrics'>;

/** `conversation`: the state the consumer acts on. Returns the state written (undefined when gone). */
export async function takeIntakeAnswer(
  ports: Ports,
  tenant: TenantConfig,
  turn: UserTurn,
  conversation: Conversation,
): Promise<Conversation | undefined> {
  const { message } = turn;
  const handoverId = conversation.handover?.id ?? '';
  const stepOf = (state: Conversation): IntakeStep | undefined => {
    const progress = state.handover?.intake;
    if (state.phase !== 'intake' || !progress || state.handover?.id !== handoverId) return undefined;
    // Ending the live chat before an agent has it is giving up the request, like a cancel word;
    // taken as an answer, it would pass for a name.
    if (message.payload === LIVECHAT_SESSION_END) return { kind: 'abandoned', reason: 'cancelled' };
    return answerIntake(tenant.intake, progress, message.text ?? message.payload);
  };
  const popped = await popIfOwner(
    ports,
    conversation,
    message.id,
    'intake',
    (state) => {
      const step = stepOf(state);
      return step && commandFor(step, handoverId, message.id);
    },
    'the intake ended before the answer was taken',
  );
  // Gone, or taken by an earlier run of this very record (a batch given again): nothing more to say.
  if (!popped?.popped) return popped?.state;
  const written = popped.state;
  const progress = written.handover?.intake;
  ports.logger.info('intake answer taken', {
    outcome: 'applied',
    phase: written.phase,
    messageRef: idRef(message.id),
  });
  if (written.phase !== 'intake' || !progress || progress.lastMessageId !== message.id) return written;
  const question = tenant.intake.questions[progress.step];
  if (!question) return written;
  const reask = progress.invalidAttempts > 0;
  const after = await sayInOrder(ports, written, { text: questionText(question, reask) }, 'intake question');
  ports.logger.info(reask ? 'intake question re-asked' : 'intake question asked', { step: progress.step });
  return after;
}

function commandFor(step: IntakeStep, handoverId: string, messageId: string): Command {
  switch (step.kind) {
    case 'ask':
    case 'reask':
      return { type: 'intakeProgressed', handoverId, intake: { ...step.progress, lastMessageId: messageId } };
    case 'completed':
      return { type: 'intakeCompleted', handoverId, answers: step.answers };
    case 'abandoned':
      return { type: 'intakeAbandoned', handoverId, reason: step.reason };
  }
}
