import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveTestModel } from "../test/fixtures/models.js";
import { startTestServer, type TestServer } from "../test/helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(
    `[browser test] ${CHROMIUM} is absent (install Debian's chromium with apt): skipping the /docs browser test`,
  );
}

describe.skipIf(!haveChromium)("/docs in a real headless browser", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({
      modelUri: await saveTestModel({
        behavior: "linear",
        inputExample: [{ x: 1.0, y: 0.5, n: 1, name: "alice" }],
        inputExampleParams: { multiplier: 2.0 },
      }),
      workers: 1,
    });
  });
  afterAll(() => srv.close());

  it("loads Swagger UI, sends the input example to /invocations and shows the 200 predictions", async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${srv.url}/docs`);
      const op = page.locator("#operations-default-post_invocations");
      await op.locator("button.opblock-summary-control").click();
      // the UI opens in "try it out" mode (tryItOutEnabled); enter it if a version does not
      const tryOut = op.getByRole("button", { name: "Try it out" });
      if (await tryOut.isVisible()) await tryOut.click();
      await op.locator("button.execute").click();
      const status = op.locator(".live-responses-table .response .response-col_status").first();
      await expect.poll(async () => (await status.textContent())?.trim(), { timeout: 20_000 }).toBe("200");
      const bodyText = await op
        .locator(".live-responses-table .response-col_description pre")
        .first()
        .textContent();
      expect(JSON.parse(bodyText ?? "null")).toEqual({
        predictions: [{ score: 0.75, greeting: "hi alice", known: true }],
      });
    } finally {
      await browser.close();
    }
  });
});
