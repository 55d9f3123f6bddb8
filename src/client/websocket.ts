/**
 * The WebSocket the SDK runs on: the platform's own in the browser, the `ws` package in Node (Node 20 has no
 * global WebSocket). Both are driven through the same WHATWG subset below, so the session code is one.
 */

/** The part of the WHATWG WebSocket the SDK uses; `ws` implements it too. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  send(data: ArrayBufferLike | ArrayBufferView | Blob | string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: { message?: string; error?: unknown }) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocolsOrOptions?: unknown) => WebSocketLike;

export const OPEN = 1;

/** The constructor to use, and whether it takes an options object with headers (`ws` does; browsers do not). */
export interface WebSocketImpl {
  readonly Ctor: WebSocketConstructor;
  readonly takesHeaders: boolean;
}

export async function resolveWebSocket(given?: WebSocketConstructor): Promise<WebSocketImpl> {
  if (given) return { Ctor: given, takesHeaders: false };
  const platform = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (platform) return { Ctor: platform, takesHeaders: false };
  // Node: the `ws` package (a dependency of the server, and of the SDK's Node users). The browser bundle marks it
  // external and never reaches this line.
  const ws = (await import('ws')) as unknown as { WebSocket: WebSocketConstructor };
  return { Ctor: ws.WebSocket, takesHeaders: true };
}
