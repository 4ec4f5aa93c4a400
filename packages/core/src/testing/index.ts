export * from "./conformance.js";
