// Generates the WebAssembly JSON number reader of the fast scoring-body parser: src/inputs/wasm/numbers.wat
// (readable text, committed) and src/inputs/wasm/numbers-wasm.ts (the same module assembled by wabt, base64,
// committed). Generated rather than written by hand because one number's reading (eight digits per load, the
// digit count from the first non-digit byte, no loop per digit) is written out in both exported functions.
// Usage: node scripts/number-wasm.mjs          (rewrite both files)
//        node scripts/number-wasm.mjs --check  (exit 1 if either file is stale; run by wasm-numbers.test.ts)
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { emit } from "@pyfunc/wasm-tools";

const POW10_F64 = 0; // 23 f64: 1e0..1e22
const POW10_U64 = 184; // 20 u64: 10^0..10^19
const POW10_SPLIT = 344; // 23 pairs of f64: the Veltkamp halves (hi, lo) of 1e0..1e22
/** Where the caller's area begins (BASE in src/inputs/wasm-numbers.ts) */
const BASE = 1024;
const SPLITTER = 134217729; // 2^27 + 1

function dataSegment() {
  const b = Buffer.alloc(POW10_SPLIT + 23 * 16);
  for (let k = 0; k <= 22; k++) b.writeDoubleLE(10 ** k, POW10_F64 + 8 * k);
  for (let k = 0; k <= 19; k++) b.writeBigUInt64LE(10n ** BigInt(k), POW10_U64 + 8 * k);
  for (let k = 0; k <= 22; k++) {
    const P = 10 ** k;
    const t = SPLITTER * P;
    const hi = t - (t - P);
    b.writeDoubleLE(hi, POW10_SPLIT + 16 * k);
    b.writeDoubleLE(P - hi, POW10_SPLIT + 16 * k + 8);
  }
  const hex = [...b].map((x) => `\\${x.toString(16).padStart(2, "0")}`).join("");
  return hex
    .match(/.{1,96}/g)
    .map((l) => `    "${l}"`)
    .join("\n");
}

// --- inline expressions
const g = (n) => `(local.get $${n})`;
const set = (n, e) => `(local.set $${n} ${e})`;
/** zero bytes where the 8 bytes of w are ASCII digits (carries only go up: the first non-digit is exact) */
const mask8 = (w) =>
  `(i64.xor (i64.or (i64.and ${w} (i64.const 0xf0f0f0f0f0f0f0f0)) (i64.shr_u (i64.and (i64.add ${w} (i64.const 0x0606060606060606)) (i64.const 0xf0f0f0f0f0f0f0f0)) (i64.const 4))) (i64.const 0x3333333333333333))`;
/** digits before the first non-digit among the 8 bytes (0–8) */
const count8 = (t) => `(i32.wrap_i64 (i64.shr_u (i64.ctz ${t}) (i64.const 3)))`;
/** the value of the first n (1–8) digits of w, via d (a scratch i64 local) */
const value8 = (w, n, d) =>
  [
    set(
      d,
      `(i64.shl (i64.sub ${w} (i64.const 0x3030303030303030)) (i64.extend_i32_u (i32.shl (i32.sub (i32.const 8) ${n}) (i32.const 3))))`,
    ),
    set(
      d,
      `(i64.and (i64.add (i64.mul ${g(d)} (i64.const 10)) (i64.shr_u ${g(d)} (i64.const 8))) (i64.const 0x00ff00ff00ff00ff))`,
    ),
    set(
      d,
      `(i64.and (i64.add (i64.mul ${g(d)} (i64.const 100)) (i64.shr_u ${g(d)} (i64.const 16))) (i64.const 0x0000ffff0000ffff))`,
    ),
    set(
      d,
      `(i64.and (i64.add (i64.mul ${g(d)} (i64.const 10000)) (i64.shr_u ${g(d)} (i64.const 32))) (i64.const 0xffffffff))`,
    ),
  ].join("\n");
