/**
 * The outside systems (presence, MSC, web chat, Web Conversations, bot, webhook desk) as one real
 * HTTP server on 127.0.0.1. The first path segment names the system; each system answers according
 * to its mode, and every request is recorded as received.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';

/**
 * ok: 200 with the system's answer; 5xx: 500; 4xx: 422 (refused for good); hang: never answers;
 * hang-once: never answers the next request, then ok (a slow desk that did take it); garbage: 200
 * with an unreadable body.
 */
export type Mode = 'ok' | '5xx' | '4xx' | 'hang' | 'hang-once' | 'garbage';

export interface RecordedRequest {
  system: string;
  method: string;
  /** The path as sent, percent-encoding included, without the query string. */
  path: string;
  query: Record<string, string>;
  /** Header names in lower case, as node reports them. */
  headers: Record<string, string>;
  body: string;
}

/** What each system says when it is `ok` and nobody set another answer. */
const DEFAULT_ANSWERS: Record<string, string> = {
  presence: 'Online',
  'presence-hook': '{"agentAvailable":true}',
  bot: '{"answers":[]}',
};

export const GARBAGE_BODY = '\u0000\u0007<html>¿Onl1ne?</html>';

export interface OutsideServer {
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** Requests one system received, in order. */
  of(system: string): RecordedRequest[];
  /** `system`, or `system lastPathSegment` for one endpoint of it. */
  mode(system: string, mode: Mode): void;
  /** The body an `ok` system answers with. */
  answer(system: string, body: string): void;
  /** Forgets requests, modes and answers. */
  reset(): void;
  close(): Promise<void>;
}

export async function startOutsideServer(): Promise<OutsideServer> {
  const requests: RecordedRequest[] = [];
  const modes = new Map<string, Mode>();
  const answers = new Map<string, string>();
  const hanging = new Set<ServerResponse>();

  const respond = (system: string, path: string, response: ServerResponse): void => {
    // A mode for `<system> <last path segment>` (one endpoint) wins over the system's.
    const endpoint = `${system} ${path.split('/').at(-1)}`;
    const key = modes.has(endpoint) ? endpoint : system;
    const mode = modes.get(key) ?? 'ok';
    if (mode === 'hang-once') modes.set(key, 'ok');
    switch (mode) {
      case 'ok': {
        const body = answers.get(system) ?? DEFAULT_ANSWERS[system] ?? '{}';
        const type = body.startsWith('{') ? 'application/json' : 'text/plain';
        response.writeHead(200, { 'content-type': type }).end(body);
        return;
      }
      case '5xx':
        response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        return;
      case '4xx':
        response.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"unprocessable"}');
        return;
      case 'garbage':
        response.writeHead(200, { 'content-type': 'text/html' }).end(GARBAGE_BODY);
        return;
      case 'hang':
      case 'hang-once':
        // Held open until the client gives up or the server closes.
        hanging.add(response);
        response.on('close', () => hanging.delete(response));
        return;
    }
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const system = url.pathname.split('/')[1] ?? '';
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      requests.push({
        system,
        method: request.method ?? '',
        path: (request.url ?? '/').split('?')[0] ?? '/',
        query: Object.fromEntries(url.searchParams),
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      respond(system, url.pathname, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === 'string') throw new Error('the outside server has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    of: (system) => requests.filter((entry) => entry.system === system),
    mode: (system, mode) => {
      modes.set(system, mode);
    },
    answer: (system, body) => {
      answers.set(system, body);
    },
    reset: () => {
      requests.length = 0;
      modes.clear();
      answers.clear();
    },
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** A recorded JSON body, parsed by the schema the test expects it to have. */
export function jsonBody<T>(request: RecordedRequest | undefined, schema: z.ZodType<T>): T {
  if (!request) throw new Error('no such request was recorded');
  const parsed: unknown = JSON.parse(request.body);
  return schema.parse(parsed);
}

/** What the web chat endpoint receives: one text for one conversation (web-sender's body). */
export const webDelivery = z
  .object({
    conversationId: z.string(),
    text: z.string(),
    buttons: z.optional(z.array(z.object({ payload: z.string(), title: z.string() }).strict())),
  })
  .strict();

/** Everything the web chat endpoint received, in order. */
export const webDeliveries = (outside: OutsideServer): Array<z.infer<typeof webDelivery>> =>
  outside.of('web').map((request) => jsonBody(request, webDelivery));

/** The texts the web chat endpoint received for one conversation, in order. */
export const webTexts = (outside: OutsideServer, conversationId: string): string[] =>
  webDeliveries(outside)
    .filter((body) => body.conversationId === conversationId)
    .map((body) => body.text);
