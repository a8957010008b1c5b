// Shopify global ids ↔ the numeric ids we store (strings: they exceed 2^53).
export const customerGid = (id: string): string => (id.startsWith('gid://') ? id : `gid://shopify/Customer/${id}`);

/** 'gid://shopify/Order/123' → '123'; a plain numeric id is returned as is. */
export function legacyId(gid: string): string {
  const i = gid.lastIndexOf('/');
  const tail = i >= 0 ? gid.slice(i + 1) : gid;
  const q = tail.indexOf('?');
  return q >= 0 ? tail.slice(0, q) : tail;
}

export function gidType(gid: string): string | null {
  const m = /^gid:\/\/shopify\/([A-Za-z]+)\//.exec(gid);
  return m ? m[1]! : null;
}
