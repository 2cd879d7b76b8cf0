// Whether a text names an e-mail address: the erasure's test for matching traces and free text in payloads.

/**
 * True when `text` contains `email` (already normalized: lower-case) as a whole address, case-insensitively:
 * "Anna@Customer.se → person 1001" names anna@customer.se, but "johanna@customer.se" and "anna@customer.se.example"
 * do not (a plain substring test would erase another person's data).
 */
export function mentionsAddress(text: string, email: string): boolean {
  const haystack = text.normalize('NFKC').toLowerCase();
  for (let from = haystack.indexOf(email); from !== -1; from = haystack.indexOf(email, from + 1)) {
    const before = haystack[from - 1];
    const after = haystack.slice(from + email.length, from + email.length + 2);
    const startsWord = before === undefined || !/[\p{L}\p{N}._%+'-]/u.test(before);
    const endsWord = after === '' || !/^(?:[\p{L}\p{N}-]|\.[\p{L}\p{N}])/u.test(after);
    if (startsWord && endsWord) return true;
  }
  return false;
}
