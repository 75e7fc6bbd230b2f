/**
 * Finds the first key that appears twice in one object of a JSON text that `JSON.parse` has already accepted
 * (which silently keeps the last). Returns the path to the second occurrence, or undefined.
 */
export function findDuplicateKey(text: string): (string | number)[] | undefined {
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
        if (top.keys.has(key)) return path();
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (char === '{') {
      stack.push({ object: true, keys: new Set(), expectKey: true });
    } else if (char === '[') {
      stack.push({ object: false, index: 0 });
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',' && top) {
      if (top.object) top.expectKey = true;
      else top.index++;
    }
  }
  return undefined;
}
