import type { Server } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
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
  busy: number;
  idleSince: number;
}

/**
 * A drain that drops nothing. Node's `server.close()` closes idle keep-alive sockets at once, and a client that
 * is writing its next request on one of them then gets ECONNRESET; here the listening socket is closed alone,
 * every answer from then on says `Connection: close`, and an idle socket is closed only after it has stayed idle
 * for `idleCloseMs` (clients under load send on it, get their answer and the close, in that time).
 */
export const drainPlugin = fp(
  async (app: FastifyInstance, options: DrainOptions) => {
    const idleCloseMs = options.idleCloseMs ?? 250;
    const sockets = new Map<Socket, Tracked>();
    let draining = false;
    let drained: Promise<void> | undefined;
    const server = app.server as Server;
    server.on("connection", (socket: Socket) => {
      const t: Tracked = { busy: 0, idleSince: performance.now() };
      sockets.set(socket, t);
      socket.once("close", () => sockets.delete(socket));
    });
    server.on("secureConnection", (socket: Socket) => {
      const t: Tracked = { busy: 0, idleSince: performance.now() };
      sockets.set(socket, t);
      socket.once("close", () => sockets.delete(socket));
    });
    server.on("request", (req, res) => {
      const t = sockets.get(req.socket);
      if (t === undefined) return;
      t.busy++;
      res.once("close", () => {
        t.busy--;
        t.idleSince = performance.now();
      });
    });
    app.addHook("onSend", (_request, reply, payload, done) => {
      if (draining) reply.header("connection", "close");
      done(null, payload);
    });
    app.decorate("draining", {
      getter: () => draining,
    });
    app.decorate("drain", () => {
      draining = true;
      drained ??= new Promise<void>((resolve) => {
        // the listening socket only (http.Server#close would also end idle keep-alive sockets at once)
        if (server.listening) NetServer.prototype.close.call(server);
        const sweep = () => {
          const now = performance.now();
          for (const [socket, t] of sockets) {
            if (t.busy === 0 && now - t.idleSince >= idleCloseMs) socket.end();
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
