// Every property of split-parser.test.ts again, with the WebAssembly number reader reading every body (its
// threshold at 0 bytes): where it stops (NaN, null, long numbers, midpoints, bad text) the JS reader takes
// over, and the results and refusals must be the same as the general path's in both runs.
import { setWasmReaderThreshold } from "./wasm-numbers.js";

setWasmReaderThreshold(0);
await import("./split-parser.test.js");
