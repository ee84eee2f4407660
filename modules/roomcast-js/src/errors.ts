/**
 * Codes of a failed request. The server's codes mirror HTTP statuses (docs/protocol.md); the client
 * raises two of them itself: {@link ErrorCode.TIMEOUT} when no reply came in time and
 * {@link ErrorCode.UNAVAILABLE} when the connection closed before the reply (the request may or may
 * not have taken effect) or the client is stopped.
 */
export const ErrorCode = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_SUBSCRIBED: 404,
  TIMEOUT: 408,
  ALREADY_SUBSCRIBED: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode] | number;

/** A request the server (or the client, see {@link RoomcastError.source}) refused or could not complete. */
export class RoomcastError extends Error {
  /** One of {@link ErrorCode}, or another code a newer server sends. */
  readonly code: ErrorCodeValue;
  /** Who decided: the server's `error` reply, or the client itself (timeout, closed connection, size check). */
  readonly source: 'server' | 'client';
  /** The request that failed: `publish`, `subscribe`, `unsubscribe`, `ping` or `refresh`. */
  readonly request: string;

  constructor(code: ErrorCodeValue, message: string, request: string, source: 'server' | 'client') {
    super(message);
    this.name = 'RoomcastError';
    this.code = code;
    this.request = request;
    this.source = source;
  }

  /** Whether trying the same request again later can succeed. */
  get retryable(): boolean {
    return this.code === ErrorCode.TIMEOUT || this.code === ErrorCode.TOO_MANY_REQUESTS
      || this.code === ErrorCode.INTERNAL || this.code === ErrorCode.UNAVAILABLE;
  }
}
