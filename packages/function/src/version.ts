import { packageVersionAt } from "@pyfunc/core/mlmodel";

/** This package's version, recorded in the MLmodel of the models it saves. */
export const PACKAGE_VERSION = packageVersionAt(new URL("../package.json", import.meta.url));
