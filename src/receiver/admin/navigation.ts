/** A link of the admin pages' main navigation, with whether the page shown is it or inside its section. */
export interface NavLink {
  href: string;
  label: string;
  /** `aria-current`: 'page' on the link's own page, 'true' on a page inside its section (a delivery), else absent. */
  current?: 'page' | 'true' | undefined;
}

const SECTIONS = [
  { path: '/', label: 'Overview' },
  { path: '/connection', label: 'Connections' },
  { path: '/deliveries', label: 'Deliveries' },
  { path: '/dead-letters', label: 'Dead letters' },
] as const;

/** The nav for a page at `path` (relative to /admin): the section it belongs to is marked. */
export function navLinks(path: string): NavLink[] {
  const trimmed = path.length > 1 ? path.replace(/\/+$/u, '') : path;
  return SECTIONS.map(({ path: section, label }) => {
    const href = section === '/' ? '/admin' : `/admin${section}`;
    if (trimmed === section) return { href, label, current: 'page' };
    if (section !== '/' && trimmed.startsWith(`${section}/`)) return { href, label, current: 'true' };
    return { href, label };
  });
}
