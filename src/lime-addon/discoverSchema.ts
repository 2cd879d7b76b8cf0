import { unknownHistoryTypes, type HistoryTypeMap } from '../core';
import { CrmError } from '../crm/crmError';
import type { LimeFieldMap } from './limeConfig';
import type { LimeHttp } from './limeHttp';
import { limetypeSchema, parseLime, type LimeProperty, type Limetype } from './limeSchemas';

/** Lime's core `history.note` length, used when the metadata gives none. */
export const FALLBACK_NOTE_LENGTH = 4000;

const TEXT_LIKE = ['string', 'text', 'phone', 'link'];

/**
 * The deal status keys that mean a deal is closed (won or lost): Lime core's `agreement` (won) and `rejection`
 * (lost), and `won` / `lost`, which other solutions use (shared/specs/lime-rest-api.md §5.5: the core's keys from
 * the LWC deal fixture [inferred], `won` from the n8n README example [verified]). Every other status is open. Only
 * the keys the application's option list has are used.
 */
export const CLOSED_DEAL_STATUSES: readonly string[] = ['agreement', 'rejection', 'won', 'lost'];

/** What the data model offers for linking notes to deals (read only when `LINK_DEAL` is on). */
export interface LimeDealModel {
  /** The closed status keys this application has (of CLOSED_DEAL_STATUSES). */
  closedStatuses: string[];
}

/** One thing in the Lime application's data model that does not fit the configuration. */
export interface SchemaProblem {
  limetype: string;
  property?: string | undefined;
  message: string;
}

/** What the connector needs to know about one Lime application's data model. */
export interface LimeSchema {
  /** The longest note `history.note` keeps. */
  noteMaxLength: number;
  /** Active options of `history.type`: what an admin can choose for our notes. */
  historyTypes: Array<{ key: string; text: string }>;
  /** Whether person and coworker have the configured `inactive` property (optional in the data model). */
  hasPersonInactive: boolean;
  hasCoworkerInactive: boolean;
  /** Maximum lengths of text properties we write, by `limetype.property`. */
  lengths: Record<string, number>;
  /** What the API user may do per limetype, where Lime reports it (`acl`, inferred). */
  acl: Record<string, { read?: boolean; create?: boolean; update?: boolean } | undefined>;
  /** Set when the deals were asked for (`linkDeal`) and `history.deal` and the deal limetype fit. */
  deal?: LimeDealModel | undefined;
  problems: SchemaProblem[];
}

/** What the configuration asks of the data model beyond the fields (the connector's options). */
export interface SchemaChecks {
  /** Every type of HISTORY_TYPE_MAP must be an active option of `history.type`. */
  historyTypeMap?: HistoryTypeMap | undefined;
  /** LINK_DEAL: `history.deal` must point at the deal limetype, which must have a status option and a company. */
  linkDeal?: boolean | undefined;
}

/**
 * Reads the person, company, coworker and history limetypes and checks the configured field names against
 * them: they must exist with usable types, relations must point at the right limetypes, and the configured
 * history type must be an active option. Problems are collected, not thrown: test connection shows them all.
 * A limetype the API user may not read fails with `forbidden`.
 */
export async function discoverSchema(
  http: LimeHttp,
  fields: LimeFieldMap,
  historyType: string,
  signal?: AbortSignal,
  checks: SchemaChecks = {},
): Promise<LimeSchema> {
  const names = [fields.person.limetype, fields.company.limetype, fields.coworker.limetype, fields.history.limetype];
  const problems: SchemaProblem[] = [];
  const limetypes = new Map<string, Limetype>();
  for (const name of names) {
    const limetype = await readLimetype(http, name, signal);
    if (limetype) limetypes.set(name, limetype);
    else problems.push({ limetype: name, message: `The limetype "${name}" does not exist in this Lime application.` });
  }

  const lengths: Record<string, number> = {};
  const check = (limetype: string, property: string, types: readonly string[], relatedType?: string) => {
    const definition = limetypes.get(limetype);
    if (!definition) return undefined;
    const found = definition._embedded.properties.find((candidate) => candidate.name === property);
    if (!found) {
      problems.push({ limetype, property, message: `${limetype} has no property "${property}".` });
      return undefined;
    }
    if (!types.includes(found.type)) {
      problems.push({
        limetype,
        property,
        message: `${limetype}.${property} is of type ${found.type}; it must be ${types.join(' or ')}.`,
      });
      return undefined;
    }
    const target = found._links?.related_type?.name;
    if (relatedType !== undefined && target !== undefined && target !== null && target !== relatedType) {
      problems.push({
        limetype,
        property,
        message: `${limetype}.${property} points to ${target}, not ${relatedType}.`,
      });
    }
    if (typeof found.length === 'number') lengths[`${limetype}.${property}`] = found.length;
    return found;
  };
  const exists = (limetype: string, property: string) =>
    limetypes.get(limetype)?._embedded.properties.some((candidate) => candidate.name === property) ?? false;

  const { person, company, coworker, history } = fields;
  check(person.limetype, person.firstname, TEXT_LIKE);
  check(person.limetype, person.lastname, TEXT_LIKE);
  check(person.limetype, person.email, TEXT_LIKE);
  check(person.limetype, person.phone, TEXT_LIKE);
  check(person.limetype, person.mobilephone, TEXT_LIKE);
  check(person.limetype, person.company, ['belongsto'], company.limetype);
  check(company.limetype, company.name, TEXT_LIKE);
  check(company.limetype, company.phone, TEXT_LIKE);
  check(coworker.limetype, coworker.email, TEXT_LIKE);
  check(history.limetype, history.date, ['time', 'date']);
  const note = check(history.limetype, history.note, ['text', 'string']);
  check(history.limetype, history.person, ['belongsto'], person.limetype);
  check(history.limetype, history.company, ['belongsto'], company.limetype);
  check(history.limetype, history.coworker, ['belongsto'], coworker.limetype);
  const type = check(history.limetype, history.type, ['option']);

  const historyTypes = activeOptions(type);
  if (type && !historyTypes.some((option) => option.key === historyType)) {
    const offered = historyTypes.map((option) => option.key).join(', ');
    problems.push({
      limetype: history.limetype,
      property: history.type,
      message: `The history type "${historyType}" is not an active option of ${history.limetype}.${history.type} (offered: ${offered}).`,
    });
  }

  for (const message of unknownHistoryTypes(
    checks.historyTypeMap ?? [],
    historyTypes.map((option) => option.key),
    {
      type: `history type (an active option of ${history.limetype}.${history.type})`,
      crm: 'Lime',
    },
  )) {
    problems.push({ limetype: history.limetype, property: history.type, message: `HISTORY_TYPE_MAP ${message}.` });
  }

  const deal = checks.linkDeal === true ? await checkDeals(http, fields, limetypes, problems, signal) : undefined;

  const acl: LimeSchema['acl'] = {};
  for (const [name, limetype] of limetypes) {
    acl[name] = limetype.acl
      ? {
          ...(typeof limetype.acl.read === 'boolean' ? { read: limetype.acl.read } : {}),
          ...(typeof limetype.acl.create === 'boolean' ? { create: limetype.acl.create } : {}),
          ...(typeof limetype.acl.update === 'boolean' ? { update: limetype.acl.update } : {}),
        }
      : undefined;
  }

  return {
    noteMaxLength: typeof note?.length === 'number' && note.length > 0 ? note.length : FALLBACK_NOTE_LENGTH,
    historyTypes,
    hasPersonInactive: exists(person.limetype, person.inactive),
    hasCoworkerInactive: exists(coworker.limetype, coworker.inactive),
    lengths,
    acl,
    ...(deal === undefined ? {} : { deal }),
    problems,
  };
}

