import { navLinks } from '../../src/receiver/admin/navigation';

/** The label of the marked link and its mark, for a page at `path` under /admin. */
const marked = (path: string) =>
  navLinks(path)
    .filter((link) => link.current !== undefined)
    .map((link) => `${link.label}=${link.current}`);

describe('the admin nav marks the section of the page shown', () => {
  it.each([
    ['/', ['Overview=page']],
    ['/connection', ['Connections=page']],
    ['/connection/', ['Connections=page']],
    ['/connection/disconnect', ['Connections=true']],
    ['/connection/dci/remove', ['Connections=true']],
    ['/deliveries', ['Deliveries=page']],
    ['/deliveries/abc-123', ['Deliveries=true']],
    ['/deliveries/abc-123/dry-run', ['Deliveries=true']],
    ['/dead-letters', ['Dead letters=page']],
    // Outside every section (a 404), and look-alike prefixes: nothing marked.
    ['/no-such-page', []],
    ['/deliveries-old', []],
    ['/connectionx', []],
  ])('%s → %j', (path, expected) => {
    expect(marked(path)).toEqual(expected);
  });

  it('links every section, Overview first', () => {
    expect(navLinks('/').map((link) => link.href)).toEqual([
      '/admin',
      '/admin/connection',
      '/admin/deliveries',
      '/admin/dead-letters',
    ]);
  });
});
