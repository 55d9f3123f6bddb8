/**
 * The bearer token, one for both transports (FRAMEWIRE_AUTH_TOKEN, alias STREAM_AUTH_TOKEN): how a client
 * presents it and how it is compared. Pure: no sockets, no logging (the token is never logged anywhere).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * True when `given` is the expected token. Constant-time in the content and the length of `given`: both sides
 * are hashed to 32 bytes first, and timingSafeEqual compares those (a plain length check would tell an
 * attacker the token's length; a byte loop, how many leading bytes were right).
 */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer TOKEN` header (scheme case-insensitive, RFC 6750), or undefined. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^bearer +(.*)$/i.exec(header);
  return match ? match[1].trim() : undefined;
}

/**
 * True for an address only this machine can reach: a loopback IP (127.0.0.0/8, ::1, IPv4-mapped loopback) or
 * `localhost`. `0.0.0.0` and `::` are every interface, so not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1' || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/** The start-up warning for a server anyone on the network may use, or undefined. */
export function exposureWarning(host: string, token: string | undefined): string | undefined {
  if (token !== undefined || isLoopbackHost(host)) return undefined;
  return `listening on ${host} without an auth token: anyone who can reach this port can run inference and open streams; set FRAMEWIRE_AUTH_TOKEN, or HOST=127.0.0.1 behind a proxy`;
}
