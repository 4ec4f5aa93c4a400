import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BodyError, readBody } from "./body.js";

function read(chunks: Buffer[], contentLength: string | undefined, limit: number) {
  return new Promise<{ error: Error | null; body?: Uint8Array }>((resolve) => {
    readBody(Readable.from(chunks, { objectMode: false }), contentLength, limit, (error, body) =>
      resolve({ error, body }),
    );
  });
}

describe("readBody", () => {
  it("hands on a one-chunk body as that chunk (no copy) and joins several chunks", async () => {
    const one = Buffer.from('{"inputs": [1]}');
    const r = await read([one], String(one.length), 1000);
    expect(r.error).toBeNull();
    expect(r.body).toBe(one);
    const joined = await read([Buffer.from("ab"), Buffer.from("cd"), Buffer.from("e")], "5", 1000);
    expect(Buffer.from(joined.body!).toString()).toBe("abcde");
    expect((await read([], undefined, 10)).body).toHaveLength(0);
  });

  it("answers 413 from Content-Length before reading, and from the bytes received past the limit", async () => {
    const early = await read([Buffer.alloc(5)], "11", 10);
    expect(early.error).toBeInstanceOf(BodyError);
    expect((early.error as BodyError).statusCode).toBe(413);
    const late = await read([Buffer.alloc(6), Buffer.alloc(6)], undefined, 10);
    expect((late.error as BodyError).statusCode).toBe(413);
  });

  it("answers 400 when the body does not match Content-Length, or the stream fails", async () => {
    const short = await read([Buffer.from("abc")], "4", 100);
    expect((short.error as BodyError).statusCode).toBe(400);
    const failing = new Readable({
      read() {
        this.destroy(new Error("socket hang up"));
      },
    });
    const failed = await new Promise<Error | null>((resolve) =>
      readBody(failing, undefined, 100, (e) => resolve(e)),
    );
    expect(failed?.message).toBe("socket hang up");
    expect((failed as Error & { statusCode: number }).statusCode).toBe(400);
  });

  it("returns exactly the bytes sent, however they are split, or 413 past the limit (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 400 }),
        fc.boolean(),
        async (parts, limit, sendLength) => {
          const chunks = parts.filter((p) => p.length > 0).map((p) => Buffer.from(p));
          const all = Buffer.concat(chunks);
          const r = await read(chunks, sendLength ? String(all.length) : undefined, limit);
          if (all.length > limit) expect((r.error as BodyError).statusCode).toBe(413);
          else expect(Buffer.from(r.body!).equals(all)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
