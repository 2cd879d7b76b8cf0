import { findProperty } from './findInModel';
import { parseLimeTime } from './limeTime';
import { isSystemProperty, type SystemPropertyName } from './propertyKinds';
import { descriptiveOf, storedValue } from './serializeObject';
import type { LimePropertyDef, LimePropertyType, LimeRecord, LimetypeDef } from './types';

/** How a property's values compare in filters and sorting. */
export type FieldKind = 'text' | 'number' | 'boolean' | 'time' | 'option' | 'set' | 'id' | 'list';

/** A property (or system property) something filters or sorts by. */
export type Field =
  | { source: 'property'; name: string; kind: FieldKind; property: LimePropertyDef }
  | { source: 'system'; name: SystemPropertyName; kind: FieldKind };

/** A value ready to compare: text as stored, options by key, times in µs, relations by id, sets as keys. */
export type FieldValue = string | number | boolean | string[] | null;

export function resolveField(limetype: LimetypeDef, name: string): Field | undefined {
  if (isSystemProperty(name)) return { source: 'system', name, kind: systemKind(name) };
  const property = findProperty(limetype, name);
  return property === undefined ? undefined : { source: 'property', name, kind: kindOf(property.type), property };
}

function systemKind(name: SystemPropertyName): FieldKind {
  switch (name) {
    case '_id':
    case '_createduser':
    case '_updateduser':
      return 'id';
    case '_timestamp':
    case '_createdtime':
      return 'time';
    case '_descriptive':
      return 'text';
  }
}

function kindOf(type: LimePropertyType): FieldKind {
  switch (type) {
    case 'string':
    case 'text':
    case 'phone':
    case 'link':
    case 'system':
      return 'text';
    case 'integer':
    case 'decimal':
    case 'percent':
      return 'number';
    case 'yesno':
      return 'boolean';
    case 'time':
    case 'date':
      return 'time';
    case 'option':
      return 'option';
    case 'set':
      return 'set';
    case 'belongsto':
    case 'hasone':
    case 'user':
    case 'file':
      return 'id';
    case 'hasmany':
    case 'hasandbelongstomany':
      return 'list';
  }
}

export function readField(limetype: LimetypeDef, record: LimeRecord, field: Field): FieldValue {
  const raw =
    field.source === 'system'
      ? field.name === '_descriptive'
        ? descriptiveOf(limetype, record)
        : record[field.name]
      : storedValue(field.property, record);
  return toFieldValue(field.kind, raw);
}

function toFieldValue(kind: FieldKind, raw: unknown): FieldValue {
  if (raw === null || raw === undefined) return null;
  switch (kind) {
    case 'time':
      return typeof raw === 'string' ? (parseLimeTime(raw) ?? null) : null;
    case 'set':
      return Array.isArray(raw) ? raw.map(String) : [];
    case 'text':
    case 'option':
      return String(raw);
    case 'number':
    case 'id':
      return typeof raw === 'number' ? raw : null;
    case 'boolean':
      return raw === true;
    case 'list':
      return null;
  }
}
