/**
 * The notices of a handover's course, sent by the conveyor from the record whose version wrote
 * their events: once per record, whatever reads it again, and in order with the messages around it.
 */
import { receiveUserMessage } from '../../../functions/ingest/receive-user-message';
import { applyCommand } from '../../../shared/flow/apply-command';
import { webTexts } from './outside-server';
import { useRigWithOutside } from './rig-with-outside';
import { handoverIdOf, LOCK_MS, seed, uniqueId } from './runtime';

const setup = useRigWithOutside('use-handover-notices');

const AGENT_JOINED = 'An agent will be with you shortly.';

test('the write that locks the conversation to the agent tells the user once, however often the stream is read', async () => {
  const stored = await seed(setup.rig, 'handing_over', { conversationId: uniqueId('web') });
  const handoverId = handoverIdOf(stored);

  const applied = await applyCommand(setup.rig.runtime, 'acme', stored.conversationId, () => ({
    type: 'handoverSucceeded',
    handoverId,
    lockMs: LOCK_MS,
  }));
  expect(applied.outcome).toBe('applied');
  await setup.conveyor.convey();
  await setup.conveyor.convey();

  expect(webTexts(setup.outside, stored.conversationId)).toEqual([AGENT_JOINED]);
  expect(setup.rig.publisher.published(stored.conversationId)).toEqual([
    ['SessionStarted', `started:${handoverId}`],
  ]);
});

test('"no agents": told before the bot answers the message that waited through the presence check', async () => {
  const stored = await seed(setup.rig, 'presence', { conversationId: uniqueId('web') });
  const handoverId = handoverIdOf(stored);
  setup.outside.answer('bot', '{"answers":[{"text":"echo: still there?"}]}');
  await receiveUserMessage(setup.rig.runtime, {
    tenantId: 'acme',
    conversationId: stored.conversationId,
    channel: { type: 'web' },
    message: { id: 'waited-1', text: 'still there?', receivedAt: setup.rig.clock.now() },
  });
  await setup.conveyor.convey();
  expect(setup.outside.of('bot')).toHaveLength(0);

  await applyCommand(setup.rig.runtime, 'acme', stored.conversationId, () => ({
    type: 'presenceChecked',
    handoverId,
    status: 'offline',
  }));
  await setup.conveyor.convey();

  expect(webTexts(setup.outside, stored.conversationId)).toEqual([
    setup.rig.tenant('acme').messages.noAgents,
    'echo: still there?',
  ]);
});

test('a handover given up by the sweep tells the user it failed; a notice the channel fails is tried again in place', async () => {
  const stored = await seed(setup.rig, 'handing_over', { conversationId: uniqueId('web') });
  const handoverId = handoverIdOf(stored);
  setup.outside.mode('web', '5xx');
  await applyCommand(setup.rig.runtime, 'acme', stored.conversationId, () => ({
    type: 'handoverFailed',
    handoverId,
    stage: 'timeout:handing_over',
  }));
  // The channel mends before the conveyor's last attempt.
  setTimeout(() => setup.outside.mode('web', 'ok'), 1_000);
  await setup.conveyor.convey();

  // Every attempt is recorded, the failed ones too: the same notice, more than once, nothing else.
  const attempts = webTexts(setup.outside, stored.conversationId);
  expect(new Set(attempts)).toEqual(new Set([setup.rig.tenant('acme').messages.handoverFailed]));
  expect(attempts.length).toBeGreaterThan(1);
});
