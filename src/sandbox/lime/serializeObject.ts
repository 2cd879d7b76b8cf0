import { emptyValue } from './emptyValue';
import { findLimetype, findProperty } from './findInModel';
import type { LimeHrefs } from './limeHrefs';
import { isListRelation, isRelation, type SystemPropertyName } from './propertyKinds';
import type { LimeModel, LimePropertyDef, LimeRecord, LimetypeDef } from './types';

export interface SerializeContext {
  model: LimeModel;
  hrefs: LimeHrefs;
}

/** An object as `GET /limeobject/{t}/{id}/` returns it (lime-rest-api.md §2.2). */
export function serializeObject(
  context: SerializeContext,
  limetype: LimetypeDef,
  record: LimeRecord,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const property of limetype.properties) {
    if (isListRelation(property.type)) continue;
    result[property.name] = serializeValue(property, storedValue(property, record));
  }
  result['_id'] = record._id;
  result['_timestamp'] = record._timestamp;
  result['_descriptive'] = descriptiveOf(limetype, record);
  result['_createdtime'] = record._createdtime;
  result['_createduser'] = record._createduser;
  result['_updateduser'] = record._updateduser;
  result['_links'] = objectLinks(context, limetype, record._id);
  return result;
}

/** The stored value, or what an unset property holds when the object predates the property. */
export function storedValue(property: LimePropertyDef, record: LimeRecord): unknown {
  return Object.hasOwn(record.values, property.name) ? record.values[property.name] : emptyValue(property);
}

/** A stored value as the API writes it: options as `{id, key, text}`, everything else as stored. */
export function serializeValue(property: LimePropertyDef, stored: unknown): unknown {
  if (property.type === 'option') return typeof stored === 'string' ? optionObject(property, stored) : null;
  if (property.type === 'set') {
    const keys = Array.isArray(stored) ? stored.filter((key): key is string => typeof key === 'string') : [];
    return keys.map((key) => optionObject(property, key)).filter((option) => option !== null);
  }
  return stored;
}

function optionObject(property: LimePropertyDef, key: string): { id: number; key: string; text: string } | null {
  const option = (property.options ?? []).find((candidate) => candidate.key === key);
  return option === undefined ? null : { id: option.id, key: option.key, text: option.text };
}

export function systemValue(limetype: LimetypeDef, record: LimeRecord, name: SystemPropertyName): unknown {
  return name === '_descriptive' ? descriptiveOf(limetype, record) : record[name];
}

/** `_descriptive`: the limetype's descriptive properties joined by a space (options by their text). */
export function descriptiveOf(limetype: LimetypeDef, record: LimeRecord): string {
  return limetype.descriptive
    .map((name) => {
      const property = findProperty(limetype, name);
      if (property === undefined) return '';
      const value = serializeValue(property, storedValue(property, record));
      if (value === null || value === undefined) return '';
      if (typeof value === 'object' && 'text' in value) return String(value.text);
      return typeof value === 'object' ? '' : String(value);
    })
    .filter((part) => part !== '')
    .join(' ');
}

function objectLinks(context: SerializeContext, limetype: LimetypeDef, id: number): Record<string, unknown> {
  const { hrefs } = context;
  const links: Record<string, unknown> = {
    self: { href: hrefs.object(limetype.name, id) },
    limetype: { href: hrefs.limetype(limetype.name), name: limetype.name },
  };
  for (const property of limetype.properties) {
    if (!isRelation(property.type)) continue;
    links[`relation_${property.name}`] = {
      href: hrefs.relation(limetype.name, id, property.name),
      name: property.name,
    };
    if (property.type === 'hasmany') {
      links[`new_${property.name}`] = { href: hrefs.newRelated(limetype.name, id, property.name) };
    }
  }
  return links;
}

/** The serialized object of a limetype by name, or undefined when either is unknown. */
export function serializeStored(
  context: SerializeContext,
  limetype: string,
  record: LimeRecord | undefined,
): Record<string, unknown> | undefined {
  const def = findLimetype(context.model, limetype);
  return def === undefined || record === undefined ? undefined : serializeObject(context, def, record);
}
