import { badRequest, forbidden, hal, propertyNotFound, type ApiResponse } from './apiResponses';
import { coerceOperand, compareFieldValues, valuesEqual } from './compareValues';
import { findLimetype, findProperty } from './findInModel';
import { withQuery } from './limeHrefs';
import type { LimeObjectStore } from './objectStore';
import { isSingleRelation } from './propertyKinds';
import { readField, resolveField, type Field, type FieldValue } from './readField';
import { serializeObject, type SerializeContext } from './serializeObject';
import type { LimeRecord, LimetypeDef } from './types';

export interface ListContext extends SerializeContext {
  store: LimeObjectStore;
  listLimit: { default: number; max: number };
  mayRead(limetype: string): boolean;
}

/** The collection under `href` (its own URL without query), for `GET /limeobject/{t}/` and related lists. */
export interface ListRequest {
  limetype: LimetypeDef;
  candidates: LimeRecord[];
  href: string;
  rawQuery: string;
}

type Predicate = (record: LimeRecord) => boolean;
interface SortKey {
  field: Field;
  descending: boolean;
}
interface ListPlan {
  predicates: Predicate[];
  sort: SortKey[];
  limit: number;
  offset: number;
  offsetId: number | undefined;
  embed: LimetypeDef[];
  embedNames: string[];
}

/** A HAL collection page: filters, `min-`/`max-`, `_sort`, `_limit`, `_offset`/`_offset_id`, `_embed`. */
export function listObjects(context: ListContext, request: ListRequest): ApiResponse {
  const params = new URLSearchParams(request.rawQuery);
  const plan = planList(context, request.limetype, params);
  if ('status' in plan) return plan;
  const { limetype } = request;
  const matching = request.candidates.filter((record) => plan.predicates.every((predicate) => predicate(record)));
  matching.sort((a, b) => {
    for (const key of plan.sort) {
      const order = compareFieldValues(readField(limetype, a, key.field), readField(limetype, b, key.field));
      if (order !== 0) return key.descending ? -order : order;
    }
    return a._id - b._id;
  });
  const start = plan.offsetId === undefined ? plan.offset : startAfterId(matching, plan.offsetId);
  const page = matching.slice(start, start + plan.limit);
  const items = page.map((record) => {
    const item = serializeObject(context, limetype, record);
    if (plan.embedNames.length > 0) item['_embedded'] = embedded(context, plan, record);
    return item;
  });
  const links: Record<string, unknown> = {
    self: { href: request.rawQuery === '' ? request.href : `${request.href}?${request.rawQuery}` },
  };
  if (start + plan.limit < matching.length) {
    const next = new URLSearchParams(params);
    next.delete('_offset');
    next.delete('_offset_id');
    next.set('_limit', String(plan.limit));
    next.set('_offset', String(start + plan.limit));
    links['next'] = { href: withQuery(request.href, next) };
  }
  return hal(200, { _embedded: { limeobjects: items }, _links: links });
}

function startAfterId(sorted: LimeRecord[], id: number): number {
  const index = sorted.findIndex((record) => record._id === id);
  if (index >= 0) return index + 1;
  const after = sorted.findIndex((record) => record._id > id);
  return after < 0 ? sorted.length : after;
}

function embedded(context: ListContext, plan: ListPlan, record: LimeRecord): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  plan.embedNames.forEach((name, index) => {
    const related = plan.embed[index];
    const id = record.values[name];
    const target = related !== undefined && typeof id === 'number' ? context.store.find(related.name, id) : undefined;
    result[`relation_${name}`] =
      related === undefined || target === undefined ? null : serializeObject(context, related, target);
  });
  return result;
}

const CONTROL_PARAMETERS = new Set(['_limit', '_offset', '_offset_id', '_sort', '_embed']);

function planList(context: ListContext, limetype: LimetypeDef, params: URLSearchParams): ListPlan | ApiResponse {
  const plan: ListPlan = {
    predicates: [],
    sort: [],
    limit: context.listLimit.default,
    offset: 0,
    offsetId: undefined,
    embed: [],
    embedNames: [],
  };
  const equality = new Map<string, string[]>();
  for (const [name, value] of params) {
    const problem = CONTROL_PARAMETERS.has(name)
      ? applyControl(context, limetype, plan, name, value)
      : name.startsWith('min-') || name.startsWith('max-')
        ? applyRange(limetype, plan, name, value)
        : collectEquality(limetype, equality, name, value);
    if (problem !== undefined) return problem;
  }
  for (const [name, values] of equality) {
    const field = resolveField(limetype, name);
    if (field === undefined) return propertyNotFound(name);
    const operands: FieldValue[] = [];
    for (const value of values) {
      const operand = coerceOperand(field, value);
      if (!operand.ok) return badRequest(operand.message);
      operands.push(operand.value);
    }
    // A parameter repeated (`?email=a&email=b`) matches any of its values.
    plan.predicates.push((record) => {
      const actual = readField(limetype, record, field);
      return operands.some((operand) => valuesEqual(field, actual, operand));
    });
  }
  return plan;
}

