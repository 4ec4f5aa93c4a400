/** The flavor key written in MLmodel and the loader module name (= this npm package's name). */
export const FLAVOR_NAME = "linear_template";
export const PACKAGE_NAME = "pyfunc-flavor-template";
/** The model file inside the model directory. */
export const MODEL_FILE = "linear.json";
