import type { ServerFrameMsg } from './codec.js';

/** What the client does after a connection ends: the server's `disconnect` frame, else what the close code means. */
export interface Advice {
  code: number;
  reason: string;
  reconnect: boolean;
  retryAfterMs?: number;
}

/** Close codes after which reconnecting cannot help, when the server sent no `disconnect` advice. */
const FINAL_CLOSE_CODES = new Set([1000, 1002, 1003, 1007, 1008, 1009, 1010, 4000]);
/** The server's code for an expired token: get a new one before reconnecting. */
export const TOKEN_EXPIRED = 4001;
/** The close code the client sends when it gives up on a silent or stuck connection (IANA: "Timeout"). */
export const CLOSE_TIMEOUT = 3008;

/** What a close code without a `disconnect` frame advises. */
export function adviceFor(code: number, reason: string): Advice {
  const reconnect = !(FINAL_CLOSE_CODES.has(code) || (code >= 4500 && code <= 4999));
  return { code, reason: reason || (code === 1006 ? 'connection lost' : ''), reconnect };
}

/** The advice of a `disconnect` frame. */
export function adviceFrom(d: NonNullable<ServerFrameMsg['disconnect']>): Advice {
  const advice: Advice = { code: d.code ?? 0, reason: d.reason ?? '', reconnect: !!d.reconnect };
  if (d.retryAfterMs) advice.retryAfterMs = d.retryAfterMs;
  return advice;
}
