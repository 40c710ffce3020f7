/** Milliseconds since the epoch, from the local clock. */
export const now = (): number => Date.now();

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for `http://localhost`, `http://127.0.0.1` and `http://[::1]` on any port. */
export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || url.hostname.endsWith('.localhost');
}

/** True when `url` may carry tokens: https anywhere, or http on a loopback host. */
export function isSecureOrigin(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url));
}

/**
 * Returns `target` as a path on `origin` (path, query and fragment), or `'/'` when it would leave
 * the origin: absolute URLs to elsewhere, `//host` and `/\host` (which browsers read as
 * protocol-relative), `javascript:` and anything else unparseable.
 */
export function sameOriginPath(target: unknown, origin: string): string {
  const leaves = (path: string) => !path.startsWith('/') || /^\/[/\\]/.test(path);
  if (typeof target !== 'string' || leaves(target)) return '/';
  try {
    const url = new URL(target, origin);
    const path = url.pathname + url.search + url.hash;
    // Resolving dot segments can make a protocol-relative path: `/a/..//evil.example`.
    return url.origin !== origin || leaves(path) ? '/' : path;
  } catch {
    return '/';
  }
}
