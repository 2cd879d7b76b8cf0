import { findLimetype } from './findInModel';
import { formatLimeTimestamp } from './limeTime';
import { isSingleRelation } from './propertyKinds';
import type { LimeModel, LimeRecord, LimetypeDef } from './types';
import { validateCreate, validateUpdate, type ValidationContext } from './validateValues';

export type WriteOutcome =
  | { kind: 'written'; record: LimeRecord }
  | { kind: 'invalid'; message: string; problems: Record<string, string> }
  | { kind: 'not_found'; message: string };

/** A write to the store, as webhook deliveries need it: the record after it, and before it for an update. */
export interface ObjectChange {
  action: 'new' | 'update' | 'delete';
  limetype: string;
  /** The record as written (for a delete: as it was when deleted). */
  record: LimeRecord;
  /** For an update: the record before it. */
  previous?: LimeRecord;
}

export interface ObjectStoreClocks {
  /** Strictly increasing microseconds, for `_timestamp` and `_createdtime`. */
  timestamp(): number;
  /** Wall clock in microseconds, for `'now'` defaults. */
  wall(): number;
}

/** The emulator's database: limeobjects per limetype, one id sequence for all of them (starting at 1001). */
export class LimeObjectStore {
  private readonly tables = new Map<string, Map<number, LimeRecord>>();
  private nextId = 1001;

  constructor(
    private readonly model: () => LimeModel,
    private readonly clocks: ObjectStoreClocks,
    /** Told about every write (the emulator's webhook deliveries listen here), whichever way it was made. */
    private readonly onChange: (change: ObjectChange) => void = () => undefined,
  ) {}

  find(limetype: string, id: number): LimeRecord | undefined {
    return this.tables.get(limetype)?.get(id);
  }

  /** Every object of the limetype in id order. */
  list(limetype: string): LimeRecord[] {
    return [...(this.tables.get(limetype)?.values() ?? [])];
  }

  create(limetype: string, body: unknown, userId: number | null): WriteOutcome {
    const def = findLimetype(this.model(), limetype);
    if (def === undefined) return { kind: 'not_found', message: `The limetype "${limetype}" does not exist.` };
    const result = validateCreate(this.validationContext(def), body);
    if (result.kind === 'invalid') return result;
    const time = formatLimeTimestamp(this.clocks.timestamp());
    const record: LimeRecord = {
      _id: this.nextId,
      _timestamp: time,
      _createdtime: time,
      _createduser: userId,
      _updateduser: userId,
      values: result.values,
    };
    this.nextId += 1;
    this.table(limetype).set(record._id, record);
    this.onChange({ action: 'new', limetype, record });
    return { kind: 'written', record };
  }

  update(limetype: string, id: number, body: unknown, userId: number | null): WriteOutcome {
    const def = findLimetype(this.model(), limetype);
    const current = this.find(limetype, id);
    if (def === undefined || current === undefined) {
      return { kind: 'not_found', message: `The ${limetype} object ${id} does not exist.` };
    }
    const result = validateUpdate(this.validationContext(def), current.values, body);
    if (result.kind === 'invalid') return result;
    const record: LimeRecord = {
      ...current,
      _timestamp: formatLimeTimestamp(this.clocks.timestamp()),
      _updateduser: userId,
      values: result.values,
    };
    this.table(limetype).set(id, record);
    this.onChange({ action: 'update', limetype, record, previous: current });
    return { kind: 'written', record };
  }

  /** Deletes the object; relations pointing at it become null (and those objects get a new `_timestamp`). */
  remove(limetype: string, id: number): boolean {
    const removed = this.find(limetype, id);
    if (removed === undefined) return false;
    this.tables.get(limetype)?.delete(id);
    this.onChange({ action: 'delete', limetype, record: removed });
    for (const def of Object.values(this.model().limetypes)) {
      const pointers = def.properties.filter(
        (property) => isSingleRelation(property.type) && property.relatedType === limetype,
      );
      if (pointers.length > 0)
        this.clearPointers(
          def,
          pointers.map((property) => property.name),
          id,
        );
    }
    return true;
  }

  private clearPointers(def: LimetypeDef, names: string[], id: number): void {
    const table = this.tables.get(def.name);
    for (const record of table?.values() ?? []) {
      const hits = names.filter((name) => record.values[name] === id);
      if (hits.length === 0) continue;
      const values = { ...record.values };
      for (const name of hits) values[name] = null;
      const cleared = { ...record, values, _timestamp: formatLimeTimestamp(this.clocks.timestamp()) };
      table?.set(record._id, cleared);
      this.onChange({ action: 'update', limetype: def.name, record: cleared, previous: record });
    }
  }

  private validationContext(limetype: LimetypeDef): ValidationContext {
    return {
      model: this.model(),
      limetype,
      exists: (related, relatedId) => this.find(related, relatedId) !== undefined,
      nowMicros: () => this.clocks.wall(),
    };
  }

  private table(limetype: string): Map<number, LimeRecord> {
    let table = this.tables.get(limetype);
    if (table === undefined) {
      table = new Map();
      this.tables.set(limetype, table);
    }
    return table;
  }
}
