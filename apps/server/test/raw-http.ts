import net from "node:net";

/** Write raw bytes on a fresh TCP connection and collect everything the server sends until it closes. */
export function rawExchange(
  url: string,
  bytes: string | Buffer,
  options: { keepOpen?: boolean } = {},
): Promise<{ text: string; closed: boolean }> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(bytes);
      if (options.keepOpen !== true) socket.end();
    });
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => resolve({ text: Buffer.concat(chunks).toString("utf8"), closed: true }));
  });
}

/** Status code and JSON body of a raw HTTP/1.1 answer. */
export function parseRaw(text: string): { status: number; body: unknown } {
  const status = Number(text.slice(9, 12));
  const at = text.indexOf("\r\n\r\n");
  const rest = text.slice(at + 4);
  try {
    return { status, body: JSON.parse(rest) };
  } catch {
    return { status, body: rest };
  }
}
