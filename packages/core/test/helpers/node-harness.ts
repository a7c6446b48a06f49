/**
 * A minimal adapter on bare node:http, driving createRamflow the way every framework adapter does: for tests of
 * the request lifecycle without a framework.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRamflow } from '../../src/ramflow.js';
import type { Ramflow, RamflowOptions, RequestInfo } from '../../src/types.js';

export const PAGE = '<!doctype html><html><body><h1>page</h1></body></html>';
export const HTML = { accept: 'text/html' };

export interface Harness {
  url: string;
  ramflow: Ramflow;
  close(): Promise<void>;
  /** Closes the server and leaves ramflow as an app that is dropped without close() would. */
  closeServerOnly(): Promise<void>;
}

/** A minimal adapter: what each framework adapter does, on bare node:http. */
export async function harness(
  options: RamflowOptions,
  handler?: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  /** The client address ramflow is told (default: the socket's). */
  remoteAddress?: string,
): Promise<Harness> {
  const ramflow = createRamflow(options);
  const server: Server = createServer(async (req, res) => {
    const info: RequestInfo = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      remoteAddress: remoteAddress ?? req.socket.remoteAddress,
    };
    if (ramflow.isOwnPath(info.url)) return ramflow.handle(info, req, res);
    const session = ramflow.start(info);
    res.once('close', () => session?.finish({ statusCode: res.statusCode, aborted: !res.writableFinished }));
    if (handler) await handler(req, res);
    let body: string | Buffer = PAGE;
    const response = { statusCode: 200, contentType: 'text/html; charset=utf-8', contentEncoding: undefined };
    if (session?.wantsBody(response))
      body = session.injectToolbar(body, response, { request: req, response: res });
    for (const [name, value] of session?.responseHeaders(response) ?? []) res.setHeader(name, value);
    res.setHeader('content-type', response.contentType);
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ramflow,
    closeServerOnly: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await ramflow.close();
    },
  };
}
