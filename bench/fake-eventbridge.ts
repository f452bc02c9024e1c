/** An EventBridge endpoint on 127.0.0.1 that accepts every PutEvents: the bench measures Baton, not a network. */
import { createServer } from 'node:http';
import * as z from 'zod';

const putEventsSchema = z.object({ Entries: z.array(z.unknown()) });

export async function startFakeEventBridge(): Promise<{ url: string; stop(): Promise<void> }> {
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
