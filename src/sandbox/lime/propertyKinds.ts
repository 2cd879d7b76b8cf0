import type { LimePropertyType } from './types';

/** The system properties every limeobject carries (lime-rest-api.md §2.2). */
export const SYSTEM_PROPERTIES = [
  '_id',
  '_timestamp',
  '_descriptive',
  '_createdtime',
  '_createduser',
  '_updateduser',
] as const;

export type SystemPropertyName = (typeof SYSTEM_PROPERTIES)[number];

export function isSystemProperty(name: string): name is SystemPropertyName {
  return (SYSTEM_PROPERTIES as readonly string[]).includes(name);
}

/** Types serialized as a string that is never null (`""` when empty). */
export function isTextLike(type: LimePropertyType): boolean {
  return type === 'string' || type === 'text' || type === 'phone' || type === 'link';
}

/** Relations with one object on the other side: serialized as its id or null. */
export function isSingleRelation(type: LimePropertyType): boolean {
  return type === 'belongsto' || type === 'hasone';
}

/** Relations with many objects on the other side: never a value, only a `relation_` link. */
export function isListRelation(type: LimePropertyType): boolean {
  return type === 'hasmany' || type === 'hasandbelongstomany';
}

export function isRelation(type: LimePropertyType): boolean {
  return isSingleRelation(type) || isListRelation(type);
}
