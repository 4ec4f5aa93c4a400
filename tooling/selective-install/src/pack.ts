import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** `pnpm pack` a workspace package into `outDir` (workspace:^ ranges become real versions); returns the tarball. */
export function packPackage(packageDir: string, outDir: string): string {
  const before = new Set(readdirSync(outDir));
  execFileSync("pnpm", ["pack", "--pack-destination", outDir], {
    cwd: join(repoRoot, packageDir),
    stdio: "pipe",
  });
  const created = readdirSync(outDir).filter((f) => f.endsWith(".tgz") && !before.has(f));
  if (created.length !== 1) throw new Error(`pnpm pack in ${packageDir} made ${created.length} tarballs`);
  return join(outDir, created[0]!);
}

/** Install tarballs (and extra registry packages) with npm into an empty project, as a user would. */
export function npmInstall(projectDir: string, specs: string[]): void {
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs], {
    cwd: projectDir,
    stdio: "pipe",
    // onnxruntime-node's install script would fetch CUDA files; this is the switch its README documents.
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip", npm_config_update_notifier: "false" },
    timeout: 540_000,
  });
}
