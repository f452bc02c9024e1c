import { newConversation } from '../../shared/domain/conversation';
import {
  additionsOf,
  handoverCommandFor,
  handoverIdFrom,
  handoverRequestOf,
  LIVECHAT_SESSION_END,
  LIVECHAT_SESSION_EXPIRED,
  LIVECHAT_SESSION_START,
  mscChannelOf,
} from '../../shared/domain/handover-trigger';
import type { BotAnswer } from '../../shared/events/shapes';

const HANDOVER_EVENT = 'HANDOVER_REQUESTED';

function answer(fields: Omit<BotAnswer, 'id'> = {}): BotAnswer {
  return { id: 'a-1', text: 'Let me find a colleague for you.', ...fields };
}

describe('constants', () => {
  test('the livechat payloads are the ones CM.com uses; MSC names the channels as its presence API lists them', () => {
    expect(LIVECHAT_SESSION_START).toBe('LIVECHAT_SESSION_START');
    expect(LIVECHAT_SESSION_END).toBe('LIVECHAT_SESSION_END');
    expect(LIVECHAT_SESSION_EXPIRED).toBe('LIVECHAT_SESSION_EXPIRED');
    expect(mscChannelOf({ type: 'whatsapp', waId: '31612345678', phoneNumberId: 'p-1' })).toBe('WhatsApp');
    expect(mscChannelOf({ type: 'web' })).toBe('WebChat');
    // A chat on CM.com's router: its channel's name, the router's web chat as MSC names it.
    const routerChat = (channel: string) => ({
      type: 'router' as const,
      chatId: 'c',
      channel,
      clientId: 'u',
      hostId: 'h',
    });
    expect(mscChannelOf(routerChat('WhatsApp'))).toBe('WhatsApp');
    expect(mscChannelOf(routerChat('CXWebConversations'))).toBe('WebChat');
    expect(mscChannelOf(routerChat('Instagram'))).toBe('Instagram');
  });
});

describe('handoverRequestOf: what triggers a handover', () => {
  test.each([
    ['the boolean true', true],
    ['the string "true"', 'true'],
    ['the string "TRUE"', 'TRUE'],
    ['the string "True"', 'True'],
  ])('livechat as %s triggers', (_label, livechat) => {
    expect(handoverRequestOf(answer({ outputAdditions: { livechat } }), HANDOVER_EVENT)).toEqual({
      skill: undefined,
      mscWebstore: undefined,
      mscChannel: undefined,
    });
  });

  test.each([
    ['the boolean false', false],
    ['the string "false"', 'false'],
    ['the string "yes"', 'yes'],
    ['the number 1', 1],
    ['an empty string', ''],
  ])('livechat as %s does not trigger', (_label, livechat) => {
    expect(handoverRequestOf(answer({ outputAdditions: { livechat } }), HANDOVER_EVENT)).toBeUndefined();
  });

  test('no livechat in the additions does not trigger', () => {
    expect(
      handoverRequestOf(answer({ outputAdditions: { skill: 'billing' } }), HANDOVER_EVENT),
    ).toBeUndefined();
  });

  test('no additions and no metadata at all does not trigger', () => {
    expect(handoverRequestOf(answer(), HANDOVER_EVENT)).toBeUndefined();
  });

  test("metadata triggerEvent equal to the tenant's handover event triggers", () => {
    expect(
      handoverRequestOf(answer({ metadata: { triggerEvent: 'HANDOVER_REQUESTED' } }), HANDOVER_EVENT),
    ).toEqual({ skill: undefined, mscWebstore: undefined, mscChannel: undefined });
  });

  test('metadata triggerEvent triggers with the additions the answer carries', () => {
    expect(
      handoverRequestOf(
        answer({
          metadata: { triggerEvent: 'HANDOVER_REQUESTED' },
          outputAdditions: { skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'Web' },
        }),
        HANDOVER_EVENT,
      ),
    ).toEqual({ skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'Web' });
  });

  test.each([
    ['another event', 'SOMETHING_ELSE'],
    ['the same event in other case', 'handover_requested'],
    ['an empty event', ''],
  ])('metadata triggerEvent as %s does not trigger', (_label, triggerEvent) => {
    expect(handoverRequestOf(answer({ metadata: { triggerEvent } }), HANDOVER_EVENT)).toBeUndefined();
  });

  test('metadata without triggerEvent does not trigger', () => {
    expect(handoverRequestOf(answer({ metadata: { intent: 'greeting' } }), HANDOVER_EVENT)).toBeUndefined();
  });

  test('livechat triggers even when the triggerEvent is a different one', () => {
    expect(
      handoverRequestOf(
        answer({ outputAdditions: { livechat: 'true' }, metadata: { triggerEvent: 'SOMETHING_ELSE' } }),
        HANDOVER_EVENT,
      ),
    ).toEqual({ skill: undefined, mscWebstore: undefined, mscChannel: undefined });
  });
});

