/** What a simulated outside system answers, and how it is written to the wire. */
import type { ServerResponse } from 'node:http';

export interface SimResponse {
  status: number;
  contentType?: string;
  body: string;
}

export function jsonResponse(status: number, body: unknown): SimResponse {
  return { status, contentType: 'application/json', body: JSON.stringify(body) };
}

export function send(response: ServerResponse, answer: SimResponse): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain; charset=utf-8' });
  response.end(answer.body);
}
