// Module URLs in the flavor registry (so worker threads can import the same flavor modules) and the
// `safeInThread` declaration.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { makeScalePlugin } from "../testing/__tests__/test-flavor.js";
import { flavorModuleUrls, registerModuleExports } from "./discovery.js";
import type { FlavorPlugin } from "./plugin.js";
import { FlavorRegistry } from "./registry.js";

const named = (name: string, extra: Partial<FlavorPlugin> = {}): FlavorPlugin =>
  ({
    ...makeScalePlugin(),
    name,
    packageName: `pkg-${name}`,
    loaderModules: [name],
    ...extra,
  }) as FlavorPlugin;

describe("flavor module URLs", () => {
  it("records the URL given at registration, else the plugin's own, else resolves the package name", () => {
    const registry = new FlavorRegistry();
    const a = named("a");
    const b = named("b", { moduleUrl: "file:///plugins/b.js" });
    const c = named("c");
    registry.register(a, { moduleUrl: "file:///plugins/a.js" });
    registry.register(b);
    registry.register(c);
    expect(registry.moduleUrlOf(a)).toBe("file:///plugins/a.js");
    expect(registry.moduleUrlOf(b)).toBe("file:///plugins/b.js");
    expect(registry.moduleUrlOf(c)).toBe("pkg-c");
    // pkg-c is installed nowhere: left out (whoever registered it passes its module itself)
    expect(flavorModuleUrls(registry, [tmpdir()]).sort()).toEqual([
      "file:///plugins/a.js",
      "file:///plugins/b.js",
    ]);
  });

  it("resolves an installed package's name to its entry file", () => {
    const base = mkdtempSync(path.join(tmpdir(), "pyfunc-urls-"));
    const pkg = path.join(base, "node_modules", "pkg-d");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      path.join(pkg, "package.json"),
      JSON.stringify({ name: "pkg-d", type: "module", exports: "./i.js" }),
    );
    writeFileSync(path.join(pkg, "i.js"), "export {};\n");
    const registry = new FlavorRegistry();
    registry.register(named("d"));
    expect(flavorModuleUrls(registry, [base])).toEqual([pathToFileURL(path.join(pkg, "i.js")).href]);
  });

  it("registers a module's exported plugins with the module's URL, and records it for registered ones", () => {
    const registry = new FlavorRegistry();
    const e = named("e");
    const f = named("f");
    registry.register(f);
    registerModuleExports({ default: e, f, other: 1 }, registry, "file:///m.js");
    expect(registry.resolve("e")).toBe(e);
    expect(registry.moduleUrlOf(e)).toBe("file:///m.js");
    expect(registry.moduleUrlOf(f)).toBe("file:///m.js");
  });

  it("checks the types of safeInThread and moduleUrl", () => {
    const registry = new FlavorRegistry();
    expect(() => registry.register(named("g", { safeInThread: "yes" as never }))).toThrow(
      /'safeInThread' must be a boolean/,
    );
    expect(() => registry.register(named("h", { moduleUrl: "" }))).toThrow(
      /'moduleUrl' must be a non-empty string/,
    );
    registry.register(named("i", { safeInThread: true }));
    expect(registry.resolve("i")?.safeInThread).toBe(true);
  });
});
