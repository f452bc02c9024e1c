/**
 * Issue 18, inbound typed messages, over the local stack: every WhatsApp message type Meta documents
 * (the fixtures of test/fixtures/whatsapp/types, taken as they are) reaches the bot typed, and in a
 * live chat the generic desk gets the same typed attachment beside a text line for text-only views.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { flowOnLocalStack } from '../support/flow';

const FIXTURES = path.resolve(__dirname, '../fixtures/whatsapp/types');
const fixtureSchema = z.object({
  entry: z.array(
    z.object({
      changes: z.array(
        z.object({ value: z.object({ messages: z.array(z.record(z.string(), z.unknown())) }) }),
      ),
    }),
  ),
});

/** The fixture's message as Meta sent it, without the ids and sender the flow sets itself. */
function contentOf(fixture: string): Record<string, unknown> {
  const parsed = fixtureSchema.parse(
    JSON.parse(readFileSync(path.join(FIXTURES, `${fixture}.json`), 'utf8')),
  );
  const message = parsed.entry[0]?.changes[0]?.value.messages[0] ?? {};
  const { from: _from, id: _id, timestamp: _timestamp, ...content } = message;
  return content;
}

const local = flowOnLocalStack();

const botRequestSchema = z.object({
  attachment: z.unknown().optional(),
  text: z.string().optional(),
  unsupportedType: z.string().optional(),
});

/** What the bot was sent for each message of the conversation, in order. */
async function botGot(conversationId: string) {
  const entries = await local.flow.log({ system: 'bot', conversationId });
  return entries.map((entry) => botRequestSchema.parse(entry.body));
}

test.each([
  [
    'image',
    {
      type: 'image',
      mediaId: '1003383421387256',
      mimeType: 'image/jpeg',
      caption: 'Photo of the damaged parcel',
    },
  ],
  ['voice', { type: 'voice', mediaId: '1908647269898587', mimeType: 'audio/ogg; codecs=opus' }],
  ['audio', { type: 'audio', mimeType: expect.any(String), mediaId: expect.any(String) }],
  [
    'video',
    {
      type: 'video',
      mimeType: 'video/mp4',
      mediaId: expect.any(String),
      caption: 'This is what happens when I open the app',
    },
  ],
  [
    'document',
    {
      type: 'document',
      mediaId: '622684793477189',
      mimeType: 'application/pdf',
      caption: 'my receipt',
      filename: 'receipt.pdf',
    },
  ],
  ['sticker', { type: 'sticker', mediaId: '2041558730179364', mimeType: 'image/webp' }],
  [
    'location',
    {
      type: 'location',
      // Meta's 37.44221496582, -122.16165924072, kept to 7 decimals (about a centimetre).
      latitude: 37.442215,
      longitude: -122.1616592,
      name: 'Philz Coffee',
      address: '101 Forest Ave, Palo Alto, CA 94301',
    },
  ],
  [
    'contacts',
    {
      type: 'contacts',
      contacts: [
        { name: 'Barbara J. Johnson', phones: ['+1 (415) 555-0829'], emails: ['bjohnson@socialtsunami.com'] },
      ],
    },
  ],
  [
    'reaction',
    {
      type: 'reaction',
      messageId: 'wamid.HBgLMzE2MTIzNDU2NzgVAgARGBIxNDdFNkY5RjdCNjkwNDkxN0IA',
      emoji: '👍',
    },
  ],
])('a WhatsApp %s reaches the bot typed, and the bot’s answer the user', async (fixture, attachment) => {
  const from = '31655500001';
  await local.flow.whatsapp('demo', from, { content: contentOf(fixture) });

  const [request] = await botGot(`wa:${from}`);
  // A file comes with a link to Baton's media endpoint (test/e2e/media.test.ts follows it).
  const link = { url: expect.stringMatching(/\/v1\/demo\/media\/[\w-]+\.[\w-]{43}$/) };
  const isFile = !['location', 'contacts', 'reaction'].includes(attachment.type);
  expect(request).toEqual({ attachment: isFile ? { ...attachment, ...link } : attachment });
  const toUser = await local.flow.log({ system: 'whatsapp' });
  expect(JSON.stringify(toUser.at(-1)?.body)).toContain(`got your ${attachment.type}`);
});

test('a type Baton does not read (Meta’s “unsupported”) reaches the bot named, without text or attachment', async () => {
  await local.flow.whatsapp('demo', '31655500002', { content: contentOf('unsupported') });
  expect(await botGot('wa:31655500002')).toEqual([{ unsupportedType: 'unsupported' }]);
});

test('in a live chat the generic desk gets the attachment typed, and a text line for a text-only view', async () => {
  const from = '31655500003';
  await local.flow.whatsapp('demo2', from, { text: 'agent' });
  await local.flow.whatsapp('demo2', from, { text: 'ada@example.com' });
  expect((await local.flow.state('demo2', `wa:${from}`)).phase).toBe('agent');

  await local.flow.whatsapp('demo2', from, { content: contentOf('image') });
  await local.flow.whatsapp('demo2', from, { content: contentOf('location') });

  const toDesk = (await local.flow.log({ system: 'agent-webhook', conversationId: `wa:${from}` }))
    .map((entry) => z.object({ event: z.string() }).loose().parse(entry.body))
    .filter((body) => body.event === 'message');
  expect(toDesk.slice(-2)).toEqual([
    expect.objectContaining({
      interlocutor: 'user',
      message: expect.stringMatching(
        /^\[image\] Photo of the damaged parcel http:\/\/\S+\/v1\/demo2\/media\//,
      ),
      attachment: {
        type: 'image',
        mediaId: '1003383421387256',
        mimeType: 'image/jpeg',
        caption: 'Photo of the damaged parcel',
        url: expect.stringContaining('/v1/demo2/media/'),
      },
    }),
    expect.objectContaining({
      message: '[location] Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301 (37.44221, -122.16166)',
      attachment: expect.objectContaining({ type: 'location', name: 'Philz Coffee' }),
    }),
  ]);
});
