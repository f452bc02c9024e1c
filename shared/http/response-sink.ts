/**
 * A streamed HTTP response: the status and headers first, then the body as it comes. In AWS it is
 * Lambda's response stream behind a function URL (RESPONSE_STREAM); locally the server's response.
 */
import type { Writable } from 'node:stream';

export interface ResponseSink {
  /** Sends the status and headers; write the body to what it returns, and end it. */
  start(statusCode: number, headers: Record<string, string>): Writable;
}

export function sendJson(sink: ResponseSink, statusCode: number, body: unknown): void {
  sink.start(statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
