// The scan both secretsNeverLeak suites (Lime's and SuperOffice's) run over everything the receiver wrote: each
// secret looked for in every form it could be written in.

/** Something the receiver wrote: a page, an answer, a log, a CLI output. */
export interface Capture {
  /** Where it was seen: `GET /admin/connection → 200`, `receiver log`, `cli deliveries`. */
  where: string;
  text: string;
  /** Admin pages show personal data by design; secrets are looked for there too. */
  adminPage: boolean;
}

/** The forms a secret could be written in (a 64-hex-digit key also as its bytes in base64). */
export function formsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [
    secret,
    bytes.toString('hex'),
    bytes.toString('base64').replace(/=+$/u, ''),
    bytes.toString('base64url'),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    // As an admin page writes it (EJS escapes & < > " ').
    secret
      .replace(/&/gu, '&amp;')
      .replace(/</gu, '&lt;')
      .replace(/>/gu, '&gt;')
      .replace(/"/gu, '&#34;')
      .replace(/'/gu, '&#39;'),
  ];
  const key = /^[0-9a-f]{64}$/u.test(secret) ? Buffer.from(secret, 'hex') : undefined;
  if (key) forms.push(secret.toUpperCase(), key.toString('base64').replace(/=+$/u, ''), key.toString('base64url'));
  return [...new Set(forms)];
}

/** Where each form of each secret was found: empty when nothing leaked (a long form is shown by its start). */
export function leaksIn(list: readonly Capture[], secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    for (const form of formsOf(secret)) {
      for (const capture of list) {
        if (capture.text.includes(form)) found.push(`${name} (as ${form.slice(0, 24)}…) in ${capture.where}`);
      }
    }
  }
  return found;
}
