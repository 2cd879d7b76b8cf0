import { z } from 'zod';
import { toE164 } from '../core';
import type { ContactIndexChange, ContactNotification } from '../crm/crmConnector';
import { CrmError } from '../crm/crmError';
import { toEntry } from './contactIndex';
import type { LimeSchema } from './discoverSchema';
import { queryPersons } from './findMeetingCandidates';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { limeObjectSchema, parseLime } from './limeSchemas';
import { textOf } from './limeQuery';

/** A webhook delivery (lime-rest-api.md §7.1): `{event, body: {id, limetype, values, original_values?}}`. */
const notificationSchema = z.looseObject({
  event: z.string().regex(/^[^.]+\.[^.]+$/u),
  body: z.looseObject({
    id: z.number().int(),
    limetype: z.string().optional(),
    values: z.record(z.string(), z.unknown()).optional(),
    original_values: z.record(z.string(), z.unknown()).optional(),
  }),
});

const NO_CHANGE: ContactIndexChange = { upsert: [], removePersons: [], companies: [], removeCompanies: [] };

/**
 * What a Lime webhook delivery means for the contact index. Persons and companies are read back from Lime rather
 * than taken from the body: what Lime holds now is right whatever order deliveries (and their retries) arrive in.
 * - person new/update/restore → the person's entry as Lime has it now (removed when it is gone meanwhile);
 * - person delete → the entry removed;
 * - company update → the company's name and main number, for every entry of the company (gone: as a delete);
 * - company delete → its persons' entries lose the company;
 * - an update whose `original_values` name no field the index holds, and anything else → ignored.
 */
export async function readLimeNotification(
  http: LimeHttp,
  fields: LimeFieldMap,
  schema: LimeSchema,
  notification: unknown,
  options: { defaultRegion: string; signal?: AbortSignal | undefined },
): Promise<ContactNotification> {
  const parsed = notificationSchema.safeParse(notification);
  if (!parsed.success) {
    return { kind: 'invalid', message: 'The body is not a Lime webhook delivery ({event, body: {id, …}}).' };
  }
  const { event, body } = parsed.data;
  const [limetype = '', action = ''] = event.split('.');
  const ignored = (reason: string): ContactNotification => ({ kind: 'ignored', event, reason });
  const change = (parts: Partial<ContactIndexChange>): ContactNotification => ({
    kind: 'change',
    event,
    change: { ...NO_CHANGE, ...parts },
  });
  const { person, company } = fields;

  if (limetype === person.limetype) {
    if (action === 'delete') return change({ removePersons: [body.id] });
    if (!['new', 'update', 'restore'].includes(action)) return ignored(`not a change the index follows`);
    const held = [
      person.firstname,
      person.lastname,
      person.email,
      person.phone,
      person.mobilephone,
      person.company,
      person.inactive,
    ];
    if (action === 'update' && touchesNone(body.original_values, held)) return ignored('no field the index holds');
    const [current] = await queryPersons(
      http,
      fields,
      schema,
      { where: { key: '_id', op: '=', exp: body.id } },
      options.signal,
      true,
    );
    return current === undefined
      ? change({ removePersons: [body.id] })
      : change({ upsert: [toEntry(current, options.defaultRegion)] });
  }

  if (limetype === company.limetype) {
    if (action === 'delete') return change({ removeCompanies: [body.id] });
    if (action !== 'update' && action !== 'restore') return ignored('a new company has no persons yet');
    if (action === 'update' && touchesNone(body.original_values, [company.name, company.phone])) {
      return ignored('no field the index holds');
    }
    const current = await readCompany(http, company.limetype, body.id, options.signal);
    if (current === undefined) return change({ removeCompanies: [body.id] });
    return change({
      companies: [
        {
          companyId: body.id,
          companyName: textOf(current, company.name),
          companyMainE164: toE164(textOf(current, company.phone), options.defaultRegion),
        },
      ],
    });
  }
  return ignored('not a person or company');
}

/** True only when Lime said which fields changed and none of `held` is among them. */
function touchesNone(originalValues: Record<string, unknown> | undefined, held: readonly string[]): boolean {
  return originalValues !== undefined && !held.some((name) => Object.hasOwn(originalValues, name));
}

async function readCompany(
  http: LimeHttp,
  limetype: string,
  id: number,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown> | undefined> {
  try {
    const json = await http.getJson(`limeobject/${encodeURIComponent(limetype)}/${id}/`, {}, signal);
    return parseLime(limeObjectSchema, json, `GET limeobject/${limetype}`);
  } catch (error) {
    if (error instanceof CrmError && error.code === 'not_found') return undefined;
    throw error;
  }
}
