import type { LimeHrefs } from './limeHrefs';
import { aclFor } from './permissions';
import { isRelation, isTextLike } from './propertyKinds';
import type { LimeKeyPermissions, LimePropertyDef, LimetypeDef } from './types';

export interface DescribeContext {
  hrefs: LimeHrefs;
  permissions: LimeKeyPermissions;
}

/** A limetype as `GET /limetype/{t}/` returns it; with `withProperties`, `_embedded.properties` too. */
export function describeLimetype(
  context: DescribeContext,
  limetype: LimetypeDef,
  withProperties: boolean,
): Record<string, unknown> {
  const description: Record<string, unknown> = {
    name: limetype.name,
    localname: { singular: limetype.localname.singular, plural: limetype.localname.plural },
    acl: aclFor(context.permissions, limetype.name),
    _links: { self: { href: context.hrefs.limetype(limetype.name) } },
  };
  if (withProperties) {
    description['_embedded'] = {
      properties: limetype.properties.map((property) => describeProperty(context, limetype, property)),
    };
  }
  return description;
}

/** A property as `GET /limetype/{t}/{prop}/` returns it (lime-rest-api.md §4.2). */
export function describeProperty(
  context: DescribeContext,
  limetype: LimetypeDef,
  property: LimePropertyDef,
): Record<string, unknown> {
  const description: Record<string, unknown> = {
    name: property.name,
    localname: property.localname ?? property.name,
    type: property.type,
    required: property.required ?? false,
  };
  if (isTextLike(property.type) && property.length !== undefined) description['length'] = property.length;
  if (property.readOnly === true) description['readonly'] = true;
  if (property.type === 'option' || property.type === 'set') {
    description['options'] = (property.options ?? []).map((option) => ({
      id: option.id,
      key: option.key,
      text: option.text,
      inactive: option.inactive ?? false,
    }));
  }
  const links: Record<string, unknown> = { self: { href: context.hrefs.property(limetype.name, property.name) } };
  if (isRelation(property.type) && property.relatedType !== undefined) {
    links['related_type'] = { name: property.relatedType, href: context.hrefs.limetype(property.relatedType) };
  }
  description['_links'] = links;
  return description;
}
