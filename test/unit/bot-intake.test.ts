/** What the bot's answers do to an intake the bot runs: complete it with the captured slots, cancel it, or nothing. */

import { botAnswerPushSchema } from '../../functions/ingest/bot-answer-push';
import { localTenants } from '../../infra/local/tenants';
import { type Conversation, newConversation } from '../../shared/domain/conversation';
import type { BotAnswer } from '../../shared/events/shapes';
import { botIntakeCommand } from '../../shared/flow/bot-intake';

const [demo, , demo3] = localTenants('http://127.0.0.1:9/sim');
if (!demo || !demo3) throw new Error('demo tenants missing');
const now = 1_000_000;
const inIntake: Conversation = {
  ...newConversation('demo3', 'w-1', { type: 'web' }, now),
  phase: 'intake',
  handover: { id: 'h-1', requestedAt: now, additions: { mscChannel: 'WebChat' } },
};
const answer = (outputAdditions: BotAnswer['outputAdditions']): BotAnswer => ({
  id: 'a',
  text: 'x',
  outputAdditions,
});

test.each([
  [
    'an object as a JSON string',
    JSON.stringify({ name: 'Ada', email: 'ada@example.com' }),
    { name: 'Ada', email: 'ada@example.com' },
  ],
  ['no customerInfo at all', undefined, {}],
])('livechatIntakeComplete with %s completes the intake with those answers', (_, customerInfo, answers) => {
  const additions = { livechatIntakeComplete: true, ...(customerInfo === undefined ? {} : { customerInfo }) };
  expect(botIntakeCommand(demo3, [answer({ text: 'hi' }), answer(additions)], inIntake, now)).toEqual({
    type: 'intakeCompleted',
    handoverId: 'h-1',
    answers,
  });
});

test('"true" as a string completes too; a customerInfo that is no object of strings is left out and reported', () => {
  const reported: string[] = [];
  for (const customerInfo of ['not json', '[1,2]', JSON.stringify({ age: 3 })]) {
    const command = botIntakeCommand(
      demo3,
      [answer({ livechatIntakeComplete: 'true', customerInfo })],
      inIntake,
      now,
      () => reported.push(customerInfo),
    );
    expect(command).toEqual({ type: 'intakeCompleted', handoverId: 'h-1', answers: {} });
  }
  expect(reported).toHaveLength(3);
});

test('livechatIntakeCancelled abandons it; the first answer that decides wins', () => {
  const cancel = answer({ livechatIntakeCancelled: true });
  const complete = answer({ livechatIntakeComplete: true });
  expect(botIntakeCommand(demo3, [cancel, complete], inIntake, now)).toEqual({
    type: 'intakeAbandoned',
    handoverId: 'h-1',
    reason: 'cancelled',
  });
});

test("nothing outside an intake the bot runs: other answers, another phase, a tenant whose intake is Baton's", () => {
  const complete = [answer({ livechatIntakeComplete: true })];
  expect(botIntakeCommand(demo3, [answer({ livechat: true })], inIntake, now)).toBeUndefined();
  expect(
    botIntakeCommand(demo3, complete, { ...inIntake, phase: 'bot', handover: undefined }, now),
  ).toBeUndefined();
  expect(botIntakeCommand(demo, complete, { ...inIntake, tenantId: 'demo' }, now)).toBeUndefined();
});

test('output additions: 256 characters a value, customerInfo up to 1024 (a JSON object in a string)', () => {
  const push = (outputAdditions: Record<string, unknown>) =>
    botAnswerPushSchema.safeParse({ conversationId: 'w-1', answerId: 'a-1', outputAdditions }).success;
  expect(push({ skill: 's'.repeat(256), customerInfo: 'c'.repeat(1024) })).toBe(true);
  expect(push({ skill: 's'.repeat(257) })).toBe(false);
  expect(push({ customerInfo: 'c'.repeat(1025) })).toBe(false);
});