const pow64 = (k) => `(i64.load offset=${POW10_U64} (i32.shl ${k} (i32.const 3)))`;
const pow = (k) => `(f64.load offset=${POW10_F64} (i32.shl ${k} (i32.const 3)))`;
const isWs = (c) =>
  `(i32.or (i32.or (i32.eq ${c} (i32.const 32)) (i32.eq ${c} (i32.const 10))) (i32.or (i32.eq ${c} (i32.const 13)) (i32.eq ${c} (i32.const 9))))`;
/** skips blanks from $p ($c: the byte there); a byte above 32 (every digit, sign and bracket) exits at once */
const skipWs = (label) => `(block $${label}_end (loop $${label}
  (br_if $${label}_end (i32.gt_u ${g("c")} (i32.const 32)))
  (br_if $${label}_end (i32.eqz ${isWs(g("c"))}))
  ${set("p", `(i32.add ${g("p")} (i32.const 1))`)}
  ${set("c", `(i32.load8_u ${g("p")})`)}
  (br $${label})))`;
const ind = (s, n) => s.replace(/\n/g, `\n${" ".repeat(n)}`);

/**
 * A run of digits at $p, up to 16 (two loads), or 23 with `third` (a third load, the value kept below 10^19):
 * its value into $dst (i64), its length into $n; leaves $p after it. More: br $bail.
 */
const digits = (dst, n, third, first = `(i64.load ${g("p")})`, after = "") => `${set("w", first)}${after}
${set(n, count8(mask8(g("w"))))}
(if (i32.lt_u ${g(n)} (i32.const 8))
  (then
    (if (i32.eqz ${g(n)}) (then (br $bail)))
    ${ind(value8(g("w"), g(n), "d"), 4)}
    ${set(dst, g("d"))})
  (else
    ${set("w2", `(i64.load offset=8 ${g("p")})`)}
    ${set("n2", count8(mask8(g("w2"))))}
    ${ind(value8(g("w"), "(i32.const 8)", "d"), 4)}
    (if (i32.lt_u ${g("n2")} (i32.const 8))
      (then
        ${set(dst, `(i64.mul ${g("d")} ${pow64(g("n2"))})`)}
        (if ${g("n2")} (then
          ${ind(value8(g("w2"), g("n2"), "d"), 10)}
          ${set(dst, `(i64.add ${g(dst)} ${g("d")})`)}))
        ${set(n, `(i32.add (i32.const 8) ${g("n2")})`)})
      (else
        ${third ? ind(thirdChunk(dst, n), 8) : "(br $bail)"}))))
${set("p", `(i32.add ${g("p")} ${g(n)})`)}`;

/** digits 17–24 of a fraction (a third load); the value stays below 10^19 or br $bail */
const thirdChunk = (dst, n) => `${set(dst, `(i64.mul ${g("d")} (i64.const 100000000))`)}
${ind(value8(g("w2"), "(i32.const 8)", "d"), 0)}
${set(dst, `(i64.add ${g(dst)} ${g("d")})`)}
${set("w2", `(i64.load offset=16 ${g("p")})`)}
${set("n2", count8(mask8(g("w2"))))}
(br_if $bail (i32.eq ${g("n2")} (i32.const 8)))
(br_if $bail (i64.ge_u ${g(dst)} ${pow64(`(i32.sub (i32.const 19) ${g("n2")})`)}))
${set(dst, `(i64.mul ${g(dst)} ${pow64(g("n2"))})`)}
(if ${g("n2")} (then
  ${ind(value8(g("w2"), g("n2"), "d"), 2)}
  ${set(dst, `(i64.add ${g(dst)} ${g("d")})`)}))
${set(n, `(i32.add (i32.const 16) ${g("n2")})`)}`;

/**
 * $v = m / 10^k correctly rounded, for m >= 2^53 (16 to 19 digits) and 0 < k <= 22, or br $bail when the
 * double-double quotient cannot decide the rounding (exactQuotient and decided in exact-decimal.ts, written out:
 * the 17-digit numbers of a float64 column are a third of them)
 */
