import { loadModel, DataFrame } from "@pyfunc/core";
import { saveModel } from "../src/index.js";
import os from "node:os"; import path from "node:path"; import { mkdtemp } from "node:fs/promises";
const dir = path.join(await mkdtemp(path.join(os.tmpdir(), "df-")), "m");
await saveModel(dir, { tfjsModel: "fixtures/dense-classifier" });
const m = await loadModel(dir, { suppressWarnings: true });
const rec = [{a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8}];
for (const inp of [rec, (DataFrame as any).fromRecords(rec), [[1,2,3,4,5,6,7,8]], {hidden_input: [[1,2,3,4,5,6,7,8]]}]) {
  try { console.log(JSON.stringify(await m.predict(inp as any)).slice(0,200)); } catch (e) { console.log("ERR", (e as Error).message); }
}
const two = path.join(path.dirname(dir), "two");
await saveModel(two, { tfjsModel: "fixtures/functional-two-inputs" });
const m2 = await loadModel(two, { suppressWarnings: true });
for (const inp of [{features: [[1,2,3,4,5]], context: [[1,2]]}, [{features: [1,2,3,4,5], context: [1,2]}]]) {
  try { console.log(JSON.stringify(await m2.predict(inp as any)).slice(0,200)); } catch (e) { console.log("ERR", (e as Error).message); }
}
