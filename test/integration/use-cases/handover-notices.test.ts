/**
 * The notices of a handover's course, sent by the conveyor from the record whose version wrote
 * their events: once per record, whatever reads it again, and in order with the messages around it.
 */
import { receiveUserMessage } from '../../../functions/ingest/receive-user-message';
import { applyCommand } from '../../../shared/flow/apply-command';
import { type OutsideServer, webTexts } from './outside-server';
import {
  type RigWithOutside,
  resetRigWithOutside,
  startRigWithOutside,
  stopRigWithOutside,
} from './rig-with-outside';
import { handoverIdOf, LOCK_MS, seed, type TestRig, uniqueId } from './runtime';

let setup: RigWithOutside;
let outside: OutsideServer;
let rig: TestRig;

beforeAll(async () => {
  setup = await startRigWithOutside('use-handover-notices');
  ({ rig, outside } = setup);
});
afterAll(() => stopRigWithOutside(setup));
beforeEach(() => resetRigWithOutside(setup));

const AGENT_JOINED = 'An agent will be with you shortly.';

test('the write that locks the conversation to the agent tells the user once, however often the stream is read', async () => {
  const stored = await seed(rig, 'handing_over', { conversationId: uniqueId('web') });
  const handoverId = handoverIdOf(stored);

  const applied = await applyCommand(rig.runtime, 'acme', stored.conversationId, () => ({
    type: 'handoverSucceeded',
    handoverId,
    lockMs: LOCK_MS,
  }));
  expect(applied.outcome).toBe('applied');
  await setup.conveyor.convey();
  await setup.conveyor.convey();

  expect(webTexts(outside, stored.conversationId)).toEqual([AGENT_JOINED]);
  expect(rig.publisher.published(stored.conversationId)).toEqual([
    ['SessionStarted', `started:${handoverId}`],
  ]);
});

test('"no agents": told before the bot answers the message that waited through the presence check', async () => {
  const stored = await seed(rig, 'presence', { conversationId: uniqueId('web') });
  const handoverId = handoverIdOf(stored);
  outside.answer('bot', '{"answers":[{"text":"echo: still there?"}]}');
  await receiveUserMessage(rig.runtime, {
    tenantId: 'acme',
    conversationId: stored.conversationId,
    channel: { type: 'web' },
    message: { id: 'waited-1', text: 'still there?', receivedAt: rig.clock.now() },
  });
  await setup.conveyor.convey();
  expect(outside.of('bot')).toHaveLength(0);

  await applyCommand(rig.runtime, 'acme', stored.conversationId, () => ({
    type: 'presenceChecked',
    handoverId,
    status: 'offline',
  }));
  await setup.conveyor.convey();

  expect(webTexts(outside, stored.conversationId)).toEqual([
    rig.tenant('acme').messages.noAgents,
    'echo: still there?',
  ]);
});

test('a handover given up by the sweep tells the user it failed; a notice the channel fails is tried again in place', async () => {
  const stored = await seed(rig, 'handing_over', { conversationId: uniqueId('web') });
  const handoverId = handoverIdOf(stored);
  outside.mode('web', '5xx');
  await applyCommand(rig.runtime, 'acme', stored.conversationId, () => ({
    type: 'handoverFailed',
    handoverId,
    stage: 'timeout:handing_over',
  }));
  // The channel mends before the conveyor's last attempt.
  setTimeout(() => outside.mode('web', 'ok'), 1_000);
  await setup.conveyor.convey();

  // Every attempt is recorded, the failed ones too: the same notice, more than once, nothing else.
  const attempts = webTexts(outside, stored.conversationId);
  expect(new Set(attempts)).toEqual(new Set([rig.tenant('acme').messages.handoverFailed]));
  expect(attempts.length).toBeGreaterThan(1);
});
