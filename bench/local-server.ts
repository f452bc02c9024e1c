/** Puts a bench's HTTP server on a free port of 127.0.0.1 (nothing here talks to any other address). */
import type { Server } from 'node:http';

export interface LocalServer {
  url: string;
  stop(): Promise<void>;
}

export async function listenLocal(server: Server): Promise<LocalServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
