// Readers for agent request bodies and query strings. Property names match case-insensitively: the package sends
// camelCase, other clients PascalCase, and the WebAPI binds both (spec §3.1, §4). A field that is present but of the
// wrong type throws InvalidRequestError (→ 400); `null` counts as absent.

import { InvalidRequestError } from './apiResponses';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of `name` in `object`, matched case-insensitively; undefined when absent or null. */
export function property(object: JsonObject, name: string): unknown {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(object)) {
    if (key.toLowerCase() === wanted) return value ?? undefined;
  }
  return undefined;
}

/** The request object of a method that takes one; a missing, `null` or non-object body is a 400. */
export function requestObject(body: unknown, method: string): JsonObject {
  if (!isJsonObject(body)) throw new InvalidRequestError(`${method} needs a JSON object request body.`);
  return body;
}

export function optionalString(object: JsonObject, name: string): string | undefined {
  const value = property(object, name);
  if (value === undefined || typeof value === 'string') return value;
  throw new InvalidRequestError(`"${name}" must be a string.`);
}

export function optionalInteger(object: JsonObject, name: string): number | undefined {
  const value = property(object, name);
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new InvalidRequestError(`"${name}" must be an integer.`);
}

export function optionalBoolean(object: JsonObject, name: string): boolean | undefined {
  const value = property(object, name);
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidRequestError(`"${name}" must be true or false.`);
}

export function optionalObject(object: JsonObject, name: string): JsonObject | undefined {
  const value = property(object, name);
  if (value === undefined || isJsonObject(value)) return value;
  throw new InvalidRequestError(`"${name}" must be an object.`);
}

/** The id inside a nested carrier (`contact: { contactId }`); 0 when the carrier or its id is absent. */
export function nestedId(object: JsonObject, carrier: string, idName: string): number {
  const nested = optionalObject(object, carrier);
  if (nested === undefined) return 0;
  const id = optionalInteger(nested, idName);
  if (id === undefined) return 0;
  if (id < 0) throw new InvalidRequestError(`"${carrier}.${idName}" must not be negative.`);
  return id;
}

/** The enum value named `name`, matched case-insensitively against `names` and returned as spelled there. */
export function optionalEnumName<T extends string>(
  object: JsonObject,
  name: string,
  names: readonly T[],
): T | undefined {
  const value = property(object, name);
  if (value === undefined) return undefined;
  const match =
    typeof value === 'string' ? names.find((candidate) => candidate.toLowerCase() === value.toLowerCase()) : undefined;
  if (match === undefined) throw new InvalidRequestError(`"${name}" must be one of ${names.join(', ')}.`);
  return match;
}

/**
 * The non-empty `value`s of an `EntityElement[]` field (`emails: [{ value }]`); undefined when the field is
 * absent. Elements with an empty value are dropped, as an empty row in the CRM's phone list is.
 */
export function elementValues(object: JsonObject, name: string): string[] | undefined {
  const value = property(object, name);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new InvalidRequestError(`"${name}" must be an array of { value } elements.`);
  return value.flatMap((element: unknown, index) => {
    if (!isJsonObject(element)) throw new InvalidRequestError(`"${name}[${index}]" must be an object.`);
    const text = optionalString(element, 'value');
    return text === undefined || text.trim() === '' ? [] : [text.trim()];
  });
}

/** A positive integer query parameter (`?appointmentEntityId=5`), its name matched case-insensitively. */
export function queryId(rawQuery: string, name: string): number {
  const wanted = name.toLowerCase();
  const entry = [...new URLSearchParams(rawQuery)].find(([key]) => key.toLowerCase() === wanted);
  const value = entry?.[1];
  if (value === undefined || !/^\d+$/u.test(value)) {
    throw new InvalidRequestError(`The query parameter "${name}" must be a non-negative integer.`);
  }
  return Number(value);
}
