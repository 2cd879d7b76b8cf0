import type { LimeKeyPermissions, LimeOperation } from './types';

export function mayPerform(permissions: LimeKeyPermissions, limetype: string, operation: LimeOperation): boolean {
  if (permissions === 'all') return true;
  const allowed = Object.hasOwn(permissions, limetype) ? permissions[limetype] : undefined;
  return allowed?.includes(operation) ?? false;
}

/** The `acl` a limetype's metadata carries for the requesting key. */
export function aclFor(permissions: LimeKeyPermissions, limetype: string): Record<LimeOperation, boolean> {
  return {
    read: mayPerform(permissions, limetype, 'read'),
    create: mayPerform(permissions, limetype, 'create'),
    update: mayPerform(permissions, limetype, 'update'),
    delete: mayPerform(permissions, limetype, 'delete'),
  };
}
