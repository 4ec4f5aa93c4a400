import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { sendError } from "./errors.js";

export interface HostsOptions {
  /** Host names (no port) requests may name; `*.example.com` matches subdomains; `*` allows any. */
  allowedHosts: readonly string[];
}

/** The host name of a Host header, without the port (`[::1]:5000` → `[::1]`). */
export function hostNameOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon >= 0 ? h.slice(0, colon) : h;
}

export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const name = hostNameOf(host);
  return allowed.some((a) => {
    const p = a.toLowerCase();
    if (p === "*") return true;
    if (p.startsWith("*.")) return name.endsWith(p.slice(1)) && name.length > p.length - 1;
    return name === p;
  });
}

/** Refuse requests whose Host header names another host (DNS rebinding against a server on localhost). */
export const hostsPlugin = fp(
  async (app: FastifyInstance, options: HostsOptions) => {
    const allowed = options.allowedHosts;
    app.addHook("onRequest", (request: FastifyRequest, reply: FastifyReply, done) => {
      const host = request.headers.host;
      if (typeof host === "string" && hostAllowed(host, allowed)) {
        done();
        return;
      }
      sendError(
        reply,
        403,
        "PERMISSION_DENIED",
        "Invalid Host header: this server does not answer for that host.",
      );
    });
  },
  { name: "pyfunc-hosts", fastify: "5.x" },
);
