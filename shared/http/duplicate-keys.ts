/** How deep objects and arrays may nest in a request body: an article needs three levels. */
export const MAX_JSON_DEPTH = 32;

export type JsonFinding = { problem: 'duplicate' | 'too-deep'; path: (string | number)[] };

/**
 * Finds, in a JSON text that `JSON.parse` has already accepted, the first key that appears twice in one object
 * (JSON.parse silently keeps the last) or the first place that nests deeper than {@link MAX_JSON_DEPTH}
 * (recursive code further on would overflow the stack). Iterative, so any depth is safe to scan.
 */
export function inspectJson(text: string): JsonFinding | undefined {
  type Frame =
    | { object: true; keys: Set<string>; key?: string; expectKey: boolean }
    | { object: false; index: number };
  const stack: Frame[] = [];
  const path = () => stack.map((frame) => (frame.object ? (frame.key ?? '') : frame.index));
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    const top = stack[stack.length - 1];
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (top?.object && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        top.key = key;
        if (top.keys.has(key)) return { problem: 'duplicate', path: path() };
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (char === '{' || char === '[') {
      if (stack.length >= MAX_JSON_DEPTH) return { problem: 'too-deep', path: path() };
      stack.push(
        char === '{' ? { object: true, keys: new Set(), expectKey: true } : { object: false, index: 0 },
      );
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',' && top) {
      if (top.object) top.expectKey = true;
      else top.index++;
    }
  }
  return undefined;
}
