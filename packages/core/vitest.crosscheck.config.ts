import { defineConfig } from "vitest/config";

// Cross-check suite: runs core against the shared real-MLflow fixtures (../shared/fixtures from the repo root).
// Skips with a message when that folder is absent (a fresh clone).
export default defineConfig({
  test: { include: ["crosscheck/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000 },
});
