/**
 * Issue 18, media for desks and bots, over the local stack: a user's WhatsApp file reaches the desk
 * and the bot with a signed, expiring link to Baton's media endpoint, which fetches it from the
 * simulated Graph API (Meta's two steps, the token checked) and streams it through unchanged.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { DEMO_PHONE_NUMBER_IDS } from '../../infra/local/tenants';
import { simulatedBytes } from '../../infra/local/whatsapp-media-sim';
import { flowOnLocalStack } from '../support/flow';

// demo3's Baton holds a WhatsApp token Meta no longer takes.
const local = flowOnLocalStack({
  tenantOverrides: { demo3: { whatsapp: { accessToken: { value: 'revoked-token' } } } },
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A file the user sends, as Meta keeps it for the tenant's number. */
async function upload(tenant: string, mimeType: string, size: number, seed?: string): Promise<string> {
  const response = await fetch(`${local.stack.url}/sim/whatsapp/media`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant, mimeType, size, seed }),
  });
  expect(response.status).toBe(201);
  return z.object({ id: z.string() }).parse(await response.json()).id;
}

const attachmentWithUrl = z.object({ attachment: z.object({ url: z.string() }).loose() }).loose();

test('a 7 MB video reaches the desk as a link that streams the very bytes WhatsApp keeps', async () => {
  const from = '31655510001';
  await local.flow.whatsappWithAgent('demo2', from);
  const size = 7 * 1024 * 1024;
  const mediaId = await upload('demo2', 'video/mp4', size, 'rattle-video');
  await local.flow.whatsapp('demo2', from, {
    content: { type: 'video', video: { id: mediaId, mime_type: 'video/mp4', caption: 'it rattles' } },
  });

  const [message] = (await local.flow.log({ system: 'agent-webhook', conversationId: `wa:${from}` }))
    .map((entry) => entry.body)
    .filter(
      (body) =>
        z
          .object({ event: z.literal('message') })
          .loose()
          .safeParse(body).success,
    );
  const { attachment } = attachmentWithUrl.parse(message);
  expect(attachment).toEqual({
    type: 'video',
    mediaId,
    mimeType: 'video/mp4',
    caption: 'it rattles',
    url: expect.stringMatching(new RegExp(`^${local.stack.url}/v1/demo2/media/[\\w-]+\\.[\\w-]{43}$`)),
  });
  // The text line for a view that shows text only carries the link too.
  expect(message).toMatchObject({ message: `[video] it rattles ${attachment.url}` });

  const response = await fetch(attachment.url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('video/mp4');
  expect(response.headers.get('content-length')).toBe(String(size));
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('cache-control')).toBe('private, no-store');
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect(bytes.length).toBe(size);
  expect(sha256(bytes)).toBe(sha256(simulatedBytes('rattle-video', size)));
  // Two calls, as Meta's reference has them: the media's URL, then its bytes.
  const graph = await local.flow.log({ system: 'whatsapp-media' });
  expect(graph.map((entry) => entry.outcome)).toEqual([200, 200]);
  expect(graph[0]?.path).toBe(`/sim/whatsapp/v21.0/${mediaId}`);
  expect(graph[0]?.body).toEqual({ phone_number_id: DEMO_PHONE_NUMBER_IDS.demo2 });
});

test('the bot gets the file with a link as well, and the link serves it', async () => {
  const from = '31655510002';
  const image = {
    type: 'image',
    image: { id: '1003383421387256', mime_type: 'image/jpeg', caption: 'the parcel' },
  };
  await local.flow.whatsapp('demo', from, { content: image });
  const [request] = (await local.flow.log({ system: 'bot', conversationId: `wa:${from}` })).map((entry) =>
    attachmentWithUrl.parse(entry.body),
  );
  const response = await fetch(request?.attachment.url ?? '');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-disposition')).toBe('inline');
  expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(
    sha256(simulatedBytes('1003383421387256', 48 * 1024)),
  );
});

