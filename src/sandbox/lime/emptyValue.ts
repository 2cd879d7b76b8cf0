import type { LimePropertyDef } from './types';

/**
 * What a property holds when nothing was written to it (or it was added to the model after the object was stored):
 * text `""`, numbers 0, yesno false, an option its default (else the `empty` option), everything else null.
 */
export function emptyValue(property: LimePropertyDef): unknown {
  switch (property.type) {
    case 'string':
    case 'text':
    case 'phone':
    case 'link':
      return '';
    case 'integer':
    case 'decimal':
    case 'percent':
      return 0;
    case 'yesno':
      return false;
    case 'option': {
      const keys = (property.options ?? []).map((option) => option.key);
      if (typeof property.defaultValue === 'string' && keys.includes(property.defaultValue)) {
        return property.defaultValue;
      }
      return keys.includes('empty') ? 'empty' : null;
    }
    case 'set':
      return [];
    case 'time':
    case 'date':
    case 'user':
    case 'belongsto':
    case 'hasone':
    case 'hasmany':
    case 'hasandbelongstomany':
    case 'file':
    case 'system':
      return null;
  }
}
