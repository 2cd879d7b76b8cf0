/**
 * The path below its first segment (`/lime/api/v1/` → `/api/v1/`, a bare `/lime` → `/`), or undefined when the
 * decoded first segment is not accepted (or is not valid percent-encoding).
 */
export function pathBelowFirstSegment(path: string, accept: (segment: string) => boolean): string | undefined {
  const match = /^\/([^/]+)(\/.*)?$/u.exec(path);
  if (match === null) return undefined;
  try {
    if (!accept(decodeURIComponent(match[1] ?? ''))) return undefined;
  } catch {
    return undefined;
  }
  return match[2] ?? '/';
}
