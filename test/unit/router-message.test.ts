/** The router's TwoWay request to the adapter Baton hosts → the user's messages, with ids that make a repeat a duplicate. */
import { routerUserMessages } from '../../functions/ingest/router-message';
import type { TwoWay } from '../../shared/http/twoway-format';

const chat = {
  id: 'c0ffee00-0000-0000-0000-000000000001',
  accountId: 'link',
  channel: 'WhatsApp',
  conversationClientId: '31612345678',
  conversationHostId: 'host',
};
const twoWay = (conversationMessages: TwoWay['conversationMessages']): TwoWay => ({
  chat,
  conversationMessages,
  conversationEvents: [],
});

test("the user's messages in order, each typed; what the host sent is not the user's", () => {
  const { channel, messages } = routerUserMessages(
    twoWay([
      { $type: 'text', id: 'm-1', direction: 'ClientOriginated', text: 'hello' },
      { $type: 'text', id: 'm-2', direction: 'ClientTerminated', text: 'echo: hello' },
      { $type: 'image', id: 'm-3', direction: 'ClientOriginated' },
    ]),
    42,
  );
  expect(channel).toEqual({
    type: 'router',
    chatId: chat.id,
    channel: 'WhatsApp',
    clientId: '31612345678',
    hostId: 'host',
  });
  expect(messages).toEqual([
    { id: 'twoway:m-1', text: 'hello', receivedAt: 42 },
    { id: 'twoway:m-3', unsupportedType: 'image', receivedAt: 42 },
  ]);
});

test("ids: the router's, else its time and place (the same on a repeat), else one of its own (never a false duplicate)", () => {
  const timed = {
    $type: 'text',
    direction: 'ClientOriginated',
    createdOn: '2026-12-03T10:00:00Z',
    text: 'a',
  } as const;
  const first = routerUserMessages(twoWay([timed]), 1).messages[0]?.id;
  expect(first).toBe(`twoway:${chat.id}:2026-12-03T10:00:00Z:0`);
  expect(routerUserMessages(twoWay([timed]), 2).messages[0]?.id).toBe(first);
  const bare = { $type: 'text', direction: 'ClientOriginated', text: 'ok' } as const;
  const [one, two] = [routerUserMessages(twoWay([bare]), 1), routerUserMessages(twoWay([bare]), 1)];
  expect(one.messages[0]?.id).not.toBe(two.messages[0]?.id);
});
