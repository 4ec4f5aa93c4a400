// Generates the WebAssembly forest kernel: src/wasm/forest.wat (readable text, committed) and
// src/wasm/forest-wasm.ts (the same module assembled by wabt, base64, committed).
// The lockstep walks (16 complete trees, 8 pointer trees, 8 chains) and the 4-feature bins searches are unrolled,
// which is why the text is generated rather than written by hand.
// Usage: node scripts/wasm-kernel.mjs          (rewrite both files)
//        node scripts/wasm-kernel.mjs --check  (exit 1 if either file is stale)
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { emit } from "@pyfunc/wasm-tools";

/** Trees walked in lockstep by the group kernel (also the layout's group size, see wasm-forest.ts). */
export const GROUP = 16;
/** Lockstep widths of the deep-tree (pointer node) walk, widest first. */
const PW = [8, 4, 1];
const SHIFT = Math.log2(GROUP * 4);
/** Features whose threshold searches run interleaved in the bins functions. */
const BW = 4;
/** Chains of the whole-forest walk (also CHAINS in wasm-forest.ts). */
export const CW = 8;
const CK = [...Array(CW).keys()];

export function forestWat() {
  const K = [...Array(GROUP).keys()];
  const ind = (s, n) => s.replace(/\n/g, `\n${" ".repeat(n)}`);
  // one level of one chain: n = 2n | (bins[word >>> 16] >= (word & 0xffff)); node k sits at p + (n << SHIFT) + 4k
  const step = (
    k,
  ) => `(local.set $v (i32.load offset=${k * 4} (i32.add (local.get $p) (i32.shl (local.get $n${k}) (i32.const ${SHIFT})))))
(local.set $n${k} (i32.or (i32.shl (local.get $n${k}) (i32.const 1))
  (i32.ge_s (i32.load (i32.shr_u (local.get $v) (i32.const 16))) (i32.and (local.get $v) (i32.const 0xffff)))))`;
  // single: every tree adds to output 0, so the sum stays in a local (same additions, same order)
  // f64: the sums are doubles and a leaf slot holds the byte address of its f64 value (LightGBM, scikit-learn)
  const treesFunc = (single, f64) => {
    const T = f64 ? "f64" : "f32";
    const add = (value) =>
      single
        ? `(local.set $acc (${T}.add (local.get $acc) ${value}))`
        : `(${T}.store (local.get $o) (${T}.add (${T}.load (local.get $o)) ${value}))`;
    const leaf = (addr) => (f64 ? `(f64.load (i32.load ${addr}))` : `(f32.load ${addr})`);
    const leafK = (k) =>
      `${single ? "" : `(local.set $o (i32.add (local.get $out) (i32.load offset=${k * 16 + 12} (local.get $row))))\n`}${add(
        leaf(`offset=${k * 4} (i32.add (local.get $p) (i32.shl (local.get $n${k}) (i32.const ${SHIFT})))`),
      )}`;
    // one step of pointer chain k: $z<k> is the byte address of its node; the child address (or, for a leaf, its
    // own address with the sign bit set) plus 16 when "bins >= rank" sends the row right; $m collects the sign bits
    const pstep = (k) => `(local.set $v (i32.load (local.get $z${k})))
(local.set $c (i32.load offset=4 (local.get $z${k})))
(local.set $m (i32.and (local.get $m) (local.get $c)))
(local.set $z${k} (i32.add (i32.and (local.get $c) (i32.const 0x7fffffff))
  (i32.shl (i32.ge_s (i32.load (i32.shr_u (local.get $v) (i32.const 16))) (i32.and (local.get $v) (i32.const 0xffff)))
    (i32.const 4))))`;
    const pleaf = (k) =>
      `${single ? "" : `(local.set $o (i32.add (local.get $out) (i32.load offset=${16 * k + 12} (local.get $row))))\n`}${add(
        f64 ? `(f64.load offset=8 (local.get $z${k}))` : `(f32.load offset=8 (local.get $z${k}))`,
      )}`;
    // one step of chain k, one 8-byte load: record the node at its slot (low half of the first word), then add the
    // go-right byte (0 or 8; its address is the high half) to the left child's address (the second word)
    const cstep = (k) => `(local.set $w (i64.load (local.get $z${k})))
(i32.store (i32.and (i32.wrap_i64 (local.get $w)) (i32.const 0xffff)) (local.get $z${k}))
(local.set $z${k} (i32.add (i32.wrap_i64 (i64.shr_u (local.get $w) (i64.const 32)))
  (i32.load8_u (i32.shr_u (i32.wrap_i64 (local.get $w)) (i32.const 16)))))`;
    // deep trees in lockstep: the widest width w in `widths` such that trees t .. t + w - 1 are all deep and in range
    // walks those w trees until all stand on leaves; leaves are then added in tree order; $k is set to w
    const deepWalk = (widths, n) => {
      const [w, ...rest] = widths;
      const P = [...Array(w).keys()];
      const walk = `${P.map((k) => `(local.set $z${k} (i32.load offset=${16 * k} (local.get $row)))`).join(" ")}
(loop $walk${w}
  (local.set $m (i32.const -1))
  ${ind(P.map(pstep).join("\n"), 2)}
  (br_if $walk${w} (i32.ge_s (local.get $m) (i32.const 0))))
${P.map(pleaf).join("\n")}
(local.set $k (i32.const ${w}))`;
      if (rest.length === 0) return ind(walk, n);
      const deep = P.slice(1).map(
        (k) => `(i32.lt_s (i32.load offset=${16 * k + 8} (local.get $row)) (i32.const 0))`,
      );
      const cond = [`(i32.le_u (i32.add (local.get $t) (i32.const ${w})) (local.get $t1))`, ...deep].reduce(
        (acc, c) => `(i32.and ${acc} ${c})`,
      );
      return ind(
        `(if ${cond}
  (then
    ${ind(walk, 4)})
  (else
    ${ind(deepWalk(rest, 0), 4)}))`,
        n,
      );
    };
    return `  ;; ${single ? "single-output models: out[0]" : "out[group of t]"} += leaf of t (${T}), for trees [$t0, $t1), for the row whose bins are at 0
  (func $trees${single ? "1" : "N"}${f64 ? "d" : ""} (param $t0 i32) (param $t1 i32) (param $out i32)
    (local $t i32) (local $row i32) (local $p i32) (local $s i32) (local $D i32) (local $d i32) (local $v i32) (local $o i32) (local $k i32) (local $c i32) (local $m i32) (local $w i64) (local $acc ${T})
    ${[...Array(Math.max(PW[0], CW)).keys()].map((k) => `(local $z${k} i32)`).join(" ")}
    ${K.map((k) => `(local $n${k} i32)`).join(" ")}
    ${single ? `(local.set $acc (${T}.load (local.get $out)))` : ""}
    (if (i32.and (i32.ne (global.get $ch) (i32.const 0))
          (i32.and (i32.eqz (local.get $t0)) (i32.eq (local.get $t1) (global.get $nt))))
      (then
        ;; the whole forest as ${CW} chains: chain k walks trees k, k + ${CW}, k + ${2 * CW}, ... (8-byte nodes: the
        ;; 16-bit addresses of the split's go-right byte and of a slot, then the left child's address; a leaf reads a
        ;; zero byte and goes on to the next root of its chain, the last one to the sink). Each step stores the
        ;; node's address at its slot (a dummy word for internal nodes, tree t's slot for its leaves); when every
        ;; chain is in the sink, leaves are added in tree order (a leaf's value sits a fixed distance after it).
        (call $gofill)
        (local.set $c (i32.load offset=${4 * CW + 4} (global.get $ch)))
        ${CK.map((k) => `(local.set $z${k} (i32.load offset=${4 * k} (global.get $ch)))`).join(" ")}
        (loop $chain
          ${ind(CK.map(cstep).join("\n"), 10)}
          (br_if $chain (i32.ne ${CK.slice(1).reduce((acc, k) => `(i32.and ${acc} (local.get $z${k}))`, "(local.get $z0)")} (local.get $c))))
        (local.set $s (i32.load offset=${4 * CW} (global.get $ch)))
        (local.set $d (i32.load offset=${4 * CW + 12} (global.get $ch)))
        (local.set $t (i32.const 0))
        (block $sumd (loop $sum
          (br_if $sumd (i32.ge_u (local.get $t) (local.get $t1)))
          ${single ? "" : "(local.set $o (i32.add (local.get $out) (i32.load offset=12 (i32.add (global.get $tt) (i32.shl (local.get $t) (i32.const 4))))))"}
          ${add(`(${T}.load (i32.add (local.get $d) (i32.load (i32.add (local.get $s) (i32.shl (local.get $t) (i32.const 2))))))`)}
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $sum))))
      (else
        (local.set $t (local.get $t0))
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $t) (local.get $t1)))
          (local.set $row (i32.add (global.get $tt) (i32.shl (local.get $t) (i32.const 4))))
          (local.set $p (i32.load (local.get $row)))
          (local.set $D (i32.load offset=8 (local.get $row)))
          (if (i32.and
                (i32.eqz (i32.and (local.get $t) (i32.const ${GROUP - 1})))
                (i32.and (i32.le_u (i32.add (local.get $t) (i32.const ${GROUP})) (local.get $t1))
                         (i32.eq (i32.load offset=4 (local.get $row)) (i32.const ${SHIFT}))))
            (then
              ;; a whole group: ${GROUP} trees of equal depth in lockstep
              ${K.map((k) => `(local.set $n${k} (i32.const 1))`).join(" ")}
              (local.set $d (i32.const 0))
              (block $end (loop $level
                (br_if $end (i32.ge_u (local.get $d) (local.get $D)))
                ${ind(K.map(step).join("\n"), 12)}
                (local.set $d (i32.add (local.get $d) (i32.const 1)))
                (br $level)))
              ${ind(K.map(leafK).join("\n"), 10)}
              (local.set $t (i32.add (local.get $t) (i32.const ${GROUP}))))
            (else
              ;; one tree (a range that starts or ends inside a group, an ungrouped tree), or deep ones
              (if (i32.lt_s (local.get $D) (i32.const 0))
                (then
                  ;; trees deeper than the complete layout allows: 16-byte nodes (word, byte address of the left child with
                  ;; the right one 16 bytes after it, 8 bytes of leaf value; a leaf is "always left" onto itself, its own
                  ;; address with the sign bit set). Up to ${PW[0]} such trees in a row walk in lockstep until all stand on
                  ;; leaves (their loads overlap; one local per tree); leaves are then added in tree order.
                  ${deepWalk(PW, 14)})
                (else
                  (local.set $k (i32.const 1))
                  ${single ? "" : "(local.set $o (i32.add (local.get $out) (i32.load offset=12 (local.get $row))))"}
                  (local.set $s (i32.load offset=4 (local.get $row)))
                  (local.set $n0 (i32.const 1))
                  (local.set $d (i32.const 0))
                  (block $end1 (loop $level1
                    (br_if $end1 (i32.ge_u (local.get $d) (local.get $D)))
                    (local.set $v (i32.load (i32.add (local.get $p) (i32.shl (local.get $n0) (local.get $s)))))
                    (local.set $n0 (i32.or (i32.shl (local.get $n0) (i32.const 1))
                      (i32.ge_s (i32.load (i32.shr_u (local.get $v) (i32.const 16))) (i32.and (local.get $v) (i32.const 0xffff)))))
                    (local.set $d (i32.add (local.get $d) (i32.const 1)))
                    (br $level1)))
                  ${add(leaf("(i32.add (local.get $p) (i32.shl (local.get $n0) (local.get $s)))"))}))
              (local.set $t (i32.add (local.get $t) (local.get $k)))))
          (br $next)))))
    ${single ? `(${T}.store (local.get $out) (local.get $acc))` : ""})`;
  };
  // bins for one row at $x (a branch-free binary search per feature). f64: rows and thresholds are f64, and each
  // feature has a missing rule (the rule table at $rt): 0 NaN is missing; 1 NaN reads as 0 and |x| <= 1e-35f is
  // missing; 2 NaN reads as 0 and nothing is missing. strict: count thresholds < x (for "x <= t goes left"),
  // else thresholds <= x ("x < t").
  const binsFunc = (f64, strict) => {
    const T = f64 ? "f64" : "f32";
    const sh = f64 ? 3 : 2;
    const cmp = `${T}.${strict ? "lt" : "le"}`;
    const L = [...Array(BW).keys()];
    const rules = (k) => `
(local.set $rule${k} (i32.load (i32.add (global.get $rt) (i32.shl (local.get $g${k}) (i32.const 2)))))
(local.set $nan${k} (f64.ne (local.get $v${k}) (local.get $v${k})))
(if (i32.and (local.get $nan${k}) (i32.ne (local.get $rule${k}) (i32.const 0)))
  (then (local.set $v${k} (f64.const 0)) (local.set $nan${k} (i32.const 0))))
(if (i32.eq (local.get $rule${k}) (i32.const 1))
  (then (local.set $nan${k} (i32.and
    (f64.ge (local.get $v${k}) (f64.const -0x1.a95a5cp-117))
    (f64.le (local.get $v${k}) (f64.const 0x1.a95a5cp-117))))))`;
    // lane k takes feature f + k (the last feature again past the end: the same bins written twice)
    const start = (
      k,
    ) => `(local.set $g${k} (select (i32.add (local.get $f) (i32.const ${k})) (i32.sub (global.get $nf) (i32.const 1))
  (i32.lt_u (i32.add (local.get $f) (i32.const ${k})) (global.get $nf))))
(local.set $v${k} (${T}.load (i32.add (local.get $x) (i32.shl (local.get $g${k}) (i32.const ${sh})))))${
      f64
        ? rules(k)
        : `
(local.set $nan${k} (${T}.ne (local.get $v${k}) (local.get $v${k})))`
    }
(local.set $a (i32.add (global.get $ft) (i32.shl (local.get $g${k}) (i32.const 3))))
(local.set $th${k} (i32.load (local.get $a)))
(local.set $step${k} (i32.load offset=4 (local.get $a)))
(local.set $pos${k} (i32.const 0))`;
    // a lane whose search is over (step 0) keeps its position
    const probe = (k) => `(local.set $pos${k} (select
  (i32.add (local.get $pos${k}) (local.get $step${k}))
  (local.get $pos${k})
  (${cmp} (${T}.load (i32.add (local.get $th${k}) (i32.shl (i32.sub (i32.add (local.get $pos${k}) (local.get $step${k})) (i32.const 1)) (i32.const ${sh}))))
          (local.get $v${k}))))
(local.set $step${k} (i32.shr_u (local.get $step${k}) (i32.const 1)))`;
    const finish = (k) => `(local.set $pos${k} (i32.add (local.get $pos${k})
  (${cmp} (${T}.load (i32.add (local.get $th${k}) (i32.shl (local.get $pos${k}) (i32.const ${sh})))) (local.get $v${k}))))
(i32.store (i32.shl (local.get $g${k}) (i32.const 2)) (select (i32.const -1) (local.get $pos${k}) (local.get $nan${k})))
(i32.store (i32.shl (i32.add (local.get $g${k}) (global.get $nf)) (i32.const 2))
  (select (i32.const 0x7fffffff) (local.get $pos${k}) (local.get $nan${k})))`;
    const any = L.slice(1).reduce((acc, k) => `(i32.or ${acc} (local.get $step${k}))`, "(local.get $step0)");
    return `  ;; bins for the row of ${T} at $x${f64 ? `, ${strict ? "x <= t" : "x < t"} splits` : ""}: ${BW} features at a time, their binary
  ;; searches interleaved (independent loads in flight)
  (func $bins${f64 ? `64${strict ? "le" : "lt"}` : ""} (param $x i32)
    (local $f i32) (local $a i32)
    ${L.map((k) => `(local $g${k} i32) (local $v${k} ${T}) (local $th${k} i32) (local $step${k} i32) (local $pos${k} i32) (local $nan${k} i32)${f64 ? ` (local $rule${k} i32)` : ""}`).join("\n    ")}
    (block $done (loop $feat
      (br_if $done (i32.ge_u (local.get $f) (global.get $nf)))
      ${ind(L.map(start).join("\n"), 6)}
      (block $found (loop $search
        (br_if $found (i32.eqz ${any}))
        ${ind(L.map(probe).join("\n"), 8)}
        (br $search)))
      ${ind(L.map(finish).join("\n"), 6)}
      (local.set $f (i32.add (local.get $f) (i32.const ${BW})))
      (br $feat))))`;
  };
  // feature $f's two go-right tables at $g ($nc chunks each), branch-free: a lane of $u / $w holds what is left of
  // the bins entry (clamped to 16 bits) for the chunk, narrowed with saturation to the chunk's bytes, so byte r is 8
  // when r <= entry - 16 * chunk
  const i8 = (v) => `(v128.const i8x16 ${Array(16).fill(v).join(" ")})`;
  const clamp = (addr) =>
    `(i16x8.splat (select (i32.const 32767) (local.tee $b (i32.load ${addr})) (i32.gt_s (local.get $b) (i32.const 32767))))`;
  const chunk = (v, base) => `(v128.store (i32.add ${base} (i32.shl (local.get $j) (i32.const 4)))
    (v128.and (i8x16.le_s (v128.const i8x16 ${[...Array(16).keys()].join(" ")}) (i8x16.narrow_i16x8_s (local.get ${v}) (local.get ${v})))
      ${i8(8)}))`;
  const fill = `(local.set $u ${clamp("(i32.shl (local.get $f) (i32.const 2))")})
(local.set $w ${clamp("(i32.shl (i32.add (local.get $f) (global.get $nf)) (i32.const 2))")})
(local.set $n (i32.add (local.get $g) (i32.shl (local.get $nc) (i32.const 4))))
(local.set $j (i32.const 0))
(loop $fl
  ${chunk("$u", "(local.get $g)")}
  ${chunk("$w", "(local.get $n)")}
  (local.set $u (i16x8.sub_sat_s (local.get $u) (v128.const i16x8 16 16 16 16 16 16 16 16)))
  (local.set $w (i16x8.sub_sat_s (local.get $w) (v128.const i16x8 16 16 16 16 16 16 16 16)))
  (br_if $fl (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $nc))))`;
  return `;; GENERATED by scripts/wasm-kernel.mjs: edit the generator, not this file.
;;
;; Tree-ensemble kernel over the layout built by src/wasm-forest.ts. Memory:
;;   [0, 8 * numFeature)  per-row bins, i32: bins[f] = number of the model's thresholds for feature f that are
;;                        <= x[f] (< x[f] for "x <= t" models; -1 when x[f] is missing); bins[numFeature + f] = the
;;                        same, but 0x7fffffff when missing
;;   $ft                  per feature: (byte address of its sorted thresholds (f32, or f64 for f64 rows), padded with
;;                        +Inf to a power of two; half of that padded length)
;;   $rt                  f64 rows only: per feature its missing rule (i32)
;;   $ch                  0, or the whole-forest chains: ${CW} root addresses, the address of the slots (i32 per tree), the
;;                        sink's address, the address of the go-right tables' index (per feature: address, 16-byte
;;                        chunks), the byte distance from a chain node to its leaf value; the slots and the go-right
;;                        tables themselves sit below 64 KiB (a node holds their addresses in 16 bits)
;;   $tt                  per tree, 16 bytes: byte address of heap slot 0, log2 of the slot stride in bytes (${SHIFT}
;;                        for a tree in a group), depth (-1 for a deep tree in the pointer form), byte offset of its
;;                        output group
;; Trees are complete binary trees in 1-based heap order (children of n are 2n and 2n + 1), internal slots
;; [1, 2^depth) then leaves [2^depth, 2^(depth + 1)). An internal slot is one i32: (byte offset of the bins entry
;; << 16) | threshold rank, so "x >= threshold" is "bins >= rank" and a missing value goes to the side the
;; entry chosen (left half or right half of bins) sends it. A leaf slot is the f32 leaf value (tree weight applied),
;; or with f64 sums the byte address of the f64 leaf value (tree weight applied).
;; Each aligned group of ${GROUP} trees has one depth and interleaved slots (slot n of tree k at base + n * ${GROUP * 4} + 4k),
;; so the group walk keeps one base address and ${GROUP} independent node indices, whose loads overlap. Leaves are added
;; in tree order with f32 additions (XGBoost's summation) or f64 additions (LightGBM's, scikit-learn's).
(module
  (import "env" "memory" (memory 1))
  (global $nf (mut i32) (i32.const 0))
  (global $ft (mut i32) (i32.const 0))
  (global $tt (mut i32) (i32.const 0))
  (global $single (mut i32) (i32.const 0))
  (global $binsKind (mut i32) (i32.const 0))
  (global $sum64 (mut i32) (i32.const 0))
  (global $rt (mut i32) (i32.const 0))
  (global $ch (mut i32) (i32.const 0))
  (global $nt (mut i32) (i32.const 0))

  ;; binsKind: 0 f32 rows, "x < t" (XGBoost); 1 f64 rows, "x < t"; 2 f64 rows, "x <= t". sum64: f64 sums and leaves.
  (func (export "init") (param $nf i32) (param $ft i32) (param $tt i32) (param $single i32)
    (param $binsKind i32) (param $sum64 i32) (param $rt i32) (param $ch i32) (param $nt i32)
    (global.set $ch (local.get $ch))
    (global.set $nt (local.get $nt))
    (global.set $binsKind (local.get $binsKind))
    (global.set $sum64 (local.get $sum64))
    (global.set $rt (local.get $rt))
    (global.set $single (local.get $single))
    (global.set $nf (local.get $nf))
    (global.set $ft (local.get $ft))
    (global.set $tt (local.get $tt)))

${binsFunc(false, false)}

  ;; chains: the go-right bytes of this row (bins at 0): per feature two tables (a missing value goes left in the
  ;; first, right in the second), byte r = 8 when "bins >= r" (r <= bin), else 0; 16-byte chunks
  (func $gofill
    (local $f i32) (local $a i32) (local $g i32) (local $nc i32) (local $b i32) (local $j i32) (local $n i32)
    (local $u v128) (local $w v128)
    (local.set $a (i32.load offset=${4 * CW + 8} (global.get $ch)))
    (block $done (loop $feat
      (br_if $done (i32.ge_u (local.get $f) (global.get $nf)))
      (local.set $g (i32.load (i32.add (local.get $a) (i32.shl (local.get $f) (i32.const 3)))))
      (local.set $nc (i32.load offset=4 (i32.add (local.get $a) (i32.shl (local.get $f) (i32.const 3)))))
      ${ind(fill, 6)}
      (local.set $f (i32.add (local.get $f) (i32.const 1)))
      (br $feat))))

${binsFunc(true, false)}

${binsFunc(true, true)}

${treesFunc(false, false)}

${treesFunc(true, false)}

${treesFunc(false, true)}

${treesFunc(true, true)}

  ;; $n rows of f32 features at $x ($xStride bytes apart): add trees [$t0, $t1) into the margins at $out
  ;; ($outStride bytes apart), which the caller has set to the base margins.
  (func (export "rows") (param $x i32) (param $n i32) (param $xStride i32) (param $out i32) (param $outStride i32)
    (param $t0 i32) (param $t1 i32)
    (block $done (loop $row
      (br_if $done (i32.eqz (local.get $n)))
      (if (i32.eqz (global.get $binsKind))
        (then (call $bins (local.get $x)))
        (else (if (i32.eq (global.get $binsKind) (i32.const 1))
          (then (call $bins64lt (local.get $x)))
          (else (call $bins64le (local.get $x))))))
      (if (global.get $sum64)
        (then (if (global.get $single)
          (then (call $trees1d (local.get $t0) (local.get $t1) (local.get $out)))
          (else (call $treesNd (local.get $t0) (local.get $t1) (local.get $out)))))
        (else (if (global.get $single)
          (then (call $trees1 (local.get $t0) (local.get $t1) (local.get $out)))
          (else (call $treesN (local.get $t0) (local.get $t1) (local.get $out))))))
      (local.set $x (i32.add (local.get $x) (local.get $xStride)))
      (local.set $out (i32.add (local.get $out) (local.get $outStride)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $row))))
)
`;
}

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await emit({
    text: forestWat(),
    watPath: join(here, "../src/wasm/forest.wat"),
    tsPath: join(here, "../src/wasm/forest-wasm.ts"),
    generator: "scripts/wasm-kernel.mjs",
    what: "forest kernel",
    constName: "FOREST_WASM_BASE64",
  });
}
