/**
 * Issue 18, outbound rich messages, over the local stack: an agent's or the bot's file, reply buttons
 * and list reach WhatsApp as Meta's media and interactive messages (the simulator refuses, with
 * Meta's 400, any body its messages reference does not allow), web chat in the same shapes, and a
 * chat on CM.com's router as readable text.
 */
import * as z from 'zod';
import { flowOnLocalStack } from '../support/flow';

const local = flowOnLocalStack();

const sentBody = z.object({ type: z.string() }).loose();

/** How many sends to WhatsApp came before the agent's turn (the notices of the handover). */
let before = 0;
beforeEach(() => {
  before = 0;
});

/** What reached WhatsApp for `from` after `before`, each with Meta's answer. */
async function toWhatsApp(from: string) {
  const entries = await local.flow.log({ system: 'whatsapp', conversationId: `wa:${from}` });
  return entries.slice(before).map((entry) => ({
    outcome: entry.outcome,
    body: sentBody.parse(entry.body),
  }));
}

/** Live with demo2's desk; what reached WhatsApp so far (the handover's notices) is left behind. */
async function liveWithDesk(from: string): Promise<void> {
  await local.flow.whatsappWithAgent('demo2', from);
  before = (await local.flow.log({ system: 'whatsapp', conversationId: `wa:${from}` })).length;
}

describe('an agent on WhatsApp', () => {
  test('a PDF with a caption: one document message, by link, with its file name', async () => {
    const from = '31655520001';
    await liveWithDesk(from);
    const answer = await local.flow.agent('demo2', `wa:${from}`, 'messages', {
      text: 'Your invoice',
      media: { type: 'document', url: 'https://files.example.com/inv-1.pdf', filename: 'invoice.pdf' },
    });
    expect(answer.status).toBe(202);
    expect(await toWhatsApp(from)).toEqual([
      {
        outcome: 200,
        body: expect.objectContaining({
          type: 'document',
          document: {
            link: 'https://files.example.com/inv-1.pdf',
            caption: 'Your invoice',
            filename: 'invoice.pdf',
          },
        }),
      },
    ]);
  });

  test('three reply buttons under an image header: one interactive message', async () => {
    const from = '31655520002';
    await liveWithDesk(from);
    await local.flow.agent('demo2', `wa:${from}`, 'messages', {
      text: 'Is this your parcel?',
      media: { type: 'image', url: 'https://files.example.com/parcel.jpg' },
      buttons: [
        { id: 'YES', title: 'Yes' },
        { id: 'NO', title: 'No' },
        { id: 'UNSURE', title: 'Not sure' },
      ],
    });
    expect(await toWhatsApp(from)).toEqual([
      {
        outcome: 200,
        body: expect.objectContaining({
          type: 'interactive',
          interactive: {
            type: 'button',
            header: { type: 'image', image: { link: 'https://files.example.com/parcel.jpg' } },
            body: { text: 'Is this your parcel?' },
            action: {
              buttons: [
                { type: 'reply', reply: { id: 'YES', title: 'Yes' } },
                { type: 'reply', reply: { id: 'NO', title: 'No' } },
                { type: 'reply', reply: { id: 'UNSURE', title: 'Not sure' } },
              ],
            },
          },
        }),
      },
    ]);
  });

  test('a voice note and its text: the text first, then the audio (Meta takes no caption on audio)', async () => {
    const from = '31655520003';
    await liveWithDesk(from);
    await local.flow.agent('demo2', `wa:${from}`, 'messages', {
      text: 'Listen to this',
      media: { type: 'audio', url: 'https://files.example.com/note.ogg' },
    });
    expect((await toWhatsApp(from)).map(({ outcome, body }) => [outcome, body.type])).toEqual([
      [200, 'text'],
      [200, 'audio'],
    ]);
  });

  test.each([
    ['four buttons', { text: 'Pick', buttons: ['A', 'B', 'C', 'D'].map((id) => ({ id, title: id })) }],
    ['a button title of 21 characters', { text: 'Pick', buttons: [{ id: 'A', title: 'x'.repeat(21) }] }],
    ['buttons without text', { buttons: [{ id: 'A', title: 'A' }] }],
    [
      'buttons and a list',
      {
        text: 'Pick',
        buttons: [{ id: 'A', title: 'A' }],
        list: { button: 'L', sections: [{ rows: [{ id: 'r', title: 'r' }] }] },
      },
    ],
    [
      'eleven list rows',
      {
        text: 'Pick',
        list: {
          button: 'L',
          sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `r${i}` })) }],
        },
      },
    ],
    ['a file that is not a URL', { media: { type: 'image', url: 'parcel.jpg' } }],
    ['nothing to say', { buttons: undefined }],
  ])('%s: 400 to the desk, nothing sent', async (_name, body) => {
    const from = '31655520004';
    await liveWithDesk(from);
    const answer = await local.flow.agent('demo2', `wa:${from}`, 'messages', body);
    expect(answer.status).toBe(400);
    expect(await toWhatsApp(from)).toEqual([]);
  });
});

