// What to add and remove so a customer carries exactly the desired app-owned tags. Pure.
// Only tags starting with our prefix are ever added or removed: a merchant's own tags are invisible
// here. Shopify compares tags case-insensitively, so do we ("VIP" and "vip" are the same tag).

export interface TagChange {
  add: string[];
  remove: string[];
}

const fold = (t: string): string => t.trim().toLowerCase();

export function isAppTag(tag: string, prefix: string): boolean {
  return fold(tag).startsWith(fold(prefix));
}

export function tagDiff(desired: readonly string[], current: readonly string[], prefix: string): TagChange {
  if (fold(prefix).length === 0) throw new Error('tagDiff needs a non-empty prefix: without one every tag would be ours');
  const want = new Map<string, string>();
  for (const raw of desired) {
    const tag = raw.trim();
    // A comma would split into two tags on Shopify's side; such a tag cannot be ours.
    if (tag.includes(',') || !isAppTag(tag, prefix) || want.has(fold(tag))) continue;
    want.set(fold(tag), tag);
  }
  const have = new Set<string>();
  const remove: string[] = [];
  for (const raw of current) {
    const key = fold(raw);
    if (!isAppTag(raw, prefix)) continue;
    if (want.has(key)) have.add(key);
    else if (!remove.some((r) => fold(r) === key)) remove.push(raw.trim());
  }
  const add = [...want].filter(([key]) => !have.has(key)).map(([, tag]) => tag);
  return { add, remove };
}

export function isNoChange(change: TagChange): boolean {
  return change.add.length === 0 && change.remove.length === 0;
}
