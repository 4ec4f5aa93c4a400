import { nothing } from "pyfunc-no-such-package-xyz";
export const predict = (x) => nothing(x);
