/**
 * checkPresence on DynamoDB Local, against a real presence server on 127.0.0.1. The decision's write
 * carries its events in its outbox; the real conveyor publishes them from the table's stream and
 * tells the user (`conveyor.convey()`).
 */

import { checkPresence, type PresenceCheck } from '../../../functions/check-presence/check-presence';
import type { Conversation } from '../../../shared/domain/conversation';
import { applyCommand } from '../../../shared/flow/apply-command';
import { conversationRef } from '../../../shared/log/logger';
import type { ConveyorDriver } from './conveyor-driver';
import type { Mode, OutsideServer } from './outside-server';
import { useRigWithOutside } from './rig-with-outside';
import {
  byRef,
  handoverIdOf,
  QUESTIONS,
  SECRETS,
  seed,
  T0,
  type TestRig,
  uniqueId,
  WHATSAPP_USER,
} from './runtime';

const setup = useRigWithOutside('use-presence');
let outside: OutsideServer;
let rig: TestRig;
let conveyor: ConveyorDriver;
beforeAll(() => {
  ({ rig, outside, conveyor } = setup);
});

/** The HandoverRequested event of a seeded conversation, as check-presence receives it. */
function requestOf(conversation: Conversation): PresenceCheck {
  const handover = conversation.handover;
  if (!handover) throw new Error('no handover to check');
  return { ...byRef(conversation.tenantId, conversation.conversationId), handoverId: handover.id };
}

const storeAdditions = { mscChannel: 'WhatsApp', mscWebstore: 'acme-store', skill: 'billing' };

async function whatsappInPresence(): Promise<Conversation> {
  return seed(rig, 'presence', {
    conversationId: uniqueId('wa:3161'),
    channel: { type: 'whatsapp', ...WHATSAPP_USER },
    additions: storeAdditions,
  });
}

/** The texts the WhatsApp user was sent, in order. */
function whatsappTexts(): string[] {
  return outside.of('whatsapp').map((request) => {
    const body: unknown = JSON.parse(request.body);
    if (typeof body !== 'object' || body === null || !('text' in body)) return '';
    const text = body.text;
    return typeof text === 'object' && text !== null && 'body' in text ? String(text.body) : '';
  });
}

test('MSC answers Online → intake with agentStatus online, the first question asked; the query carries apikey, Channel and the web store', async () => {
  const conversation = await whatsappInPresence();
  const handoverId = handoverIdOf(conversation);

  await checkPresence(rig.runtime, requestOf(conversation));

  expect(outside.requests).toHaveLength(1);
  expect(outside.requests[0]).toMatchObject({
    system: 'presence',
    method: 'GET',
    path: '/presence/api/v1',
    query: { apikey: SECRETS.presenceKey, Channel: 'WhatsApp', referrer: 'acme-store' },
  });
  const stored = await rig.state('acme', conversation.conversationId);
  expect(stored).toMatchObject({
    phase: 'intake',
    agentStatus: 'online',
    version: conversation.version + 1,
    additions: storeAdditions,
    handover: { id: handoverId, intake: { step: 0, answers: {}, invalidAttempts: 0 } },
  });
  // Starting the intake is no event: the conveyor sees it in the write and asks the first question.
  expect(await rig.rawItem('acme', conversation.conversationId)).not.toHaveProperty('outbox');
  await conveyor.convey();
  expect(rig.publisher.events).toEqual([]);
  expect(whatsappTexts()).toEqual([QUESTIONS.name.prompt]);
  expect(rig.logs).toContainEqual(
    expect.objectContaining({
      message: 'presence checked',
      fields: { status: 'online', failure: undefined },
    }),
  );
});

test('MSC answers Offline → back to the bot with agentStatus offline, HandoverDeclined(no_agents)', async () => {
  outside.answer('presence', 'Offline\n');
  const conversation = await whatsappInPresence();
  const handoverId = handoverIdOf(conversation);

  await checkPresence(rig.runtime, requestOf(conversation));

  expect(outside.of('presence')).toHaveLength(1);
  const stored = await rig.state('acme', conversation.conversationId);
  expect(stored).toMatchObject({ phase: 'bot', agentStatus: 'offline', additions: storeAdditions });
  expect(stored?.handover).toBeUndefined();
  await conveyor.convey();
  expect(rig.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverId}`]]);
  expect(rig.publisher.events[0]?.detail.data).toEqual({
    tenantId: 'acme',
    conversationRef: conversationRef('acme', conversation.conversationId),
    handoverId,
    agentStatus: 'offline',
    reason: 'no_agents',
  });
  expect(whatsappTexts()).toEqual([rig.tenant('acme').messages.noAgents]);
});

const failures: Array<[Mode, string]> = [
  ['5xx', 'status'],
  ['hang', 'timeout'],
  ['garbage', 'invalid-response'],
];
test.each(failures)(
  'presence server in mode %s → offline (failure %s), HandoverDeclined(no_agents)',
  async (mode, failure) => {
    outside.mode('presence', mode);
    const conversation = await whatsappInPresence();
    const handoverId = handoverIdOf(conversation);

    const started = performance.now();
    await checkPresence(rig.runtime, requestOf(conversation));
    // A hanging desk costs the client's timeout (300 ms), not the Lambda's.
    expect(performance.now() - started).toBeLessThan(2_000);

    expect(outside.of('presence')).toHaveLength(1);
    const stored = await rig.state('acme', conversation.conversationId);
    expect(stored).toMatchObject({ phase: 'bot', agentStatus: 'offline' });
    expect(stored?.handover).toBeUndefined();
    await conveyor.convey();
    expect(rig.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverId}`]]);
    expect(rig.publisher.events[0]?.detail.data).toMatchObject({ reason: 'no_agents' });
    expect(rig.logs).toContainEqual(
      expect.objectContaining({ message: 'presence checked', fields: { status: 'offline', failure } }),
    );
  },
);

