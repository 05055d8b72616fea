/**
 * Text as a shopper tells it apart: trimmed, in one case, composed (NFC: "Crème" typed decomposed is
 * "Crème"), without the characters that show nothing ("L" and "L" + a zero-width space were two
 * variants; Unicode QA).
 */
const shownAs = (text: string) => text.normalize('NFC').replace(/[\p{Default_Ignorable_Code_Point}\p{Cf}]/gu, '').trim().toLowerCase();

/**
 * Two items of one variant set that name the same option values (e.g. both Colour: Red, Size: L),
 * as their indexes, or undefined: a shopper could not tell their variants apart, and Shopify
 * refuses such a set too ("variant already exists"). Names and values compare as shown (shownAs:
 * trimmed, case-insensitively, "red" is "Red" to a shopper); the order of the names does not matter. Items
 * without options (`{}` or none) are not compared: a set whose variants are told apart by SKU
 * alone (seed 003's examples send `{sku, stock}`) stays allowed, as do variants naming different
 * option names (not checked).
 */
export function duplicateOptionValues(options: (Record<string, string> | undefined | null)[]): [number, number] | undefined {
  const seen = new Map<string, number>();
  for (const [index, values] of options.entries()) {
    if (!values || Object.keys(values).length === 0) continue;
    const key = JSON.stringify(Object.entries(values).map(([name, value]) => [shownAs(name), shownAs(value)])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const first = seen.get(key);
    if (first !== undefined) return [first, index];
    seen.set(key, index);
  }
  return undefined;
}
