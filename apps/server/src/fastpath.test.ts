import { describe, expect, it } from "vitest";
import { SLEEP_SIGNATURE, saveTestModel } from "../test/fixtures/models.js";
import { EXPECTED_3, post, SPLIT_3, startTestServer } from "../test/helpers.js";

const inlinedOf = (engine: unknown) => (engine as { inlined: number }).inlined;

describe("in-thread fast path", () => {
  it("answers small requests of a cheap model in the HTTP thread once the workers measured them cheap", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      inlineMaxMs: 50,
    });
    try {
      for (let i = 0; i < 40; i++) {
        const res = await post(`${srv.url}/invocations`, JSON.stringify(SPLIT_3));
        expect(res.json()).toEqual({ predictions: EXPECTED_3 });
      }
      expect(inlinedOf(srv.server.engine)).toBeGreaterThan(0);
      // the first 8 small requests go to the workers, which measure their cost
      expect(inlinedOf(srv.server.engine)).toBeLessThanOrEqual(40 - 8);
    } finally {
      await srv.close();
    }
  });

  it("never runs a slow model in the HTTP thread, and never runs large bodies there", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "sleep", signature: SLEEP_SIGNATURE }),
      workers: 1,
      inlineMaxBytes: 64,
    });
    try {
      for (let i = 0; i < 12; i++) {
        await post(
          `${srv.url}/invocations`,
          JSON.stringify({ dataframe_records: [{ a: 1 }], params: { ms: 20 } }),
        );
      }
      expect(inlinedOf(srv.server.engine)).toBe(0);
      const big = JSON.stringify({
        dataframe_records: Array.from({ length: 50 }, () => ({ a: 1 })),
        params: { ms: 0 },
      });
      for (let i = 0; i < 12; i++)
        expect((await post(`${srv.url}/invocations`, big)).json()).toEqual({ predictions: [50] });
      expect(inlinedOf(srv.server.engine)).toBe(0);
    } finally {
      await srv.close();
    }
  });

  it("can be switched off", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      inline: false,
    });
    try {
      for (let i = 0; i < 20; i++) await post(`${srv.url}/invocations`, JSON.stringify(SPLIT_3));
      expect((srv.server.engine as { inlined?: number }).inlined).toBeUndefined();
    } finally {
      await srv.close();
    }
  });
});
