import { createServer } from 'node:http';

export interface PageServer {
  /** `http://localhost:PORT`: an origin the repository's own app server does not use. */
  origin: string;
  /** What every GET returns from now on (an HTML page). */
  setHtml(html: string): void;
  /** Serves `body` with `type` at `path` instead of the page. */
  setFile(path: string, type: string, body: Buffer | string): void;
  close(): Promise<void>;
}

/** A stand-in for a developer's own app: one HTML page on a loopback origin, at any path (on `port`, default any free one). */
export async function startPageServer(port = 0): Promise<PageServer> {
  let html = '';
  const files = new Map<string, { type: string; body: Buffer | string }>();
  const server = createServer((req, res) => {
    const file = files.get(new URL(req.url!, 'http://x').pathname);
    res.writeHead(200, { 'Content-Type': file?.type ?? 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(file?.body ?? html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as { port: number };
  return {
    origin: `http://localhost:${bound}`,
    setHtml: (value) => { html = value; },
    setFile: (path, type, body) => { files.set(path, { type, body }); },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
