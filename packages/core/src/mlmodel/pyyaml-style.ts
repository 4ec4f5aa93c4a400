/**
 * PyYAML's line folding (its emitter's `write_single_quoted` / `write_plain` with `best_width = 80`), applied to
 * js-yaml output written with `lineWidth: -1`, so MLmodel files come out as `yaml.safe_dump` writes them.
 * Only mapping values on one line are folded (the only long scalars MLmodel files hold); other lines are kept.
 */

const BEST_WIDTH = 80;

/** Fold `text` (written from column `column`) at single spaces once past BEST_WIDTH, as PyYAML does. */
function foldScalar(text: string, column: number, indent: number, quoted: boolean): string {
  let out = "";
  let col = column;
  let start = 0;
  let spaces = false;
  for (let end = 0; end <= text.length; end++) {
    const ch = end < text.length ? text[end] : undefined;
    if (spaces) {
      if (ch !== " ") {
        const single = start + 1 === end;
        const edgesOk = !quoted || (start !== 0 && end !== text.length);
        if (single && col > BEST_WIDTH && edgesOk) {
          out += `\n${" ".repeat(indent)}`;
          col = indent;
        } else {
          out += text.slice(start, end);
          col += end - start;
        }
        start = end;
      }
    } else if (ch === undefined || ch === " ") {
      if (start < end) {
        out += text.slice(start, end);
        col += end - start;
        start = end;
      }
    }
    if (ch !== undefined) spaces = ch === " ";
  }
  return out;
}

/** Length of a mapping key at the start of `rest` (plain or single-quoted) followed by ": ", or -1. */
function keyLength(rest: string): number {
  if (rest.startsWith("'")) {
    let i = 1;
    while (i < rest.length) {
      if (rest[i] === "'") {
        if (rest[i + 1] === "'") {
          i += 2;
          continue;
        }
        return rest.startsWith(": ", i + 1) ? i + 1 : -1;
      }
      i++;
    }
    return -1;
  }
  if (/^["[{&*!|>%@`#?-]/.test(rest)) return -1;
  return rest.indexOf(": ");
}

export function foldLikePyYaml(yamlText: string): string {
  const lines = yamlText.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.length <= BEST_WIDTH) continue;
    const indent = line.length - line.trimStart().length;
    const rest = line.slice(indent);
    const k = keyLength(rest);
    if (k <= 0) continue;
    const valueStart = indent + k + 2;
    const value = line.slice(valueStart);
    if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
      const body = value.slice(1, -1);
      lines[i] = `${line.slice(0, valueStart + 1)}${foldScalar(body, valueStart + 1, indent + 2, true)}'`;
    } else if (/^[^'"|>[{&*!%@`#\s-]/.test(value) && !value.includes(": ") && !value.includes(" #")) {
      lines[i] = `${line.slice(0, valueStart)}${foldScalar(value, valueStart, indent + 2, false)}`;
    }
  }
  return lines.join("\n");
}
