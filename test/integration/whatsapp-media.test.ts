/**
 * The Graph media client against a real HTTP server on 127.0.0.1 that misbehaves: every wait is
 * bounded (the answer's headers by the tenant's timeout, the whole download by its deadline).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchHttp, fetchStream, OutsideCallError } from '../../shared/clients/http';
import { createWhatsAppMedia } from '../../shared/clients/whatsapp-media';
import { literalSecrets } from '../../shared/config/secrets';
import { parseTenants } from '../../shared/config/tenants';

let server: Server;
let base: string;
/** What the server does with the download (the media URL answers at once, pointing back here). */
let download: (response: ServerResponse) => void;
const held: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url?.startsWith('/v21.0/')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ url: `${base}/file`, mime_type: 'image/jpeg', file_size: '10', id: '1' }),
      );
      return;
    }
    download(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const response of held) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const config = () => {
  const [tenant] = parseTenants([
    {
      id: 'acme',
      bot: { url: 'https://bot.example', signingSecret: { value: 's' } },
      agentApiToken: { value: 't' },
      desk: { type: 'webhook', url: 'https://desk.example', signingSecret: { value: 'd' } },
      presence: { type: 'webhook', url: 'https://desk.example/presence' },
      whatsapp: {
        graphApiUrl: base,
        appSecret: { value: 'a' },
        verifyToken: { value: 'v' },
        accessToken: { value: 'token' },
        timeoutMs: 300,
        phoneNumberIds: ['1'],
      },
    },
  ]);
  if (!tenant?.whatsapp) throw new Error('no whatsapp config');
  return tenant.whatsapp;
};
const media = createWhatsAppMedia(fetchHttp, fetchStream, literalSecrets);
const open = (deadlineMs: number) => media.open(config(), { mediaId: '1', phoneNumberId: '1' }, deadlineMs);

test('a download whose headers do not come within the timeout fails as a timeout', async () => {
  download = (response) => held.push(response);
  const started = Date.now();
  await expect(open(10_000)).rejects.toMatchObject({ kind: 'timeout', system: 'whatsapp' });
  expect(Date.now() - started).toBeLessThan(2_000);
});

test('a body that stalls is cut at the deadline, headers or not', async () => {
  download = (response) => {
    response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': '10' });
    response.write('12345');
    held.push(response);
  };
  const opened = await open(800);
  expect(opened).toMatchObject({ mimeType: 'image/jpeg', contentLength: 10 });
  const started = Date.now();
  await expect(new Response(opened.body).arrayBuffer()).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(2_000);
});

test('a refusal of the download is an OutsideCallError with its status, the body let go', async () => {
  download = (response) => {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{"error":{"code":404}}');
  };
  const failure = await open(5_000).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(OutsideCallError);
  expect(failure).toMatchObject({ kind: 'status', status: 404 });
});
