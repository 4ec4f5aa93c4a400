export * from "./input-example.js";
