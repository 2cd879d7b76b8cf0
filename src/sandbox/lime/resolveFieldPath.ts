import { findLimetype, findProperty } from './findInModel';
import type { LimeObjectStore } from './objectStore';
import { isSingleRelation } from './propertyKinds';
import { readField, resolveField, type Field, type FieldValue } from './readField';
import type { LimeModel, LimeRecord, LimetypeDef } from './types';

export interface QueryContext {
  model: LimeModel;
  store: LimeObjectStore;
}

/** A Query API key such as `company.name`: the field at its end and how to read it from a starting object. */
export interface FieldPath {
  field: Field;
  /** Every limetype the path passes through after the starting one (their read permission matters). */
  throughLimetypes: string[];
  read(record: LimeRecord): FieldValue;
}

/** Resolves a dotted key over belongsto/hasone relations; a string is the reason it does not resolve. */
export function resolveFieldPath(context: QueryContext, limetype: LimetypeDef, key: string): FieldPath | string {
  const segments = key.split('.');
  const last = segments.pop() ?? '';
  const hops: Array<{ name: string; target: LimetypeDef }> = [];
  let current = limetype;
  for (const segment of segments) {
    const property = findProperty(current, segment);
    if (property === undefined) return `The property "${segment}" does not exist on ${current.name}.`;
    const target = property.relatedType === undefined ? undefined : findLimetype(context.model, property.relatedType);
    if (!isSingleRelation(property.type) || target === undefined) {
      return `"${key}" can only pass through belongsto relations; "${segment}" is a ${property.type}.`;
    }
    hops.push({ name: segment, target });
    current = target;
  }
  const field = resolveField(current, last);
  if (field === undefined) return `The property "${last}" does not exist on ${current.name}.`;
  if (field.kind === 'list') return `"${key}" is a hasmany relation, which the emulator cannot filter or sort on.`;
  const end = current;
  return {
    field,
    throughLimetypes: hops.map((hop) => hop.target.name),
    read(record) {
      let at: LimeRecord | undefined = record;
      for (const hop of hops) {
        const id: unknown = at?.values[hop.name];
        at = typeof id === 'number' ? context.store.find(hop.target.name, id) : undefined;
        if (at === undefined) return null;
      }
      return at === undefined ? null : readField(end, at, field);
    },
  };
}