const quotient = () => {
  const half = (e) => `(f64.load offset=${POW10_SPLIT + e} (i32.shl ${g("k")} (i32.const 4)))`;
  return `(local.set $P ${pow(g("k"))})
(local.set $nh (f64.convert_i64_u (local.get $m)))
(local.set $nl (f64.convert_i64_s (i64.sub (local.get $m) (i64.trunc_f64_u (local.get $nh)))))
(local.set $q1 (f64.div (local.get $nh) (local.get $P)))
(local.set $qp (f64.mul (local.get $q1) (local.get $P)))
;; the rounding error of q1 * P (Dekker's TwoProduct; P's Veltkamp halves from the table)
(local.set $t (f64.mul (f64.const ${SPLITTER}) (local.get $q1)))
(local.set $ah (f64.sub (local.get $t) (f64.sub (local.get $t) (local.get $q1))))
(local.set $al (f64.sub (local.get $q1) (local.get $ah)))
(local.set $bh ${half(0)})
(local.set $bl ${half(8)})
(local.set $t (f64.add (f64.add (f64.add (f64.sub (f64.mul (local.get $ah) (local.get $bh)) (local.get $qp))
  (f64.mul (local.get $ah) (local.get $bl))) (f64.mul (local.get $al) (local.get $bh)))
  (f64.mul (local.get $al) (local.get $bl))))
(local.set $q2 (f64.div (f64.add (f64.sub (f64.sub (local.get $nh) (local.get $qp)) (local.get $t)) (local.get $nl)) (local.get $P)))
(local.set $v (f64.add (local.get $q1) (local.get $q2)))
;; decided: |tail| not within 2^-30 half-ulps of a half ulp, the result normal and no power of two
(local.set $bits (i64.reinterpret_f64 (local.get $v)))
(local.set $ex (i64.and (i64.shr_u (local.get $bits) (i64.const 52)) (i64.const 0x7ff)))
(local.set $t (f64.reinterpret_i64 (i64.shl (i64.sub (local.get $ex) (i64.const 53)) (i64.const 52))))
(br_if $bail (i32.or (i64.le_u (local.get $ex) (i64.const 53)) (i64.eqz (i64.and (local.get $bits) (i64.const 0xfffffffffffff)))))
(br_if $bail (f64.lt (f64.abs (f64.sub (f64.abs (f64.sub (local.get $q2) (f64.sub (local.get $v) (local.get $q1)))) (local.get $t)))
  (f64.mul (local.get $t) (f64.const 0x1p-30))))`;
};

/**
 * One JSON number at $p (after its whitespace): its value, sign included, into $v, 1 into $fr when it has a
 * fraction or exponent, $p after it; br $bail for anything else (the caller's reader takes that number).
 */
