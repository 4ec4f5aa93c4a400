// @pyfunc/core/tracking: the tracking server's REST client, logging and registering models, model dependencies.
export * from "./dependencies.js";
export * from "./http-client.js";
export * from "./log-model.js";
export * from "./tracking-config.js";
