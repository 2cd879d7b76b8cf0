import type { Request } from 'express';

/**
 * A reader of a posted form's fields. Form fields are strings; a field sent twice (an array) or missing counts as
 * not given.
 */
export function formFields(request: Request): (name: string) => string | undefined {
  const body = request.body as Record<string, unknown>;
  return (name) => {
    const value = body[name];
    return typeof value === 'string' ? value : undefined;
  };
}