describe('the bot', () => {
  test('on WhatsApp: buttons, a list and a picture as Meta’s messages, each taken', async () => {
    const from = '31655520005';
    await local.flow.whatsapp('demo', from, { text: 'menu' });
    await local.flow.whatsapp('demo', from, { text: 'catalog' });
    await local.flow.whatsapp('demo', from, { text: 'picture' });
    const sent = await toWhatsApp(from);
    expect(sent.map(({ outcome }) => outcome)).toEqual([200, 200, 200]);
    expect(sent.map(({ body }) => body)).toEqual([
      expect.objectContaining({
        type: 'interactive',
        interactive: expect.objectContaining({ type: 'button' }),
      }),
      expect.objectContaining({
        type: 'interactive',
        interactive: expect.objectContaining({
          type: 'list',
          body: { text: 'Pick a category' },
          action: expect.objectContaining({ button: 'Categories' }),
        }),
      }),
      expect.objectContaining({
        type: 'image',
        image: { link: 'https://cdn.example.com/lamp.jpg', caption: 'Here is the product\n\nThe Arc lamp' },
      }),
    ]);
  });

  test('in web chat: the same shapes', async () => {
    await local.flow.web('demo', 'web-rich-1', { text: 'catalog' });
    await local.flow.web('demo', 'web-rich-1', { text: 'picture' });
    const bodies = (await local.flow.log({ system: 'web', conversationId: 'web-rich-1' })).map(
      (entry) => entry.body,
    );
    expect(bodies).toEqual([
      expect.objectContaining({
        text: 'Pick a category',
        list: expect.objectContaining({ button: 'Categories' }),
      }),
      expect.objectContaining({
        text: 'Here is the product',
        media: { type: 'image', url: 'https://cdn.example.com/lamp.jpg', caption: 'The Arc lamp' },
      }),
    ]);
  });

  test('on CM.com’s router, which carries text only: readable text', async () => {
    const user = '31655520006';
    for (const text of ['menu', 'picture']) {
      await fetch(`${local.stack.url}/sim/router/demo/users/${user}`, {
        method: 'POST',
        body: JSON.stringify({ text }),
      });
      await local.stack.settle();
    }
    const view = z
      .object({ toUser: z.array(z.string()) })
      .parse(await (await fetch(`${local.stack.url}/sim/router/demo/users/${user}`)).json());
    expect(view.toUser).toEqual([
      'What can I do for you?\n• Order status\n• Returns\n• Talk to an agent',
      'Here is the product\n[image] The Arc lamp https://cdn.example.com/lamp.jpg',
    ]);
  });
});

describe('the WhatsApp simulator, written from Meta’s reference', () => {
  const send = (body: unknown, token = 'demo-graph-access-token') =>
    fetch(`${local.stack.url}/sim/whatsapp/v21.0/1234567890/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  const base = { messaging_product: 'whatsapp', to: '31655520007' };

  test('takes Meta’s own examples', async () => {
    expect((await send({ ...base, type: 'text', text: { body: 'hi', preview_url: false } })).status).toBe(
      200,
    );
    expect((await send({ ...base, type: 'sticker', sticker: { id: '2041558730179364' } })).status).toBe(200);
  });

  test.each([
    [
      'a caption on audio',
      { ...base, type: 'audio', audio: { link: 'https://x.example/a.ogg', caption: 'no' } },
    ],
    ['a link and an id', { ...base, type: 'image', image: { link: 'https://x.example/a.jpg', id: '1' } }],
    ['an empty text', { ...base, type: 'text', text: { body: '' } }],
    [
      'two buttons with one title',
      {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'x' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'a', title: 'Same' } },
              { type: 'reply', reply: { id: 'b', title: 'Same' } },
            ],
          },
        },
      },
    ],
    ['an unknown field', { ...base, type: 'text', text: { body: 'hi' }, colour: 'red' }],
  ])('refuses %s with (#100) Invalid parameter', async (_name, body) => {
    const answer = await send(body);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: { code: 100, message: '(#100) Invalid parameter' } });
  });

  test('refuses another business’s token with OAuthException 190', async () => {
    const answer = await send({ ...base, type: 'text', text: { body: 'hi' } }, 'demo2-graph-access-token');
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ error: { type: 'OAuthException', code: 190 } });
  });
});
