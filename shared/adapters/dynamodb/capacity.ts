/**
 * DynamoDB's capacity rules, as the service applies them (and DynamoDB Local does not, for transactions: it reports
 * 4 units per KB of an item and counts the items of one TransactWriteItems that have the same size once, so
 * bench/meter.ts counts transactions with these rules instead). The adapters size what they write with them, the tests check the arithmetic of the README
 * with them, and the bench prices what it counted with them.
 */

/**
 * An item's size as DynamoDB counts it for capacity and for its 400 KB limit: each attribute's name and value in
 * UTF-8; a number one byte per two significant digits plus one; a boolean or null one byte; a list or map 3 bytes
 * plus one byte per element, plus its elements (and, in a map, their names).
 */
export function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    if (value !== undefined) bytes += Buffer.byteLength(name) + valueBytes(value);
  return bytes;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') {
    const digits = String(Math.abs(value))
      .replace(/e.*$/i, '')
      .replace('.', '')
      .replace(/^0+/, '')
      .replace(/0+$/, '');
    return Math.min(21, Math.ceil(digits.length / 2) + 1);
  }
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value))
    return 3 + value.reduce((sum: number, element) => sum + 1 + valueBytes(element), 0);
  if (value instanceof Set) return [...value].reduce((sum: number, element) => sum + valueBytes(element), 0);
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return 3 + entries.reduce((sum, [name, v]) => sum + 1 + Buffer.byteLength(name) + valueBytes(v), 0);
}

/** Write units of one item: 1 per KB rounded up, twice that in a transaction. */
export function writeUnits(bytes: number, transactional: boolean): number {
  return Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);
}

/**
 * Write units of one TransactWriteItems as the service charges them: 2 per KB (rounded up) of each item. A `Put`
 * is sized from its item; an `Update`, `Delete` or `ConditionCheck` is charged on the item stored, which the request
 * does not carry, so it counts its key and the values it writes, at least 1 KB: a floor, exact for the small items
 * (counters, pointers, states) this project updates or deletes in transactions.
 */
export function transactWriteUnits(
  items: readonly Record<string, Record<string, unknown> | undefined>[],
): number {
  let units = 0;
  for (const item of items) {
    const put = item.Put?.Item as Record<string, unknown> | undefined;
    if (put) {
      units += writeUnits(itemBytes(put), true);
      continue;
    }
    const action = item.Update ?? item.Delete ?? item.ConditionCheck ?? {};
    const key = (action.Key ?? {}) as Record<string, unknown>;
    const values = (action.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    units += writeUnits(itemBytes(key) + itemBytes(values), true);
  }
  return units;
}
