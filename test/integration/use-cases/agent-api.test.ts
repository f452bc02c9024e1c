/**
 * claim / postAgentMessage (the agent API's use cases) on DynamoDB Local; the events a claim's write
 * causes come out through the real conveyor (which tells the user on the outside server).
 */

import { claim, postAgentMessage } from '../../../functions/agent-api/agent-api';
import { DEFAULT_DESK } from '../../../functions/agent-api/desk-token';
import { HttpError } from '../../../shared/http/errors';
import { conversationRef } from '../../../shared/log/logger';
import { useRigWithOutside } from './rig-with-outside';
import { handoverIdOf, LOCK_MS, seed, T0, type TestRig, uniqueId } from './runtime';

const setup = useRigWithOutside('use-agent');
let rig: TestRig;
beforeAll(() => {
  rig = setup.rig;
});

const acme = () => rig.tenant('acme');

describe('claim', () => {
  test('on handing_over → agent with a lock until now + lockMinutes and SessionStarted; a second claim is already-live', async () => {
    const conversation = await seed(rig, 'handing_over', { conversationId: uniqueId('web') });
    const handoverId = handoverIdOf(conversation);
    rig.setNow(T0 + 5_000);

    await expect(claim(rig.runtime, acme(), DEFAULT_DESK, conversation.conversationId)).resolves.toBe(
      'claimed',
    );
    const claimed = await rig.state('acme', conversation.conversationId);
    expect(claimed).toMatchObject({
      phase: 'agent',
      version: conversation.version + 1,
      handover: { id: handoverId, lockExpiresAt: T0 + 5_000 + LOCK_MS },
    });
    await setup.conveyor.convey();
    expect(rig.publisher.published()).toEqual([['SessionStarted', `started:${handoverId}`]]);

    rig.setNow(T0 + 10_000);
    await expect(claim(rig.runtime, acme(), DEFAULT_DESK, conversation.conversationId)).resolves.toBe(
      'already-live',
    );
    expect(await rig.state('acme', conversation.conversationId)).toEqual(claimed);
    expect(rig.publisher.events).toHaveLength(1);
  });

  test('concurrent claims: one claims, the others find it already live', async () => {
    const conversation = await seed(rig, 'handing_over', { conversationId: uniqueId('web') });

    const outcomes = await Promise.all(
      [1, 2, 3, 4].map(() => claim(rig.runtime, acme(), DEFAULT_DESK, conversation.conversationId)),
    );

    expect([...outcomes].sort()).toEqual(['already-live', 'already-live', 'already-live', 'claimed']);
    expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
      phase: 'agent',
      version: conversation.version + 1,
    });
    await setup.conveyor.convey();
    expect(rig.publisher.published()).toEqual([['SessionStarted', `started:${handoverIdOf(conversation)}`]]);
  });

  test('a conversation not handed over (bot, intake) → 409; an unknown one → 404; nothing changes', async () => {
    const bot = await seed(rig, 'bot', { conversationId: uniqueId('web') });
    const intake = await seed(rig, 'intake', { conversationId: uniqueId('web') });

    for (const conversation of [bot, intake]) {
      const attempt = claim(rig.runtime, acme(), DEFAULT_DESK, conversation.conversationId);
      await expect(attempt).rejects.toBeInstanceOf(HttpError);
      await expect(attempt).rejects.toMatchObject({ statusCode: 409, code: 'no_live_session' });
      expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);
    }
    await expect(claim(rig.runtime, acme(), DEFAULT_DESK, 'never-seen')).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(rig.publisher.attempts).toBe(0);
  });

  test('a session whose lock ran out (not swept yet) cannot be claimed again → 409', async () => {
    const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
    rig.setNow(T0 + LOCK_MS);

    await expect(claim(rig.runtime, acme(), DEFAULT_DESK, conversation.conversationId)).rejects.toMatchObject(
      {
        statusCode: 409,
      },
    );
    expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);
  });
});

describe('postAgentMessage', () => {
  test('on a live session extends the lock from now; the message rides in that write for the conveyor, never on the bus', async () => {
    const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
    const { conversationId } = conversation;
    const handoverId = handoverIdOf(conversation);
    rig.setNow(T0 + 20 * 60_000);

    await postAgentMessage(rig.runtime, acme(), DEFAULT_DESK, conversationId, {
      messageId: 'desk-1',
      text: 'Hello, this is Grace.',
      signOff: false,
    });

    const stored = await rig.state('acme', conversationId);
    expect(stored).toMatchObject({
      phase: 'agent',
      version: conversation.version + 1,
      handover: { id: handoverId, lockExpiresAt: T0 + 20 * 60_000 + LOCK_MS, agentMessageIds: ['desk-1'] },
    });
    // The sweep index moves with the lock.
    expect(await rig.rawItem('acme', conversationId)).toMatchObject({
      lockExpiresAt: T0 + 20 * 60_000 + LOCK_MS,
    });
    expect(stored?.outbox?.map((event) => [event.detailType, event.detail.data])).toEqual([
      [
        'AgentMessaged',
        {
          tenantId: 'acme',
          conversationRef: conversationRef('acme', conversationId),
          agentStatus: 'online',
          handoverId,
          messageId: 'desk-1',
          text: 'Hello, this is Grace.',
          signOff: false,
        },
      ],
    ]);
    expect(rig.publisher.attempts).toBe(0);
  });

  test('a desk retry with the same message id changes nothing; without an id each call is a new message', async () => {
    const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
    const post = (messageId: string | undefined, signOff = false) =>
      postAgentMessage(rig.runtime, acme(), DEFAULT_DESK, conversation.conversationId, {
        messageId,
        text: 'Bye',
        signOff,
      });

    await post('desk-9', true);
    const once = await rig.state('acme', conversation.conversationId);
    await post('desk-9', true);
    expect(await rig.state('acme', conversation.conversationId)).toEqual(once);
    expect(once?.outbox?.[0]?.detail.data).toMatchObject({ messageId: 'desk-9', signOff: true });

    await post(undefined);
    await post(undefined);
    const after = await rig.state('acme', conversation.conversationId);
    expect(after?.version).toBe((once?.version ?? 0) + 2);
    expect(new Set(after?.handover?.agentMessageIds).size).toBe(3);
  });

  test('on a bot conversation → HttpError 409, nothing changes, nothing is published', async () => {
    const conversation = await seed(rig, 'bot', { conversationId: uniqueId('web') });

    const attempt = postAgentMessage(rig.runtime, acme(), DEFAULT_DESK, conversation.conversationId, {
      text: 'anyone?',
      signOff: false,
    });

    await expect(attempt).rejects.toBeInstanceOf(HttpError);
    await expect(attempt).rejects.toMatchObject({ statusCode: 409, code: 'no_live_session' });
    expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);
    expect(rig.publisher.attempts).toBe(0);
  });

  test('on a lock that ran out (not swept yet) → 409 and the lock is not revived; unknown conversation → 404', async () => {
    const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
    rig.setNow(T0 + LOCK_MS + 1);

    await expect(
      postAgentMessage(rig.runtime, acme(), DEFAULT_DESK, conversation.conversationId, {
        text: 'late',
        signOff: false,
      }),
    ).rejects.toMatchObject({ statusCode: 409 });
    expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);
    await expect(
      postAgentMessage(rig.runtime, acme(), DEFAULT_DESK, 'never-seen', { text: 'x', signOff: false }),
    ).rejects.toMatchObject({ statusCode: 404 });
    expect(rig.publisher.attempts).toBe(0);
  });
});
