import yauzl from "yauzl";
import { limitExceeded, malformed } from "../errors.js";
import type { Budget, Limits } from "../limits.js";

/** A name the archive may hold: relative, no `..`, no backslash, no drive letter, no control characters. */
export function isSafeMemberName(name: string): boolean {
  if (name.length === 0 || name.length > 1024) return false;
  if (name.startsWith("/") || name.includes("\\") || /^[A-Za-z]:/.test(name)) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f]/.test(name)) return false;
  return !name.split("/").some((part) => part === ".." || part === ".");
}

function open(bytes: Uint8Array): Promise<yauzl.ZipFile> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      buffer,
      { lazyEntries: true, validateEntrySizes: true, strictFileNames: true },
      (err, zip) => (err ? reject(malformed(`not a valid zip archive: ${err.message}`)) : resolve(zip)),
    );
  });
}

/**
 * Reads every member of a zip held in memory, never touching the disk. Before anything is inflated each
 * member's declared size is checked (ratio to its compressed size, running total, allocation budget); while
 * inflating, yauzl checks the actual size against the declared one, so a member cannot inflate past it.
 */
export async function readZip(
  bytes: Uint8Array,
  limits: Limits,
  budget: Budget | undefined,
): Promise<Map<string, Uint8Array>> {
  const zip = await open(bytes);
  if (zip.entryCount > limits.maxZipEntries || zip.entryCount > bytes.length / 46) {
    zip.close();
    throw limitExceeded(
      `the zip claims ${zip.entryCount} members, more than it can hold or the reader allows`,
    );
  }
  const members = new Map<string, Uint8Array>();
  let total = 0;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      zip.close();
      reject(err);
    };
    zip.on("error", (err: Error) => fail(malformed(`bad zip archive: ${err.message}`)));
    zip.on("end", () => {
      if (!settled) {
        settled = true;
        resolve(members);
      }
    });
    zip.on("entry", (entry: yauzl.Entry) => {
      try {
        const name = entry.fileName;
        if (!isSafeMemberName(name))
          throw malformed(
            `zip member name ${JSON.stringify(name.slice(0, 80))} is not a plain relative path`,
          );
        if (members.has(name)) throw malformed(`zip member ${name} appears twice`);
        if (name.endsWith("/")) {
          zip.readEntry();
          return;
        }
        const declared = entry.uncompressedSize;
        const packed = Math.max(entry.compressedSize, 1);
        if (declared / packed > limits.maxZipRatio) {
          throw limitExceeded(
            `zip member ${name} would inflate ${Math.round(declared / packed)}x (a zip bomb?)`,
          );
        }
        total += declared;
        const cap = Math.min(limits.maxZipTotal, limits.maxZipRatio * bytes.length + (1 << 20));
        if (total > cap) {
          throw limitExceeded(
            `the zip's members inflate to more than ${cap} bytes, too much for a ${bytes.length}-byte file (a zip bomb?)`,
          );
        }
        budget?.allocate(declared, `zip member ${name}`);
      } catch (err) {
        fail(err);
        return;
      }
      zip.openReadStream(entry, (err, stream) => {
        if (err || stream === undefined) {
          fail(malformed(`cannot read zip member ${entry.fileName}: ${err?.message}`));
          return;
        }
        const out = new Uint8Array(entry.uncompressedSize);
        let at = 0;
        stream.on("data", (chunk: Buffer) => {
          if (at + chunk.length > out.length) {
            stream.destroy();
            fail(malformed(`zip member ${entry.fileName} inflates past its declared size`));
            return;
          }
          out.set(chunk, at);
          at += chunk.length;
        });
        stream.on("error", (e: Error) => fail(malformed(`zip member ${entry.fileName}: ${e.message}`)));
        stream.on("end", () => {
          if (at !== out.length) {
            fail(malformed(`zip member ${entry.fileName} is shorter than its declared size`));
            return;
          }
          members.set(entry.fileName, out);
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
}
