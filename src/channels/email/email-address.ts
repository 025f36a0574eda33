/** Longest address SMTP carries in a forward path (RFC 5321 §4.5.3.1.3, minus the brackets). */
const MAX_LENGTH = 254;

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * Whether `address` is a plain addr-spec Herald can put in RCPT TO: a dot-atom local part (at
 * most 64 octets) and a domain of at least two DNS labels. Quoted local parts, address
 * literals, display names and non-ASCII (SMTPUTF8) addresses are refused: they are not what a
 * booking profile holds, and refusing them keeps header injection out.
 */
export function isValidEmailAddress(address: string): boolean {
  if (address.length === 0 || address.length > MAX_LENGTH) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** The domain of the address in a From value such as `Herald <no-reply@herald.example>`. */
export function domainOf(from: string): string | null {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return match ? match[1].toLowerCase() : null;
}
