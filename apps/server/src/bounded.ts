/** Longest error message an answer carries: enough for any schema message, never a request's bad value whole. */
export const MAX_MESSAGE_CHARS = 8 * 1024;

/** `text` cut to `max` characters, saying how much was left out. */
export function bounded(text: string, max = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
