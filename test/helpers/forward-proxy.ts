/**
 * A local forwarding HTTP proxy for tests: node:http on 127.0.0.1, a random port. It takes both
 * ways a client may use a proxy for an `http://` server: absolute-form requests
 * (`GET http://host/path`) and `CONNECT host:port` tunnels. Requests inside a tunnel are read by
 * the proxy too (the tunnelled server speaks plain HTTP), so it counts every request it forwards,
 * whichever way it came, and the hosts they went to.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ForwardProxy {
  /** `http://127.0.0.1:<port>`: the value for `HTTP_PROXY`/`HTTPS_PROXY`. */
  readonly url: string;
  /** Requests forwarded so far. */
  readonly requests: number;
  /** `CONNECT` tunnels opened so far. */
  readonly tunnels: number;
  /** The `host:port` of every request forwarded, in order. */
  readonly targets: readonly string[];
  close(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  let requests = 0;
  let tunnels = 0;
  const targets: string[] = [];
  const sockets = new Set<Socket>();

  const forward = (target: URL, req: IncomingMessage, res: ServerResponse) => {
    requests++;
    targets.push(target.host);
    const upstream = httpRequest(
      { host: target.hostname, port: target.port || 80, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };

  // Reads the requests inside CONNECT tunnels: each tunnel's socket is handed to this server.
  const tunnelled = createServer((req, res) => {
    const authority = (req.socket as Socket & { tunnelTo?: string }).tunnelTo!;
    forward(new URL(req.url ?? '/', `http://${authority}`), req, res);
  });
  const proxy: Server = createServer((req, res) => {
    const url = req.url ?? '';
    if (!/^http:\/\//i.test(url)) {
      res.writeHead(400).end('absolute-form requests only');
      return;
    }
    forward(new URL(url), req, res);
  });
  proxy.on('connect', (req: IncomingMessage, socket: Socket) => {
    tunnels++;
    (socket as Socket & { tunnelTo?: string }).tunnelTo = req.url ?? '';
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    tunnelled.emit('connection', socket);
  });
  for (const server of [proxy, tunnelled]) {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  }
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get tunnels() {
      return tunnels;
    },
    targets,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
