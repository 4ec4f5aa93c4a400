// Issue 17, finding 8: small requests are not stuck behind big ones. Bodies over `bigBodyBytes` take a lane that
// leaves one worker to small requests.
import { describe, expect, it } from "vitest";
import { post, startTestServer } from "../test/helpers.js";
import { modeBody, saveHostileModel } from "../test/hostile.js";

describe("scheduling by body size", () => {
  it("answers small requests while big ones hold the big lane", async () => {
    const srv = await startTestServer({
      modelUri: await saveHostileModel(),
      imports: ["@pyfunc/function"],
      workers: 2,
      bigBodyBytes: 1024,
    });
    try {
      // small requests are coming in (the mixed load of the report): the big lane leaves them a worker
      expect((await post(`${srv.url}/invocations`, modeBody("ok"))).status).toBe(200);
      const big = modeBody("slow", 200);
      expect(big.length).toBeGreaterThan(1024);
      const done: string[] = [];
      const bigs = Array.from({ length: 4 }, (_, i) =>
        post(`${srv.url}/invocations`, big).then((r) => {
          expect(r.status).toBe(200);
          done.push(`big ${i}`);
        }),
      );
      await new Promise((r) => setTimeout(r, 100));
      const smalls = Array.from({ length: 6 }, (_, i) =>
        post(`${srv.url}/invocations`, modeBody("ok")).then((r) => {
          expect(r.json()).toEqual({ predictions: [1] });
          done.push(`small ${i}`);
        }),
      );
      await Promise.all(smalls);
      // every small one answered while at least three of the four big ones still wait their turn
      expect(done.filter((d) => d.startsWith("big")).length).toBeLessThanOrEqual(1);
      await Promise.all(bigs);
    } finally {
      await srv.close();
    }
  });
});