/**
 * LINK_DEAL's part of the data model: `history.deal` a relation to the deal limetype, which has the status option
 * and the company relation the lookup filters on. Each gap is a problem naming what to add (or to turn LINK_DEAL
 * off), so a missing relation fails the start and Test connection, never a delivery half-way.
 */
async function checkDeals(
  http: LimeHttp,
  fields: LimeFieldMap,
  limetypes: ReadonlyMap<string, Limetype>,
  problems: SchemaProblem[],
  signal: AbortSignal | undefined,
): Promise<LimeDealModel | undefined> {
  const { history, deal, company } = fields;
  const off = 'or turn linking to deals (LINK_DEAL) off';
  const historyType = limetypes.get(history.limetype);
  if (historyType === undefined) return undefined;
  const relation = historyType._embedded.properties.find((candidate) => candidate.name === history.deal);
  const target = relation?._links?.related_type?.name;
  if (relation === undefined || relation.type !== 'belongsto' || (target != null && target !== deal.limetype)) {
    problems.push({
      limetype: history.limetype,
      property: history.deal,
      message: `Linking notes to deals needs ${history.limetype}.${history.deal}, a relation to ${deal.limetype}: this Lime application has ${relation === undefined ? 'no such property' : `it as ${relation.type}${target == null ? '' : ` to ${target}`}`}; add the relation ${off}.`,
    });
    return undefined;
  }
  const dealType = await readLimetype(http, deal.limetype, signal);
  if (dealType === undefined) {
    problems.push({
      limetype: deal.limetype,
      property: deal.status,
      message: `Linking notes to deals needs the limetype "${deal.limetype}", which this Lime application does not have; ${off}.`,
    });
    return undefined;
  }
  const property = (name: string) => dealType._embedded.properties.find((candidate) => candidate.name === name);
  const status = property(deal.status);
  const owner = property(deal.company);
  const found: string[] = [];
  if (status?.type !== 'option') found.push(`${deal.limetype}.${deal.status} (an option: the deal's status)`);
  if (owner?.type !== 'belongsto') found.push(`${deal.limetype}.${deal.company} (a relation to ${company.limetype})`);
  if (found.length > 0) {
    problems.push({
      limetype: deal.limetype,
      property: deal.status,
      message: `Linking notes to deals needs ${found.join(' and ')}, which this Lime application does not have; ${off}.`,
    });
    return undefined;
  }
  const keys = new Set((status?.options ?? []).map((option) => option.key));
  return { closedStatuses: CLOSED_DEAL_STATUSES.filter((key) => keys.has(key)) };
}

async function readLimetype(http: LimeHttp, name: string, signal?: AbortSignal): Promise<Limetype | undefined> {
  const path = `limetype/${encodeURIComponent(name)}/`;
  try {
    const json = await http.getJson(path, { _embed: 'properties' }, signal);
    return parseLime(limetypeSchema, json, `GET limetype/${name}`);
  } catch (error) {
    if (error instanceof CrmError && error.code === 'not_found') return undefined;
    throw error;
  }
}

function activeOptions(property: LimeProperty | undefined): Array<{ key: string; text: string }> {
  return (property?.options ?? [])
    .filter((option) => option.inactive !== true && option.key !== 'empty')
    .map((option) => ({ key: option.key, text: option.text ?? option.key }));
}