const number = () => `(local.set $neg (i32.eq (local.get $c) (i32.const 45)))
;; (both loads at once, then the one after the sign: a load less on the path from one number to the next)
${digits("m", "n", true, "(select (i64.load offset=1 (local.get $p)) (i64.load (local.get $p)) (local.get $neg))", "\n(local.set $p (i32.add (local.get $p) (local.get $neg)))")}
;; JSON: no leading zeros (a zero integer part is one digit)
(br_if $bail (i32.and (i32.gt_u (local.get $n) (i32.const 1)) (i64.eq (i64.and (local.get $w) (i64.const 0xff)) (i64.const 48))))
(local.set $scale (i32.const 0))
(local.set $fr (i32.const 0))
(local.set $c (i32.load8_u (local.get $p)))
(if (i32.eq (local.get $c) (i32.const 46))
  (then
    (local.set $fr (i32.const 1))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    ${ind(digits("f", "nf", true), 4)}
    ;; at most 19 digits in all (a zero integer part: the fraction alone, kept below 10^19 when read)
    (br_if $bail (i32.and (i32.wrap_i64 (i64.extend_i32_u (i64.ne (local.get $m) (i64.const 0)))) (i32.gt_u (i32.add (local.get $n) (local.get $nf)) (i32.const 19))))
    (local.set $m (i64.add (i64.mul (local.get $m) ${pow64(g("nf"))}) (local.get $f)))
    (local.set $scale (i32.sub (i32.const 0) (local.get $nf)))
    (local.set $c (i32.load8_u (local.get $p)))))
(if (i32.eq (i32.or (local.get $c) (i32.const 32)) (i32.const 101))
  (then
    (local.set $fr (i32.const 1))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (local.set $c (i32.load8_u (local.get $p)))
    (local.set $eneg (i32.eq (local.get $c) (i32.const 45)))
    (if (i32.or (local.get $eneg) (i32.eq (local.get $c) (i32.const 43))) (then
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $c (i32.load8_u (local.get $p)))))
    (br_if $bail (i32.ge_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
    (local.set $e (i32.const 0))
    (loop $exp
      (br_if $bail (i32.ge_u (local.get $e) (i32.const 10000)))
      (local.set $e (i32.add (i32.mul (local.get $e) (i32.const 10)) (i32.sub (local.get $c) (i32.const 48))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $c (i32.load8_u (local.get $p)))
      (br_if $exp (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))))
    (local.set $scale (i32.add (local.get $scale) (select (i32.sub (i32.const 0) (local.get $e)) (local.get $e) (local.get $eneg))))))
;; a fraction (scale -22..-1) inline: Clinger's fast path or the quotient; integers and positive exponents
;; (scale 0..22) in $product; other scales to the caller
(if (i32.lt_u (i32.add (local.get $scale) (i32.const 22)) (i32.const 22))
  (then
    (local.set $k (i32.sub (i32.const 0) (local.get $scale)))
    (if (i64.lt_u (local.get $m) (i64.const 9007199254740992))
      (then (local.set $v (f64.div (f64.convert_i64_u (local.get $m)) ${pow(g("k"))})))
      (else
        ${ind(quotient(), 8)})))
  (else
    (if (i64.eqz (local.get $m))
      (then (local.set $v (f64.const 0)))
      (else
        (br_if $bail (i32.gt_u (local.get $scale) (i32.const 22)))
        (local.set $v (call $product (local.get $m) (local.get $scale)))
        (br_if $bail (f64.ne (local.get $v) (local.get $v)))))))
(local.set $v (select (f64.neg (local.get $v)) (local.get $v) (local.get $neg)))`;

const LOCALS = `(local $c i32) (local $neg i32) (local $m i64) (local $f i64) (local $n i32) (local $nf i32)
    (local $scale i32) (local $fr i32) (local $w i64) (local $w2 i64) (local $n2 i32) (local $d i64)
    (local $e i32) (local $eneg i32) (local $v f64) (local $k i32) (local $P f64) (local $nh f64) (local $nl f64)
    (local $q1 f64) (local $qp f64) (local $q2 f64) (local $t f64) (local $ah f64) (local $al f64) (local $bh f64)
    (local $bl f64) (local $bits i64) (local $ex i64)`;

/** The separator before cell j of a row: a comma (with whitespace around it) unless it is the first. */
const separator = (first, n) => `(local.set $c (i32.load8_u (local.get $p)))
${skipWs(`ws${n}a`)}
(if ${first}
  (then
    (br_if $bail (i32.ne (local.get $c) (i32.const 44)))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (local.set $c (i32.load8_u (local.get $p)))
    ;; ", " (Python's json.dumps, pandas): the one space without the loop
    (if (i32.eq (local.get $c) (i32.const 32)) (then
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $c (i32.load8_u (local.get $p)))))
    ${ind(skipWs(`ws${n}b`), 4)}))`;

