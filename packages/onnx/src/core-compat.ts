// @pyfunc/core's DataFrame class, re-exported for this package's modules.
export { DataFrame } from "@pyfunc/core";