describe("handoverCommandFor: an mscChannel left out is the conversation's channel", () => {
  const asking = answer({ outputAdditions: { livechat: true } });
  test.each([
    ['WhatsApp', newConversation('acme', 'wa:316', { type: 'whatsapp', waId: '316', phoneNumberId: 'p' }, 0)],
    ['WebChat', newConversation('acme', 'web-1', { type: 'web' }, 0)],
  ])('%s', (mscChannel, conversation) => {
    expect(handoverCommandFor(asking, HANDOVER_EVENT, undefined, conversation, 1)).toMatchObject({
      type: 'requestHandover',
      additions: { mscChannel },
    });
  });

  test('one the bot gives is kept', () => {
    const web = newConversation('acme', 'web-2', { type: 'web' }, 0);
    const given = answer({ outputAdditions: { livechat: true, mscChannel: 'Facebook Messenger' } });
    expect(handoverCommandFor(given, HANDOVER_EVENT, undefined, web, 1)).toMatchObject({
      additions: { mscChannel: 'Facebook Messenger' },
    });
  });
});

describe('handoverRequestOf / additionsOf: the additions saved with a handover', () => {
  test('skill and mscWebstore are trimmed, a given mscChannel is kept', () => {
    expect(
      handoverRequestOf(
        answer({
          outputAdditions: {
            livechat: true,
            skill: '  billing ',
            mscWebstore: '\tshop-1\n',
            mscChannel: 'Web',
          },
        }),
        HANDOVER_EVENT,
      ),
    ).toStrictEqual({ skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'Web' });
  });

  test('empty and blank strings become undefined, mscChannel too', () => {
    expect(additionsOf({ skill: '', mscWebstore: '   ', mscChannel: '' })).toStrictEqual({
      skill: undefined,
      mscWebstore: undefined,
      mscChannel: undefined,
    });
  });

  test('absent fields are undefined', () => {
    expect(additionsOf({})).toStrictEqual({
      skill: undefined,
      mscWebstore: undefined,
      mscChannel: undefined,
    });
  });

  test('a given mscChannel is kept (trimmed)', () => {
    expect(additionsOf({ mscChannel: ' Facebook ' })).toStrictEqual({
      skill: undefined,
      mscWebstore: undefined,
      mscChannel: 'Facebook',
    });
  });

  test('booleans are not taken as skill, web store or channel; numbers are, as text', () => {
    expect(additionsOf({ skill: true, mscWebstore: false, mscChannel: false })).toStrictEqual({
      skill: undefined,
      mscWebstore: undefined,
      mscChannel: undefined,
    });
    expect(additionsOf({ skill: 42, mscWebstore: 7 })).toStrictEqual({
      skill: '42',
      mscWebstore: '7',
      mscChannel: undefined,
    });
  });

  test('other additions (livechat itself, anything else) are not carried', () => {
    expect(additionsOf({ livechat: true, skill: 'sales', foo: 'bar' })).toStrictEqual({
      skill: 'sales',
      mscWebstore: undefined,
      mscChannel: undefined,
    });
  });
});

describe('handover ids', () => {
  // A WhatsApp message id is base64 around the sender's number: 16505551234 here.
  const wamid = `wamid.${Buffer.from('\u0018\u000b16505551234\u0015\u0002\u0000').toString('base64')}`;

  test('name their cause by a keyed reference, so no message id (and no number) travels with them', () => {
    const id = handoverIdFrom('start', wamid);
    expect(id).toMatch(/^start:i-[0-9a-f]{32}$/);
    expect(id).not.toContain(wamid);
  });

  test('the same cause names the same handover; another cause another one', () => {
    expect(handoverIdFrom('answer', 'm1:0')).toBe(handoverIdFrom('answer', 'm1:0'));
    expect(handoverIdFrom('answer', 'm1:0')).not.toBe(handoverIdFrom('answer', 'm1:1'));
    expect(handoverIdFrom('answer', 'm1')).not.toBe(handoverIdFrom('start', 'm1'));
    const conversation = newConversation('acme', 'wa:1', { type: 'web' }, 0);
    const command = handoverCommandFor(
      answer({ outputAdditions: { livechat: true } }),
      HANDOVER_EVENT,
      undefined,
      conversation,
      0,
    );
    expect(command).toMatchObject({ type: 'requestHandover', handoverId: handoverIdFrom('answer', 'a-1') });
  });
});