test('without a web store the referrer is the web chat page URL; with neither it is empty', async () => {
  const pageUrl = 'https://shop.example/nl/help?item=42&ref=a b';
  const withPage = await seed(rig, 'presence', {
    conversationId: uniqueId('web'),
    channel: { type: 'web', pageUrl },
    additions: { mscChannel: 'Web', skill: 'sales' },
    pageUrl,
  });
  const bare = await seed(rig, 'presence', {
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web' },
  });

  await checkPresence(rig.runtime, requestOf(withPage));
  await checkPresence(rig.runtime, requestOf(bare));

  expect(outside.of('presence').map((request) => request.query)).toEqual([
    { apikey: SECRETS.presenceKey, Channel: 'Web', referrer: pageUrl },
    { apikey: SECRETS.presenceKey, Channel: 'Web', referrer: '' },
  ]);
});

test('the webhook presence gets conversationId, channel and referrer on its own query; agentAvailable false → offline', async () => {
  outside.answer('presence-hook', '{"agentAvailable":false}');
  const conversation = await seed(rig, 'presence', {
    tenantId: 'hooks',
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web', mscWebstore: 'hooks-store' },
  });

  await checkPresence(rig.runtime, requestOf(conversation));

  expect(outside.of('presence-hook')).toEqual([
    expect.objectContaining({
      method: 'GET',
      path: '/presence-hook/available',
      query: {
        site: 'hooks',
        conversationId: conversation.conversationId,
        channel: 'Web',
        referrer: 'hooks-store',
      },
    }),
  ]);
  expect(await rig.state('hooks', conversation.conversationId)).toMatchObject({
    phase: 'bot',
    agentStatus: 'offline',
  });
  await conveyor.convey();
  expect(rig.publisher.events.map((event) => event.detail.data)).toEqual([
    expect.objectContaining({ reason: 'no_agents' }),
  ]);
});

test('a stale event (not the current handover) changes nothing and calls nobody', async () => {
  const conversation = await whatsappInPresence();

  await checkPresence(rig.runtime, { ...requestOf(conversation), handoverId: 'answer:an-older-one:0' });

  expect(outside.requests).toEqual([]);
  expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);
});

test('an event for a conversation no longer in presence changes nothing and asks nobody', async () => {
  const conversation = await seed(rig, 'intake', {
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web' },
  });

  await checkPresence(rig.runtime, requestOf(conversation));
  await checkPresence(rig.runtime, { ...requestOf(conversation), tenantId: 'nobody' });
  await checkPresence(rig.runtime, { ...requestOf(conversation), ...byRef('acme', 'never-seen') });

  // (The conveyor asks the seeded intake's first question: the web chat hears of it, presence does not.)
  expect(outside.of('presence')).toEqual([]);
  expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);
});

test('a redelivered event (same handover id), one after the other, asks presence once', async () => {
  const conversation = await whatsappInPresence();

  await checkPresence(rig.runtime, requestOf(conversation));
  await checkPresence(rig.runtime, requestOf(conversation));

  expect(outside.of('presence')).toHaveLength(1);
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
    phase: 'intake',
    version: conversation.version + 1,
  });
  await conveyor.convey();
  expect(whatsappTexts()).toEqual([QUESTIONS.name.prompt]);
});

test('a redelivery long after the first asks presence no more: the phase records the check', async () => {
  const conversation = await whatsappInPresence();
  await checkPresence(rig.runtime, requestOf(conversation));
  const checked = await rig.state('acme', conversation.conversationId);
  // EventBridge may redeliver for up to 24 hours.
  rig.setNow(T0 + 3_600_000);
  await checkPresence(rig.runtime, requestOf(conversation));

  expect(outside.of('presence')).toHaveLength(1);
  expect(await rig.state('acme', conversation.conversationId)).toEqual(checked);
});

