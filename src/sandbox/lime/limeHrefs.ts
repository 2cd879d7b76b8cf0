/** Absolute hrefs as Lime emits them: scheme, host, percent-encoded app segment, always a trailing slash. */
export interface LimeHrefs {
  /** `<base>/api/v1/<segments…>/`, each segment percent-encoded. */
  api(...segments: string[]): string;
  limetype(limetype: string): string;
  property(limetype: string, property: string): string;
  collection(limetype: string): string;
  object(limetype: string, id: number): string;
  relation(limetype: string, id: number, property: string): string;
  newRelated(limetype: string, id: number, property: string): string;
}

export function createHrefs(baseUrl: string): LimeHrefs {
  const api = (...segments: string[]): string =>
    `${baseUrl}/api/v1/${segments.map((segment) => `${encodeURIComponent(segment)}/`).join('')}`;
  return {
    api,
    limetype: (limetype) => api('limetype', limetype),
    property: (limetype, property) => api('limetype', limetype, property),
    collection: (limetype) => api('limeobject', limetype),
    object: (limetype, id) => api('limeobject', limetype, String(id)),
    relation: (limetype, id, property) => api('limeobject', limetype, String(id), property),
    newRelated: (limetype, id, property) => api('limeobject', limetype, String(id), property, 'new'),
  };
}

/** The href with a query string, or without `?` when there are no parameters. */
export function withQuery(href: string, params: URLSearchParams): string {
  const query = params.toString();
  return query === '' ? href : `${href}?${query}`;
}
