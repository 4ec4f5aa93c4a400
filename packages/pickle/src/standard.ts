import { Allowlist } from "./allowlist.js";
import { builtinsAllowlist } from "./builtins.js";
import { numpyAllowlist } from "./numpy/handlers.js";
import { scipyAllowlist } from "./scipy.js";

/** Python builtins, numpy and scipy.sparse CSR/CSC: what every scikit-learn or LightGBM pickle needs. */
export function standardAllowlist(): Allowlist {
  return new Allowlist().use(builtinsAllowlist()).use(numpyAllowlist()).use(scipyAllowlist());
}