test('the same event delivered 3 times at once decides once: one write, one HandoverDeclined, the user told once', async () => {
  outside.answer('presence', 'Offline');
  const conversation = await whatsappInPresence();
  const handoverId = handoverIdOf(conversation);

  await Promise.all([1, 2, 3].map(() => checkPresence(rig.runtime, requestOf(conversation))));

  // No once-only claim: each delivery may ask (a cache answers in production), one write wins.
  expect(outside.of('presence').length).toBeGreaterThanOrEqual(1);
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
    phase: 'bot',
    version: conversation.version + 1,
  });
  await conveyor.convey();
  expect(rig.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverId}`]]);
  expect(whatsappTexts()).toEqual([rig.tenant('acme').messages.noAgents]);
});

test("the check's write carries only its own events: the request's HandoverRequested is not published again", async () => {
  const bot = await seed(rig, 'bot', {
    conversationId: uniqueId('wa:3161'),
    channel: { type: 'whatsapp', ...WHATSAPP_USER },
  });
  const handoverId = 'answer:m-1:0';
  outside.answer('presence', 'Offline');
  // The request is written with HandoverRequested in its outbox, as the conveyor's pop writes it.
  const requested = await applyCommand(rig.runtime, 'acme', bot.conversationId, () => ({
    type: 'requestHandover',
    handoverId,
    additions: storeAdditions,
  }));
  if (requested.outcome !== 'applied') throw new Error('the request was not written');
  expect(requested.state.outbox?.map((event) => event.detail.metadata.id)).toEqual([
    `requested:${handoverId}`,
  ]);

  // check-presence read the request's version, outbox and all.
  await checkPresence(rig.runtime, requestOf(requested.state));

  const raw = await rig.rawItem('acme', bot.conversationId);
  expect(raw?.outbox).toEqual([
    expect.objectContaining({ detailType: 'HandoverDeclined', detail: expect.objectContaining({}) }),
  ]);
  await conveyor.convey();
  expect(rig.publisher.published()).toEqual([
    ['HandoverRequested', `requested:${handoverId}`],
    ['HandoverDeclined', `declined:${handoverId}`],
  ]);
});

test("a late answer for handover A does not decide handover B, requested while A's check was under way", async () => {
  // Prepare: A's presence check hangs (then times out: offline).
  outside.mode('presence', 'hang');
  const first = await whatsappInPresence();
  const firstId = handoverIdOf(first);
  const secondId = `${firstId}-again`;
  const checking = checkPresence(rig.runtime, requestOf(first));
  while (outside.of('presence').length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  // Meanwhile A is given up (the sweep) and the user asks again: B's presence is checked next.
  const { conversationId } = first;
  await applyCommand(rig.runtime, 'acme', conversationId, () => ({
    type: 'handoverFailed',
    handoverId: firstId,
    stage: 'timeout:presence',
  }));
  const again = await applyCommand(rig.runtime, 'acme', conversationId, () => ({
    type: 'requestHandover',
    handoverId: secondId,
    additions: storeAdditions,
  }));
  if (again.outcome !== 'applied') throw new Error('B was not requested');

  // Act: A's check answers (offline, timed out) after all.
  await checking;

  // Assess: B still waits for its own check; nobody was told there are no agents.
  expect(rig.logs).toContainEqual(
    expect.objectContaining({
      message: 'presence checked',
      fields: expect.objectContaining({ status: 'offline' }),
    }),
  );
  const stored = await rig.state('acme', conversationId);
  expect(stored).toMatchObject({
    phase: 'presence',
    version: again.state.version,
    handover: { id: secondId },
  });
  await conveyor.convey();
  expect(rig.publisher.published().map(([, id]) => id)).not.toContain(`declined:${secondId}`);

  // B's own check decides B.
  outside.mode('presence', 'ok');
  if (!stored) throw new Error('no conversation');
  await checkPresence(rig.runtime, requestOf(stored));
  expect(await rig.state('acme', conversationId)).toMatchObject({
    phase: 'intake',
    handover: { id: secondId },
  });
});

// Regression: handover ids derive from message ids, which the web chat chooses per conversation
// (`answer:m-1:0`, `start:m-1`). Keyed by the handover id alone, the second conversation's check
// was taken for a duplicate of the first and it stayed in `presence` forever.
test('two web conversations whose handover ids coincide (per-conversation message ids) are each checked', async () => {
  const handoverId = 'answer:m-1:0';
  const first = await seed(rig, 'presence', {
    conversationId: uniqueId('web'),
    handoverId,
    additions: { mscChannel: 'Web' },
  });
  const second = await seed(rig, 'presence', {
    conversationId: uniqueId('web'),
    handoverId,
    additions: { mscChannel: 'Web' },
  });

  await checkPresence(rig.runtime, requestOf(first));
  await checkPresence(rig.runtime, requestOf(second));

  expect(outside.of('presence')).toHaveLength(2);
  expect(await rig.state('acme', first.conversationId)).toMatchObject({ phase: 'intake' });
  expect(await rig.state('acme', second.conversationId)).toMatchObject({ phase: 'intake' });
});