export function numbersWat() {
  return `;; GENERATED by scripts/number-wasm.mjs: do not edit.
;; JSON numbers -> doubles for the fast scoring-body parser (src/inputs/wasm-numbers.ts, split-parser.ts).
;; Memory: powers of ten at 0 (f64 1e0..1e22), ${POW10_U64} (u64 10^0..10^19) and ${POW10_SPLIT} (the halves
;; of the f64 ones); the body and the output areas from ${BASE} on (placed by the caller; at least 32 zero bytes
;; after the body, so that loads past its end see no digits). A number is read here in the common form
;; -?int(.frac)?([eE][+-]?exp)? with at most 19 significant digits (23 digits per part, leading zeros of a
;; fraction included) and |scale| <= 22, converted with Clinger's fast path or the
;; double-double quotient (as exact-decimal.ts); anything else (NaN, Infinity, null, more digits, a value too
;; close to a rounding midpoint, bad text) stops the call, and the caller reads from there its own way.
(module
  (memory (export "memory") 1)
  (data (i32.const 0)
${dataSegment()})
  ;; where the last call stopped (the separator or row it could not read) and what it had done by then
  (global $stop (export "stop") (mut i32) (i32.const 0))
  (global $done (export "done") (mut i32) (i32.const 0))
  ;; the rounding error of p = a*b (Dekker's TwoProduct, Veltkamp splitting)
  (func $twoProdErr (param $a f64) (param $b f64) (param $p f64) (result f64)
    (local $t f64) (local $ah f64) (local $al f64) (local $bh f64) (local $bl f64)
    (local.set $t (f64.mul (f64.const 134217729) (local.get $a)))
    (local.set $ah (f64.sub (local.get $t) (f64.sub (local.get $t) (local.get $a))))
    (local.set $al (f64.sub (local.get $a) (local.get $ah)))
    (local.set $t (f64.mul (f64.const 134217729) (local.get $b)))
    (local.set $bh (f64.sub (local.get $t) (f64.sub (local.get $t) (local.get $b))))
    (local.set $bl (f64.sub (local.get $b) (local.get $bh)))
    (f64.add (f64.add (f64.add (f64.sub (f64.mul (local.get $ah) (local.get $bh)) (local.get $p))
      (f64.mul (local.get $ah) (local.get $bl))) (f64.mul (local.get $al) (local.get $bh)))
      (f64.mul (local.get $al) (local.get $bl))))
  ;; res when res + tail (|tail| within an ulp) surely rounds to res, else NaN
  (func $decided (param $res f64) (param $tail f64) (result f64)
    (local $bits i64) (local $exp i64) (local $h f64) (local $d f64)
    (local.set $bits (i64.reinterpret_f64 (local.get $res)))
    (local.set $exp (i64.and (i64.shr_u (local.get $bits) (i64.const 52)) (i64.const 0x7ff)))
    (if (i64.le_u (local.get $exp) (i64.const 53)) (then (return (f64.const nan))))
    ;; near a power of two the ulp below is half as large
    (if (i64.eqz (i64.and (local.get $bits) (i64.const 0xfffffffffffff))) (then (return (f64.const nan))))
    (local.set $h (f64.reinterpret_i64 (i64.shl (i64.sub (local.get $exp) (i64.const 53)) (i64.const 52))))
    (local.set $d (f64.sub (f64.abs (local.get $tail)) (local.get $h)))
    (if (i32.and (f64.gt (local.get $d) (f64.mul (f64.neg (local.get $h)) (f64.const 0x1p-30)))
                 (f64.lt (local.get $d) (f64.mul (local.get $h) (f64.const 0x1p-30))))
      (then (return (f64.const nan))))
    (local.get $res))
  ;; the correctly rounded double of m * 10^scale (m > 0, 0 <= scale <= 22), or NaN when undecided
  (func $product (param $m i64) (param $scale i32) (result f64)
    (local $nh f64) (local $nl f64) (local $P f64) (local $res f64) (local $ph f64) (local $rest f64)
    (if (i32.eqz (local.get $scale)) (then (return (f64.convert_i64_u (local.get $m)))))
    (local.set $P ${pow("(local.get $scale)")})
    ;; below 2^53 m is exact, and so is 10^scale: one correctly rounded operation (Clinger's fast path)
    (if (i64.lt_u (local.get $m) (i64.const 9007199254740992))
      (then (return (f64.mul (f64.convert_i64_u (local.get $m)) (local.get $P)))))
    ;; m as an exact double-double nh + nl, times P: exactProduct of exact-decimal.ts
    (local.set $nh (f64.convert_i64_u (local.get $m)))
    (local.set $nl (f64.convert_i64_s (i64.sub (local.get $m) (i64.trunc_f64_u (local.get $nh)))))
    (local.set $ph (f64.mul (local.get $nh) (local.get $P)))
    (local.set $rest (f64.add (call $twoProdErr (local.get $nh) (local.get $P) (local.get $ph))
      (f64.mul (local.get $nl) (local.get $P))))
    (local.set $res (f64.add (local.get $ph) (local.get $rest)))
    (call $decided (local.get $res) (f64.sub (local.get $rest) (f64.sub (local.get $res) (local.get $ph)))))
  ;; count comma-separated numbers from p (a comma first when sep), one f64 each to out; returns the position
  ;; after the last, or -1 (stop: where the unread number's separator begins; done: numbers written)
  (func (export "cells") (param $p i32) (param $count i32) (param $out i32) (param $sep i32) (result i32)
    (local $j i32) ${LOCALS}
    (block $bail
      (block $end
        (loop $cell
          (br_if $end (i32.ge_u (local.get $j) (local.get $count)))
          (global.set $stop (local.get $p))
          ${ind(separator("(i32.or (local.get $j) (local.get $sep))", 1), 10)}
          ${ind(number(), 10)}
          (f64.store (local.get $out) (local.get $v))
          (local.set $out (i32.add (local.get $out) (i32.const 8)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $cell)))
      (global.set $done (local.get $j))
      (return (local.get $p)))
    (global.set $done (local.get $j))
    (i32.const -1))
  ;; dataframe_split rows from p: '[' width numbers ']' separated by commas, row r's cell j to the f64 at
  ;; cells + 8 (j cap + r), from row0 up to maxRows; when track, flags[j] (u8) gets bit 0 for a cell of column j
  ;; written with a fraction or exponent, bit 1 for such a cell that is no integer. Returns the position after the last
  ;; row's ']' (the next non-blank byte is no comma, or maxRows were read), or -1 (stop: where the unread row
  ;; begins, after the previous row's comma; done: rows read by then, counting from 0).
  (func (export "rows") (param $p i32) (param $width i32) (param $row0 i32) (param $maxRows i32) (param $cells i32)
    (param $cap i32) (param $flags i32) (param $track i32) (result i32)
    (local $r i32) (local $j i32) (local $at i32) (local $col i32) (local $end i32) ${LOCALS}
    (local.set $r (local.get $row0))
    (local.set $col (i32.shl (local.get $cap) (i32.const 3)))
    (block $bail
      (loop $row
        (global.set $stop (local.get $p))
        (local.set $c (i32.load8_u (local.get $p)))
        ${ind(skipWs("wsr"), 8)}
        (br_if $bail (i32.ne (local.get $c) (i32.const 91)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $j (i32.const 0))
        (local.set $at (i32.add (local.get $cells) (i32.shl (local.get $r) (i32.const 3))))
        (loop $cell
          ${ind(separator("(local.get $j)", 2), 10)}
          ${ind(number(), 10)}
          (f64.store (local.get $at) (local.get $v))
          (if (i32.and (local.get $fr) (local.get $track)) (then
            (i32.store8 (i32.add (local.get $flags) (local.get $j)) (i32.or (i32.load8_u (i32.add (local.get $flags) (local.get $j)))
              (i32.or (i32.const 1) (i32.shl (f64.ne (f64.trunc (local.get $v)) (local.get $v)) (i32.const 1)))))))
          (local.set $at (i32.add (local.get $at) (local.get $col)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $cell (i32.lt_u (local.get $j) (local.get $width))))
        (local.set $c (i32.load8_u (local.get $p)))
        ${ind(skipWs("wse"), 8)}
        (br_if $bail (i32.ne (local.get $c) (i32.const 93)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (local.set $end (local.get $p))
        (if (i32.lt_u (local.get $r) (local.get $maxRows)) (then
          (local.set $c (i32.load8_u (local.get $p)))
          ${ind(skipWs("wsn"), 10)}
          (if (i32.eq (local.get $c) (i32.const 44)) (then
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $row)))))
        (global.set $done (local.get $r))
        (return (local.get $end))))
    (global.set $done (local.get $r))
    (i32.const -1))
)
`;
}

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await emit({
    text: numbersWat(),
    watPath: join(here, "../src/inputs/wasm/numbers.wat"),
    tsPath: join(here, "../src/inputs/wasm/numbers-wasm.ts"),
    generator: "scripts/number-wasm.mjs",
    what: "JSON number reader",
    constName: "NUMBERS_WASM_BASE64",
  });
}
