/** Errors a webhook answers with; anything else thrown becomes a logged 500 without details. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const badRequest = (field: string, message: string): HttpError =>
  new HttpError(400, 'invalid_request', message, field);
export const unauthorized = (message = 'missing or invalid signature'): HttpError =>
  new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string): HttpError => new HttpError(403, 'forbidden', message);
export const notFound = (message: string): HttpError => new HttpError(404, 'not_found', message);
export const payloadTooLarge = (limit: number): HttpError =>
  new HttpError(413, 'payload_too_large', `body larger than ${limit} bytes`);
