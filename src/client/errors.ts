import type { ErrorCode } from '../errors';

/**
 * Codes the SDK itself adds to the server's (docs/errors.md): the connection closed without a server error
 * (`connection_closed`), the server refused the upgrade with an HTTP status (`upgrade_refused`), no session
 * started in time (`connect_timeout`), and the session was closed by this client (`closed`).
 */
export type ClientErrorCode = ErrorCode | 'connection_closed' | 'upgrade_refused' | 'connect_timeout' | 'closed';

/** A failure the SDK reports: the server's error code and detail when it sent one, and the close code. */
export class FramewireClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    readonly detail: string,
    /** The WebSocket close code, when the connection closed. */
    readonly closeCode?: number,
    /** The frame the server's error was about, if any. */
    readonly frameIndex?: number,
  ) {
    super(`${code}: ${detail}${closeCode === undefined ? '' : ` (close ${closeCode})`}`);
    this.name = 'FramewireClientError';
  }
}
