import type { Server, ServerResponse } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
import { Server as TlsServer } from "node:tls";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export interface DrainOptions {
  /** A socket idle this long while draining is closed (it had its chance to send one more request). */
  idleCloseMs?: number;
}

declare module "fastify" {
  interface FastifyInstance {
    /** True once `drain()` was called: answers carry `Connection: close`, readiness reports not ready. */
    readonly draining: boolean;
    /**
     * Stop accepting connections, answer every request already received (each answer closes its keep-alive
     * connection), close sockets that stay idle, and resolve once no connection is left.
     */
    drain(): Promise<void>;
  }
}

interface Tracked {
  /** When the socket's last answer ended (or the drain started, whichever is later). */
  idleSince: number;
}

/** Node's http server keeps the response being written on its socket here (null between requests). */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * A drain that drops nothing. Node's `server.close()` closes idle keep-alive sockets at once, and a client that
 * is writing its next request on one of them then gets ECONNRESET; here the listening socket is closed alone,
 * every answer from then on says `Connection: close`, and an idle socket is closed only after it has stayed idle
 * for `idleCloseMs` (clients under load send on it, get their answer and the close, in that time).
 * Until `drain()` is called this costs nothing per request: only connections are tracked; requests are watched
 * from the drain on (those in flight then are found on their sockets).
 */
export const drainPlugin = fp(
  async (app: FastifyInstance, options: DrainOptions) => {
    const idleCloseMs = options.idleCloseMs ?? 250;
    const sockets = new Map<HttpSocket, Tracked>();
    let draining = false;
    let drained: Promise<void> | undefined;
    const server = app.server as Server;
    // the sockets requests arrive on: the TLS ones for https (ending the TCP socket under one would cut it)
    server.on(server instanceof TlsServer ? "secureConnection" : "connection", (socket: HttpSocket) => {
      sockets.set(socket, { idleSince: performance.now() });
      socket.once("close", () => sockets.delete(socket));
    });
    /** Answer `res` with `Connection: close`, and note when it ends. */
    const watch = (t: Tracked, res: ServerResponse) => {
      if (!res.headersSent) res.setHeader("connection", "close");
      res.once("close", () => {
        t.idleSince = performance.now();
      });
    };
    app.decorate("draining", {
      getter: () => draining,
    });
    app.decorate("drain", () => {
      draining = true;
      drained ??= new Promise<void>((resolve) => {
        // the listening socket only (http.Server#close would also end idle keep-alive sockets at once)
        if (server.listening) NetServer.prototype.close.call(server);
        const now = performance.now();
        for (const [socket, t] of sockets) {
          // every socket gets a full idleCloseMs from now to send one more request
          t.idleSince = now;
          const res = socket._httpMessage;
          if (res !== undefined && res !== null) watch(t, res);
        }
        // (before fastify's listener, so an answer sent synchronously there is closed too)
        server.prependListener("request", (req, res) => {
          const t = sockets.get(req.socket as HttpSocket);
          if (t !== undefined) watch(t, res);
        });
        const sweep = () => {
          const at = performance.now();
          for (const [socket, t] of sockets) {
            // Node puts a request's answer on its socket before the request is handled and takes it off when
            // the answer is written (then the next pipelined one, if any): a socket without one is idle
            if (socket._httpMessage !== undefined && socket._httpMessage !== null) t.idleSince = at;
            else if (at - t.idleSince >= idleCloseMs) socket.end();
          }
          if (sockets.size === 0) {
            clearInterval(timer);
            resolve();
          }
        };
        const timer = setInterval(sweep, Math.max(10, Math.floor(idleCloseMs / 5)));
        sweep();
      });
      return drained;
    });
  },
  { name: "pyfunc-drain", fastify: "5.x" },
);
