import type { RequestBody } from '../shared/readHttpRequest';
import {
  badRequest,
  forbidden,
  hal,
  limetypeNotFound,
  methodNotAllowed,
  noContent,
  notFound,
  propertyNotFound,
  type ApiResponse,
} from './apiResponses';
import { describeLimetype, describeProperty } from './describeLimetype';
import { evaluateQuery } from './evaluateQuery';
import { findListBackref, findLimetype, findProperty } from './findInModel';
import type { LimeHrefs } from './limeHrefs';
import { listObjects, type ListContext } from './listObjects';
import type { LimeObjectStore } from './objectStore';
import { mayPerform } from './permissions';
import { isRelation } from './propertyKinds';
import { serializeObject } from './serializeObject';
import type { LimeKeyPermissions, LimeModel, LimeOperation, LimeRecord, LimetypeDef } from './types';
import type { WebhookSubscriptions } from './webhookSubscriptions';

/** Everything a request may touch, for one authenticated API key. */
export interface ApiContext {
  model: LimeModel;
  store: LimeObjectStore;
  hrefs: LimeHrefs;
  listLimit: { default: number; max: number };
  /** Query API switches: the largest page served, and whether `_timestamp` is refused. */
  queryLimits: { maxLimit: number | undefined; refuseTimestamp: boolean };
  permissions: LimeKeyPermissions;
  /** The API key's user, recorded in `_createduser`/`_updateduser`. */
  userId: number;
  /** The webhooks package's subscription API; absent on a server without the package (its routes are 404). */
  subscriptions?: WebhookSubscriptions | undefined;
}

export interface ApiRequest {
  method: string;
  /** Decoded path segments below the app prefix: `['api', 'v1', 'limeobject', 'person', '1001']`. */
  segments: string[];
  rawQuery: string;
  body: RequestBody;
}

const URL_NOT_FOUND = 'The requested URL was not found on the server.';

/** The REST API below `/<app>/`, after authentication. */
export function routeApiRequest(context: ApiContext, request: ApiRequest): ApiResponse {
  const [api, version, resource, ...rest] = request.segments;
  if (api !== 'api' || version !== 'v1') return notFound(URL_NOT_FOUND);
  switch (resource) {
    case undefined:
      return allow(request, ['GET']) ?? hal(200, { _links: rootLinks(context.hrefs) });
    case 'limetype':
      return allow(request, ['GET']) ?? routeLimetype(context, request, rest);
    case 'limeobject':
      return routeLimeobject(context, request, rest);
    case 'query':
      if (rest.length > 0) return notFound(URL_NOT_FOUND);
      return allow(request, ['GET', 'POST']) ?? routeQuery(context, request);
    case 'subscription':
      return context.subscriptions === undefined
        ? notFound(URL_NOT_FOUND)
        : context.subscriptions.route({ ...request, rest, permissions: context.permissions });
    default:
      return notFound(URL_NOT_FOUND);
  }
}

function allow(request: ApiRequest, methods: readonly string[]): ApiResponse | undefined {
  return methods.includes(request.method) ? undefined : methodNotAllowed(methods);
}

function rootLinks(hrefs: LimeHrefs): Record<string, unknown> {
  return {
    self: { href: hrefs.api() },
    limetype: { href: hrefs.api('limetype') },
    limeobject: { href: hrefs.api('limeobject') },
    query: { href: hrefs.api('query') },
  };
}

function embedRequested(request: ApiRequest, names: readonly string[]): boolean {
  return new URLSearchParams(request.rawQuery).getAll('_embed').some((value) => names.includes(value));
}

type Guarded = { limetype: LimetypeDef } | { response: ApiResponse };

function guardLimetype(context: ApiContext, name: string, operation: LimeOperation): Guarded {
  const limetype = findLimetype(context.model, name);
  if (limetype === undefined) return { response: limetypeNotFound(name) };
  if (!mayPerform(context.permissions, name, operation)) return { response: forbidden(operation, name) };
  return { limetype };
}