describe('a link that is not good is refused, and nothing is asked of WhatsApp', () => {
  const mediaId = '622684793477189';
  const number = DEMO_PHONE_NUMBER_IDS.demo;
  const link = (tenant: string, minutes = 10, nowMs = local.stack.clock.now()) =>
    local.stack.mediaLinks.linkFor(tenant, { mediaId, phoneNumberId: number }, minutes, nowMs);
  /** One character of the signature changed. */
  const altered = (url: string) => `${url.slice(0, -1)}${url.endsWith('A') ? 'B' : 'A'}`;
  const errorOf = async (url: string) => {
    const response = await fetch(url);
    return {
      status: response.status,
      error: z.object({ error: z.string() }).parse(await response.json()).error,
    };
  };

  test.each([
    ['altered', async () => altered(await link('demo')), 403, 'invalid_link'],
    [
      'signed for another tenant',
      async () => (await link('demo')).replace('/v1/demo/', '/v1/demo2/'),
      403,
      'invalid_link',
    ],
    ['expired', async () => link('demo', 5, local.stack.clock.now() - 6 * 60_000), 410, 'link_expired'],
    [
      'for a tenant that does not exist',
      async () => `${local.stack.url}/v1/nobody/media/abc.${'A'.repeat(43)}`,
      404,
      'not_found',
    ],
  ])('%s', async (_name, make, status, error) => {
    expect(await errorOf(await make())).toEqual({ status, error });
    expect(await local.flow.log({ system: 'whatsapp-media' })).toEqual([]);
  });

  test('a POST', async () => {
    const response = await fetch(await link('demo'), { method: 'POST' });
    expect(response.status).toBe(405);
  });

  test('an expired link serves again once the clock is back (the clock is the stack’s)', async () => {
    const url = await link('demo', 5);
    local.stack.clock.advance(6 * 60_000);
    try {
      expect((await errorOf(url)).status).toBe(410);
    } finally {
      local.stack.clock.advance(-6 * 60_000);
    }
    expect((await fetch(url)).status).toBe(200);
  });
});

test('media WhatsApp does not keep (unknown, or another business’s) is 404 media_not_found', async () => {
  const unknown = await local.stack.mediaLinks.linkFor(
    'demo',
    { mediaId: '5550001', phoneNumberId: DEMO_PHONE_NUMBER_IDS.demo },
    10,
    local.stack.clock.now(),
  );
  // demo2's token and number, demo's file: Meta answers as if it did not exist.
  const foreign = await local.stack.mediaLinks.linkFor(
    'demo2',
    { mediaId: '622684793477189', phoneNumberId: DEMO_PHONE_NUMBER_IDS.demo2 },
    10,
    local.stack.clock.now(),
  );
  for (const url of [unknown, foreign]) {
    const response = await fetch(url);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'media_not_found' });
  }
  expect((await local.flow.log({ system: 'whatsapp-media' })).map((entry) => entry.outcome)).toEqual([
    400, 400,
  ]);
});

test('a token WhatsApp refuses is a 502 to the desk, counted; the token never leaves Baton', async () => {
  const mediaId = await upload('demo3', 'application/pdf', 1000);
  const url = await local.stack.mediaLinks.linkFor(
    'demo3',
    { mediaId, phoneNumberId: DEMO_PHONE_NUMBER_IDS.demo3 },
    10,
    local.stack.clock.now(),
  );
  const before = local.stack.metrics.count('MediaFetchFailed');
  const response = await fetch(url);
  expect(response.status).toBe(502);
  expect(await response.json()).toMatchObject({ error: 'whatsapp_unavailable' });
  expect(local.stack.metrics.count('MediaFetchFailed')).toBe(before + 1);
  const [asked] = await local.flow.log({ system: 'whatsapp-media' });
  expect(asked?.outcome).toBe(401);
  expect(asked?.headers.authorization).toBe('[redacted]');
});
