import { isSingleRelation } from './propertyKinds';
import type { LimeModel, LimePropertyDef, LimetypeDef } from './types';

export function findLimetype(model: LimeModel, name: string): LimetypeDef | undefined {
  // Own properties only: a limetype called "constructor" must not find Object.prototype.constructor.
  return Object.hasOwn(model.limetypes, name) ? model.limetypes[name] : undefined;
}

export function findProperty(limetype: LimetypeDef, name: string): LimePropertyDef | undefined {
  return limetype.properties.find((property) => property.name === name);
}

/**
 * The belongsto/hasone property on the other side that a hasmany property lists by (company.person → person.company):
 * the one whose `backref` names the hasmany property, else the one the hasmany's own `backref` names, else the only
 * relation back to this limetype.
 */
export function findListBackref(
  model: LimeModel,
  limetype: LimetypeDef,
  listProperty: LimePropertyDef,
): LimePropertyDef | undefined {
  const related = listProperty.relatedType === undefined ? undefined : findLimetype(model, listProperty.relatedType);
  if (related === undefined) return undefined;
  const candidates = related.properties.filter(
    (property) => isSingleRelation(property.type) && property.relatedType === limetype.name,
  );
  return (
    candidates.find((property) => property.backref === listProperty.name) ??
    candidates.find((property) => property.name === listProperty.backref) ??
    (candidates.length === 1 ? candidates[0] : undefined)
  );
}
