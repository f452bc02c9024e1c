/** An EventBridge endpoint on 127.0.0.1 that accepts every PutEvents: the bench measures Baton, not a network. */
import { createServer } from 'node:http';
import * as z from 'zod';
import { type LocalServer, listenLocal } from './local-server';

const putEventsSchema = z.object({ Entries: z.array(z.unknown()) });

export async function startFakeEventBridge(): Promise<LocalServer> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const parsed = putEventsSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString() || '{}'));
      const entries = parsed.success ? parsed.data.Entries : [];
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      response.end(
        JSON.stringify({ FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `e-${i}` })) }),
      );
    });
  });
  return listenLocal(server);
}
