/**
 * WhatsApp's media endpoints as Meta's Cloud API reference describes them, for the local stack:
 * `GET /{version}/{media-id}` (optionally `?phone_number_id=`) with a business's token answers
 * `{messaging_product, url, mime_type, sha256, file_size, id}`, the URL good for 5 minutes; `GET` on
 * that URL with the same token answers the bytes. Written from the reference, not from Baton's client.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonResponse, type SimResponse, send } from './sim-response';

/** Meta: "media URLs expire after 5 minutes". */
export const MEDIA_URL_MINUTES = 5;

export interface SimMedia {
  phoneNumberId: string;
  mimeType: string;
  bytes: Buffer;
}

/** A business account: its token reaches the media of its numbers only. */
export interface GraphAccount {
  accessToken: string;
  phoneNumberIds: readonly string[];
}

// Graph's errors, as its reference shows them.
const invalidToken = () =>
  jsonResponse(401, {
    error: {
      message: 'Invalid OAuth access token - Cannot parse access token',
      type: 'OAuthException',
      code: 190,
    },
  });
const noSuchObject = (id: string) =>
  jsonResponse(400, {
    error: {
      message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      type: 'GraphMethodException',
      code: 100,
      error_subcode: 33,
    },
  });

export class WhatsAppMediaSimulator {
  private readonly media = new Map<string, SimMedia>();
  private readonly urlKey = randomBytes(16);
  private counter = 0;

  /** `baseUrl`: where the Graph API is simulated (the tenants' `graphApiUrl`). */
  constructor(
    private readonly baseUrl: string,
    private readonly accounts: readonly GraphAccount[],
  ) {}

  /** Media a user sent, as Meta keeps it; its id, numeric like Meta's, unless given. */
  add(media: SimMedia, id = `${9_000_000_000_000_000 + ++this.counter}`): string {
    this.media.set(id, media);
    return id;
  }

  static handles(method: string, path: string): boolean {
    return method === 'GET' && (MEDIA_ID.test(path) || DOWNLOAD.test(path));
  }

  /** Answers a Graph media request (`handles` said it is one). */
  serve(request: IncomingMessage, response: ServerResponse, url: URL): number {
    const account = this.accountOf(request.headers.authorization);
    if (!account) return this.reply(response, invalidToken());
    if (DOWNLOAD.test(url.pathname)) return this.download(response, account, url.searchParams);
    const id = decodeURIComponent(MEDIA_ID.exec(url.pathname)?.[1] ?? '');
    const media = this.media.get(id);
    const number = url.searchParams.get('phone_number_id');
    if (
      !media ||
      !account.phoneNumberIds.includes(media.phoneNumberId) ||
      (number && number !== media.phoneNumberId)
    )
      return this.reply(response, noSuchObject(id));
    const ext = Math.floor(Date.now() / 1000) + MEDIA_URL_MINUTES * 60;
    const query = new URLSearchParams({ mid: id, ext: String(ext), hash: this.hash(id, ext) });
    return this.reply(
      response,
      jsonResponse(200, {
        messaging_product: 'whatsapp',
        url: `${this.baseUrl}/whatsapp_business/attachments/?${query}`,
        mime_type: media.mimeType,
        sha256: createHash('sha256').update(media.bytes).digest('hex'),
        file_size: String(media.bytes.length),
        id,
      }),
    );
  }

  private download(response: ServerResponse, account: GraphAccount, query: URLSearchParams): number {
    const id = query.get('mid') ?? '';
    const ext = Number(query.get('ext'));
    const media = this.media.get(id);
    // An expired or altered URL, or another business's media: Meta answers 404.
    if (
      !media ||
      query.get('hash') !== this.hash(id, ext) ||
      ext * 1000 <= Date.now() ||
      !account.phoneNumberIds.includes(media.phoneNumberId)
    )
      return this.reply(
        response,
        jsonResponse(404, { error: { message: 'URL expired or not found', code: 404 } }),
      );
    response.writeHead(200, { 'content-type': media.mimeType, 'content-length': String(media.bytes.length) });
    response.end(media.bytes);
    return 200;
  }

  private accountOf(authorization: string | undefined): GraphAccount | undefined {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    return token === undefined ? undefined : this.accounts.find((account) => account.accessToken === token);
  }

  private hash(id: string, ext: number): string {
    return createHmac('sha256', this.urlKey).update(`${id}:${ext}`).digest('hex');
  }

  private reply(response: ServerResponse, answer: SimResponse): number {
    send(response, answer);
    return answer.status;
  }
}

const MEDIA_ID = /^\/sim\/whatsapp\/v\d+\.\d+\/(\d+)$/;
const DOWNLOAD = /^\/sim\/whatsapp\/whatsapp_business\/attachments\/$/;

/**
 * The media of the inbound fixtures (test/fixtures/whatsapp/types), kept for the demo tenant's number
 * so a walkthrough can send one and fetch it back: their ids and types as Meta sent them.
 */
export const FIXTURE_MEDIA: ReadonlyArray<{ id: string; mimeType: string }> = [
  { id: '1003383421387256', mimeType: 'image/jpeg' },
  { id: '1284726390184513', mimeType: 'audio/mpeg' },
  { id: '1908647269898587', mimeType: 'audio/ogg; codecs=opus' },
  { id: '1166846181421424', mimeType: 'video/mp4' },
  { id: '622684793477189', mimeType: 'application/pdf' },
  { id: '2041558730179364', mimeType: 'image/webp' },
];

/** `size` bytes that stand for a file: binary (every byte value occurs), the same for the same seed. */
export function simulatedBytes(seed: string, size: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < size; i += 1)
    blocks.push(createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(blocks).subarray(0, size);
}