function routeLimetype(context: ApiContext, request: ApiRequest, rest: string[]): ApiResponse {
  const [name, propertyName, ...extra] = rest;
  if (name === undefined) {
    const withProperties = embedRequested(request, ['limetypes.properties', 'properties']);
    const readable = Object.values(context.model.limetypes).filter((limetype) =>
      mayPerform(context.permissions, limetype.name, 'read'),
    );
    return hal(200, {
      _embedded: { limetypes: readable.map((limetype) => describeLimetype(context, limetype, withProperties)) },
      _links: { self: { href: context.hrefs.api('limetype') } },
    });
  }
  if (extra.length > 0) return notFound(URL_NOT_FOUND);
  const guarded = guardLimetype(context, name, 'read');
  if ('response' in guarded) return guarded.response;
  const { limetype } = guarded;
  if (propertyName === undefined) {
    return hal(200, describeLimetype(context, limetype, embedRequested(request, ['properties'])));
  }
  const property = findProperty(limetype, propertyName);
  return property === undefined
    ? propertyNotFound(propertyName)
    : hal(200, describeProperty(context, limetype, property));
}

function routeLimeobject(context: ApiContext, request: ApiRequest, rest: string[]): ApiResponse {
  const [name, idText, relation, ...extra] = rest;
  if (name === undefined) return allow(request, ['GET']) ?? limeobjectIndex(context);
  if (extra.length > 0) return notFound(URL_NOT_FOUND);
  if (idText === undefined) {
    const refused = allow(request, ['GET', 'POST']);
    if (refused !== undefined) return refused;
    return request.method === 'GET' ? listAll(context, request, name) : create(context, request, name);
  }
  if (relation !== undefined) return allow(request, ['GET']) ?? listRelated(context, request, name, idText, relation);
  const refused = allow(request, ['GET', 'PUT', 'DELETE']);
  if (refused !== undefined) return refused;
  const operation: LimeOperation = request.method === 'GET' ? 'read' : request.method === 'PUT' ? 'update' : 'delete';
  const guarded = guardLimetype(context, name, operation);
  if ('response' in guarded) return guarded.response;
  const found = findObject(context, guarded.limetype, idText);
  if ('response' in found) return found.response;
  switch (operation) {
    case 'read':
      return hal(200, serializeObject(context, guarded.limetype, found.record));
    case 'update':
      return update(context, request, guarded.limetype, found.record);
    default:
      context.store.remove(name, found.record._id);
      return noContent();
  }
}

function limeobjectIndex(context: ApiContext): ApiResponse {
  const links: Record<string, unknown> = { self: { href: context.hrefs.api('limeobject') } };
  for (const limetype of Object.values(context.model.limetypes)) {
    if (mayPerform(context.permissions, limetype.name, 'read')) {
      links[limetype.name] = { href: context.hrefs.collection(limetype.name) };
    }
  }
  return hal(200, { _links: links });
}

function findObject(
  context: ApiContext,
  limetype: LimetypeDef,
  idText: string,
): { record: LimeRecord } | { response: ApiResponse } {
  const record = /^\d{1,15}$/u.test(idText) ? context.store.find(limetype.name, Number(idText)) : undefined;
  return record === undefined
    ? { response: notFound(`The ${limetype.name} object ${idText} does not exist.`) }
    : { record };
}

function listContext(context: ApiContext): ListContext {
  return { ...context, mayRead: (limetype) => mayPerform(context.permissions, limetype, 'read') };
}

function listAll(context: ApiContext, request: ApiRequest, name: string): ApiResponse {
  const guarded = guardLimetype(context, name, 'read');
  if ('response' in guarded) return guarded.response;
  return listObjects(listContext(context), {
    limetype: guarded.limetype,
    candidates: context.store.list(name),
    href: context.hrefs.collection(name),
    rawQuery: request.rawQuery,
  });
}

