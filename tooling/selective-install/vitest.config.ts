import { defineConfig } from "vitest/config";

// npm installs from the registry: slow, so generous timeouts and one file at a time.
export default defineConfig({
  test: { include: ["src/**/*.test.ts"], testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false },
});