function collectEquality(
  limetype: LimetypeDef,
  equality: Map<string, string[]>,
  name: string,
  value: string,
): ApiResponse | undefined {
  // Unknown underscore parameters (`_format`, cache busters) are ignored; unknown property names are not.
  if (name.startsWith('_') && resolveField(limetype, name) === undefined) return undefined;
  const field = resolveField(limetype, name);
  if (field === undefined) return propertyNotFound(name);
  if (field.kind === 'list')
    return badRequest(`The property "${name}" lists related objects and cannot be filtered on.`);
  equality.set(name, [...(equality.get(name) ?? []), value]);
  return undefined;
}

function applyRange(limetype: LimetypeDef, plan: ListPlan, name: string, value: string): ApiResponse | undefined {
  const propertyName = name.slice(4);
  const field = resolveField(limetype, propertyName);
  if (field === undefined) return propertyNotFound(propertyName);
  if (!['number', 'id', 'time'].includes(field.kind)) {
    return badRequest(`The property "${propertyName}" is not a number or a date and has no range.`);
  }
  const operand = coerceOperand(field, value);
  if (!operand.ok || operand.value === null) return badRequest(`Invalid value "${value}" for "${name}".`);
  const bound = operand.value;
  const wantAtLeast = name.startsWith('min-');
  plan.predicates.push((record) => {
    const actual = readField(limetype, record, field);
    if (actual === null) return false;
    const order = compareFieldValues(actual, bound);
    return wantAtLeast ? order >= 0 : order <= 0;
  });
  return undefined;
}

function applyControl(
  context: ListContext,
  limetype: LimetypeDef,
  plan: ListPlan,
  name: string,
  value: string,
): ApiResponse | undefined {
  switch (name) {
    case '_limit': {
      const limit = parseWholeNumber(value);
      if (limit === undefined) return badRequest(`Invalid value "${value}" for "_limit".`);
      // Larger pages are silently capped, like the real server is assumed to do.
      plan.limit = Math.max(1, Math.min(limit, context.listLimit.max));
      return undefined;
    }
    case '_offset': {
      const offset = parseWholeNumber(value);
      if (offset === undefined) return badRequest(`Invalid value "${value}" for "_offset".`);
      plan.offset = offset;
      return undefined;
    }
    case '_offset_id': {
      const offsetId = parseWholeNumber(value);
      if (offsetId === undefined) return badRequest(`Invalid value "${value}" for "_offset_id".`);
      plan.offsetId = offsetId;
      return undefined;
    }
    case '_sort':
      return applySort(limetype, plan, value);
    default:
      return applyEmbed(context, limetype, plan, value);
  }
}

function applySort(limetype: LimetypeDef, plan: ListPlan, value: string): ApiResponse | undefined {
  for (const part of value.split(',').filter((entry) => entry !== '')) {
    const descending = part.startsWith('-');
    const name = descending ? part.slice(1) : part;
    const field = resolveField(limetype, name);
    if (field === undefined) return propertyNotFound(name);
    if (field.kind === 'list')
      return badRequest(`The property "${name}" lists related objects and cannot be sorted on.`);
    plan.sort.push({ field, descending });
  }
  return undefined;
}

function applyEmbed(
  context: ListContext,
  limetype: LimetypeDef,
  plan: ListPlan,
  value: string,
): ApiResponse | undefined {
  const property = findProperty(limetype, value);
  if (property === undefined) return propertyNotFound(value);
  const related = property.relatedType === undefined ? undefined : findLimetype(context.model, property.relatedType);
  if (!isSingleRelation(property.type) || related === undefined) {
    return badRequest(`Only belongsto and hasone relations can be embedded; "${value}" is a ${property.type}.`);
  }
  if (!context.mayRead(related.name)) return forbidden('read', related.name);
  if (!plan.embedNames.includes(value)) {
    plan.embedNames.push(value);
    plan.embed.push(related);
  }
  return undefined;
}

function parseWholeNumber(value: string): number | undefined {
  return /^\d{1,9}$/u.test(value) ? Number(value) : undefined;
}