function listRelated(
  context: ApiContext,
  request: ApiRequest,
  name: string,
  idText: string,
  relation: string,
): ApiResponse {
  const guarded = guardLimetype(context, name, 'read');
  if ('response' in guarded) return guarded.response;
  const { limetype } = guarded;
  const found = findObject(context, limetype, idText);
  if ('response' in found) return found.response;
  const property = findProperty(limetype, relation);
  if (property === undefined || !isRelation(property.type)) return propertyNotFound(relation);
  const related = property.relatedType === undefined ? undefined : findLimetype(context.model, property.relatedType);
  if (related === undefined) return limetypeNotFound(property.relatedType ?? relation);
  if (!mayPerform(context.permissions, related.name, 'read')) return forbidden('read', related.name);
  return listObjects(listContext(context), {
    limetype: related,
    candidates: relatedRecords(context, limetype, found.record, relation),
    href: context.hrefs.relation(name, found.record._id, relation),
    rawQuery: request.rawQuery,
  });
}

function relatedRecords(
  context: ApiContext,
  limetype: LimetypeDef,
  record: LimeRecord,
  relation: string,
): LimeRecord[] {
  const property = findProperty(limetype, relation);
  const relatedType = property?.relatedType;
  if (property === undefined || relatedType === undefined) return [];
  if (property.type === 'belongsto' || property.type === 'hasone') {
    const id = record.values[relation];
    const target = typeof id === 'number' ? context.store.find(relatedType, id) : undefined;
    return target === undefined ? [] : [target];
  }
  // hasandbelongstomany links are not stored by the emulator: such a list is always empty.
  const backref = findListBackref(context.model, limetype, property);
  if (backref === undefined) return [];
  return context.store.list(relatedType).filter((candidate) => candidate.values[backref.name] === record._id);
}

function requireJsonBody(request: ApiRequest): { value: unknown } | { response: ApiResponse } {
  switch (request.body.kind) {
    case 'json':
      return { value: request.body.value };
    case 'malformed':
      return { response: badRequest('The request body is not valid JSON.') };
    case 'none':
      return { response: badRequest('The request body must be a JSON object.') };
  }
}

function create(context: ApiContext, request: ApiRequest, name: string): ApiResponse {
  const guarded = guardLimetype(context, name, 'create');
  if ('response' in guarded) return guarded.response;
  const body = requireJsonBody(request);
  if ('response' in body) return body.response;
  const outcome = context.store.create(name, body.value, context.userId);
  switch (outcome.kind) {
    case 'written': {
      const response = hal(201, serializeObject(context, guarded.limetype, outcome.record));
      return {
        ...response,
        headers: { ...response.headers, location: context.hrefs.object(name, outcome.record._id) },
      };
    }
    case 'invalid':
      return badRequest(outcome.message, outcome.problems);
    case 'not_found':
      return notFound(outcome.message);
  }
}

function update(context: ApiContext, request: ApiRequest, limetype: LimetypeDef, record: LimeRecord): ApiResponse {
  const body = requireJsonBody(request);
  if ('response' in body) return body.response;
  const outcome = context.store.update(limetype.name, record._id, body.value, context.userId);
  switch (outcome.kind) {
    case 'written':
      return hal(200, serializeObject(context, limetype, outcome.record));
    case 'invalid':
      return badRequest(outcome.message, outcome.problems);
    case 'not_found':
      return notFound(outcome.message);
  }
}

function routeQuery(context: ApiContext, request: ApiRequest): ApiResponse {
  let document: unknown;
  if (request.method === 'POST') {
    const body = requireJsonBody(request);
    if ('response' in body) return body.response;
    document = body.value;
  } else {
    const q = new URLSearchParams(request.rawQuery).get('q');
    if (q === null) return badRequest('The query is missing: send it as JSON in the "q" parameter.');
    try {
      document = JSON.parse(q);
    } catch {
      return badRequest('The "q" parameter is not valid JSON.');
    }
  }
  if (context.queryLimits.refuseTimestamp && JSON.stringify(document).includes('"_timestamp"')) {
    return badRequest('The property "_timestamp" cannot be used in a query.');
  }
  return evaluateQuery(
    {
      model: context.model,
      store: context.store,
      mayRead: (name) => mayPerform(context.permissions, name, 'read'),
      maxLimit: context.queryLimits.maxLimit,
    },
    document,
  );
}
