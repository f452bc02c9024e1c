/**
 * Every outside HTTP call goes through here: it always has a timeout, and its failure is a typed
 * OutsideCallError whose `kind` the caller maps to a defined outcome.
 */
export type OutsideCallFailure = 'timeout' | 'network' | 'status' | 'invalid-response';

export class OutsideCallError extends Error {
  override readonly name = 'OutsideCallError';

  constructor(
    readonly system: string,
    readonly kind: OutsideCallFailure,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${system}: ${message}`, options);
  }

  /** 5xx, 429, timeouts and network errors may succeed later; other 4xx will not. */
  get retryable(): boolean {
    if (this.kind === 'status') return this.status === undefined || this.status >= 500 || this.status === 429;
    return this.kind !== 'invalid-response';
  }
}

export interface HttpRequest {
  system: string;
  method: 'GET' | 'POST';
  url: string;
  timeoutMs: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  contentType: string;
  text: string;
}

export type HttpCall = (request: HttpRequest) => Promise<HttpResponse>;

/** A call that got no answer: timed out (its signal aborted) or failed on the network. */
const callFailed = (request: HttpRequest, timedOut: boolean, cause: unknown): OutsideCallError =>
  new OutsideCallError(
    request.system,
    timedOut ? 'timeout' : 'network',
    timedOut ? `no answer within ${request.timeoutMs} ms` : 'request failed',
    undefined,
    { cause },
  );

/** fetch with a deadline on the whole exchange, body included; non-2xx becomes an OutsideCallError. */
export const fetchHttp: HttpCall = async (request) => {
  const signal = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      redirect: 'error',
    });
    text = await response.text();
  } catch (error) {
    throw callFailed(request, signal.aborted, error);
  }
  if (response.status < 200 || response.status > 299) {
    throw new OutsideCallError(request.system, 'status', `answered HTTP ${response.status}`, response.status);
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
};

/** Parses a JSON answer; a body that is not JSON is an invalid response, not a crash. */
export function parseJsonBody(system: string, text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new OutsideCallError(
      system,
      'invalid-response',
      'answered with a body that is not JSON',
      undefined,
      {
        cause: error,
      },
    );
  }
}

export interface HttpStreamRequest extends HttpRequest {
  /** The whole exchange, body included; `timeoutMs` bounds the wait for the answer's headers. */
  deadlineMs: number;
}

export interface HttpStreamResponse {
  status: number;
  contentType: string;
  /** The announced length, when there is one. */
  contentLength: number | undefined;
  /** Read it (or cancel it): it is aborted with an error once the deadline passes. */
  body: ReadableStream<Uint8Array>;
}

export type HttpStreamCall = (request: HttpStreamRequest) => Promise<HttpStreamResponse>;

/** fetch for a body too large to hold: headers within `timeoutMs`, the rest by `deadlineMs`. */
export const fetchStream: HttpStreamCall = async (request) => {
  const headersDue = new AbortController();
  const timer = setTimeout(() => headersDue.abort(), request.timeoutMs);
  const deadline = AbortSignal.timeout(request.deadlineMs);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.any([headersDue.signal, deadline]),
      redirect: 'error',
    });
  } catch (error) {
    throw callFailed(request, headersDue.signal.aborted || deadline.aborted, error);
  } finally {
    clearTimeout(timer);
  }
  if (response.status < 200 || response.status > 299 || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new OutsideCallError(request.system, 'status', `answered HTTP ${response.status}`, response.status);
  }
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    contentLength: Number.isSafeInteger(length) && length >= 0 ? length : undefined,
    body: response.body,
  };
};
