import type { ServerResponse } from 'node:http';

/**
 * Sets a response header (the echoed request id) unless an earlier middleware already sent the
 * headers; true when it was set. Trying is cheaper than asking first on every request
 * (`res.headersSent`, Koa's ctx.headerSent), and only "already sent" is swallowed.
 */
export function setHeaderUnlessSent(res: ServerResponse, name: string, value: string): boolean {
  try {
    res.setHeader(name, value);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_HTTP_HEADERS_SENT') throw err;
    return false;
  }
}
