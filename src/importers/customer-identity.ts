// Who placed an order, when an export has no customer ids: the normalised e-mail or the normalised
// phone number, each hashed at once into a pseudonymous id (the e-mail or number itself is never
// kept). An order that carries both links them, so one person is one customer across orders even
// when some of their orders have only the phone (cash on delivery, phone-first markets) or a second
// e-mail address: a union-find over the identities seen while importing.
import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';

const hashed = (prefix: string, text: string): string => prefix + createHash('sha256').update(text).digest('hex').slice(0, 24);

/** Stable pseudonymous customer id from an email (lower-cased, trimmed). */
export function customerIdFromEmail(email: string): string {
  return hashed('email-', email.trim().toLowerCase());
}

/**
 * A phone number as written in an export → E.164 ("+8801711000111"), read in `region` (an ISO 3166
 * two-letter country code, the order's country) when it has no country prefix. Null when it is not
 * a valid number there ("n/a", "000", too short): such a value identifies nobody. Spreadsheets often
 * keep a leading apostrophe ("'+880…"); libphonenumber-js ignores such punctuation.
 */
export function normalizePhone(text: string, region: string): string | null {
  // Repeat customers repeat their number: parsing costs tens of microseconds, a lookup far less.
  const key = `${region}|${text}`;
  let e164 = phoneCache.get(key);
  if (e164 === undefined) {
    e164 = normalizePhoneUncached(text, region);
    if (phoneCache.size >= 100_000) phoneCache.clear();
    phoneCache.set(key, e164);
  }
  return e164;
}

const phoneCache = new Map<string, string | null>();

function normalizePhoneUncached(text: string, region: string): string | null {
  if (!/\d/.test(text)) return null;
  const country = /^[A-Za-z]{2}$/.test(region.trim()) ? (region.trim().toUpperCase() as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(text, country === undefined ? undefined : { defaultCountry: country });
  return parsed?.isValid() ? parsed.number : null;
}

/** Stable pseudonymous customer id from a phone number already in E.164. */
export function customerIdFromPhone(e164: string): string {
  return hashed('phone-', e164);
}

/** The hashed identities one order carries (either may be null). */
export interface OrderIdentities {
  email: string | null;
  phone: string | null;
}

export interface IdentityCounts {
  /** Customers with at least one e-mail among their orders. */
  email: number;
  /** Customers known by a phone number only. */
  phone: number;
  /** Of the customers by e-mail, those whose e-mail was linked to a phone number (some order had both). */
  emailAndPhone: number;
}

/** Union-find over hashed identities: add every order's identities, then ask for each one's customer id. */
export class IdentityLinker {
  private readonly parent = new Map<string, string>();

  /** Records the identities of one order (linking them when there are two). */
  add(ids: OrderIdentities): void {
    const { email, phone } = ids;
    if (email !== null) this.root(email);
    if (phone !== null) this.root(phone);
    if (email !== null && phone !== null) {
      const a = this.root(email);
      const b = this.root(phone);
      // The smaller id becomes the root: `email-…` sorts before `phone-…`, so a person known by any
      // e-mail is named by an e-mail id, and the name does not depend on the order of the file.
      if (a !== b) this.parent.set(a < b ? b : a, a < b ? a : b);
    }
  }

  /** The customer id of a group: its smallest identity (an e-mail id whenever the group has one). */
  customerId(ids: OrderIdentities): string | null {
    const first = ids.email ?? ids.phone;
    return first === null ? null : this.root(first);
  }

  /** How many customers were identified which way. */
  counts(): IdentityCounts {
    const groups = new Map<string, { email: boolean; phone: boolean }>();
    for (const id of this.parent.keys()) {
      const root = this.root(id);
      const g = groups.get(root) ?? { email: false, phone: false };
      if (id.startsWith('email-')) g.email = true;
      else g.phone = true;
      groups.set(root, g);
    }
    const all = [...groups.values()];
    return { email: all.filter((g) => g.email).length, phone: all.filter((g) => !g.email).length, emailAndPhone: all.filter((g) => g.email && g.phone).length };
  }

  private root(id: string): string {
    let r = this.parent.get(id);
    if (r === undefined) {
      this.parent.set(id, id);
      return id;
    }
    let x = id;
    while (r !== x) {
      x = r;
      r = this.parent.get(x)!;
    }
    // Path compression: point every id on the way straight at the root.
    let y = id;
    while (y !== r) {
      const next = this.parent.get(y)!;
      this.parent.set(y, r);
      y = next;
    }
    return r;
  }
}
