/**
 * The prechat intake: a transactional dialog of configured questions, each validated and re-asked
 * when invalid; abandoned after too many invalid answers or on a cancel word. Pure.
 */
import type { IntakeQuestion } from '../config/tenants';
import type { Conversation, IntakeProgress } from './conversation';

export interface IntakeDialog {
  questions: readonly IntakeQuestion[];
  maxInvalidAttempts: number;
  cancelWords: readonly string[];
}

export type IntakeStep =
  | { kind: 'ask'; question: IntakeQuestion; progress: IntakeProgress }
  | { kind: 'reask'; question: IntakeQuestion; progress: IntakeProgress }
  | { kind: 'completed'; answers: Record<string, string> }
  | { kind: 'abandoned'; reason: 'cancelled' | 'too_many_invalid' };

/** Where a fresh intake begins: the first question, or done at once when there are none. */
export function startIntake(dialog: IntakeDialog): IntakeStep {
  const first = dialog.questions[0];
  if (!first) return { kind: 'completed', answers: {} };
  return { kind: 'ask', question: first, progress: { step: 0, answers: {}, invalidAttempts: 0 } };
}

/** The user's answer to the question `progress` points at. */
export function answerIntake(
  dialog: IntakeDialog,
  progress: IntakeProgress,
  input: string | undefined,
): IntakeStep {
  const question = dialog.questions[progress.step];
  if (!question) return { kind: 'completed', answers: progress.answers };
  const text = (input ?? '').trim();
  if (dialog.cancelWords.some((word) => word.toLowerCase() === text.toLowerCase())) {
    return { kind: 'abandoned', reason: 'cancelled' };
  }
  const value = validateAnswer(question, text);
  if (value === undefined) {
    const invalidAttempts = progress.invalidAttempts + 1;
    if (invalidAttempts >= dialog.maxInvalidAttempts)
      return { kind: 'abandoned', reason: 'too_many_invalid' };
    return { kind: 'reask', question, progress: { ...progress, invalidAttempts } };
  }
  const answers = { ...progress.answers, [question.id]: value };
  const next = dialog.questions[progress.step + 1];
  if (!next) return { kind: 'completed', answers };
  return { kind: 'ask', question: next, progress: { step: progress.step + 1, answers, invalidAttempts: 0 } };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;

/** The normalized answer, or undefined when it is not valid for the question. */
export function validateAnswer(question: IntakeQuestion, text: string): string | undefined {
  if (text.length < question.minLength || text.length > question.maxLength) return undefined;
  switch (question.type) {
    case 'text':
      return text;
    case 'email':
      return EMAIL.test(text) ? text.toLowerCase() : undefined;
    case 'phone': {
      if (!/^\+?[\d\s().-]+$/.test(text)) return undefined;
      const digits = text.replace(/\D/g, '');
      return digits.length >= 6 && digits.length <= 15
        ? `${text.startsWith('+') ? '+' : ''}${digits}`
        : undefined;
    }
    case 'choice': {
      const choices = question.choices ?? [];
      const byNumber = /^\d+$/.test(text) ? choices[Number(text) - 1] : undefined;
      return byNumber ?? choices.find((choice) => choice.toLowerCase() === text.toLowerCase());
    }
  }
}

/** The once-only key of a question sent: per handover, question and attempt. */
export const questionKey = (handoverId: string, step: number, invalidAttempts: number): string =>
  `intake:${handoverId}:${step}:${invalidAttempts}`;

/**
 * Whether nothing of the intake has been answered yet (every answer taken names its message), so
 * its first question may not have gone out.
 */
export const isUnanswered = (progress: IntakeProgress | undefined): boolean =>
  progress?.lastMessageId === undefined;

/** The question as the user sees it; choices are listed with their numbers. */
export function questionText(question: IntakeQuestion, reask = false): string {
  const base = reask ? `${question.reask}\n${question.prompt}` : question.prompt;
  if (question.type !== 'choice' || !question.choices) return base;
  return `${base}\n${question.choices.map((choice, index) => `${index + 1}. ${choice}`).join('\n')}`;
}

/** Whether `state` is running the intake of handover `handoverId` (and not a later one's). */
export function isIntakeOf(state: Conversation | undefined, handoverId: string): state is Conversation {
  return state?.phase === 'intake' && state.handover?.id === handoverId;
}
