import { Type } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { ARROW_TYPE } from "./arrow.js";

describe("Arrow type ids", () => {
  it("are the ids of apache-arrow's Type enum, so tables are read without importing Arrow", () => {
    for (const [name, id] of Object.entries(ARROW_TYPE)) {
      expect(Type[name as keyof typeof Type]).toBe(id);
    }
  });
});
