/**
 * IntakeStarted → the first question (the answers come through the inbox's drain, in relay: see
 * take-intake-answer.ts). An intake without questions completes at once.
 */
import type { TenantConfig } from '../../shared/config/tenants';
import {
  type IntakeDialog,
  isIntakeOf,
  isUnanswered,
  questionKey,
  questionText,
  startIntake,
} from '../../shared/domain/intake';
import { applyCommand } from '../../shared/flow/apply-command';
import { loadConversation } from '../../shared/flow/load-conversation';
import { tellUser } from '../../shared/flow/tell-user';
import type { Runtime } from '../../shared/runtime/runtime';

export type IntakePorts = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'publisher' | 'channels' | 'logger' | 'metrics'
>;

const dialogOf = (tenant: TenantConfig): IntakeDialog => tenant.intake;

export async function beginIntake(
  ports: IntakePorts,
  event: { tenantId: string; conversationId: string; handoverId: string },
): Promise<void> {
  const tenant = ports.tenants.get(event.tenantId);
  const conversation = await loadConversation(ports, event.tenantId, event.conversationId);
  if (!tenant || !isIntakeOf(conversation, event.handoverId)) return;
  const step = startIntake(dialogOf(tenant));
  if (step.kind === 'completed') {
    await applyCommand(
      ports,
      event.tenantId,
      event.conversationId,
      (state) => (isIntakeOf(state, event.handoverId) ? { type: 'intakeCompleted', answers: {} } : undefined),
      conversation,
    );
    return;
  }
  // A retry after the user already answered must not ask the first question again.
  if (step.kind !== 'ask' || !isUnanswered(conversation.handover?.intake)) return;
  await tellUser(ports, conversation, questionKey(event.handoverId, 0, 0), {
    text: questionText(step.question),
  });
}
