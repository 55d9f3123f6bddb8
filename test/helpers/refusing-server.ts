/**
 * An HTTP server that refuses every WebSocket upgrade with an HTTP status, as a draining Framewire does (503:
 * test/stream-shutdown-upgrade.test.ts) or a proxy with no instance behind it (502, 504); for the clients'
 * retry policy. The n-th upgrade gets `statuses[n]`, the last one again once they run out. Counts the tries.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RefusingServer {
  readonly url: string;
  /** Upgrades tried so far. */
  upgrades(): number;
  close(): Promise<void>;
}

export async function refusingServer(...statuses: number[]): Promise<RefusingServer> {
  let upgrades = 0;
  const refuser = http.createServer((_req, res) => res.writeHead(statuses[statuses.length - 1]).end());
  refuser.on('upgrade', (_req, socket) => {
    const status = statuses[Math.min(upgrades++, statuses.length - 1)];
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  await new Promise<void>((resolve) => refuser.listen(0, '127.0.0.1', resolve));
  const { port } = refuser.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, upgrades: () => upgrades, close: () => new Promise((resolve) => refuser.close(() => resolve())) };
}
