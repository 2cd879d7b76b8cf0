import type { LimeModel, LimeOptionDef, LimePropertyDef, LimePropertyType } from './types';

// The Lime CRM core data model (lime-rest-api.md §5), cut to what a meeting-notes integration touches: person,
// company, coworker, history and a minimal deal, with their relations in both directions. Option ids are stable
// made-up numbers in the style of real databases.

type Extra = Omit<LimePropertyDef, 'name' | 'type' | 'localname'>;

function property(name: string, type: LimePropertyType, localname: string, extra: Extra = {}): LimePropertyDef {
  return { name, type, localname, required: false, ...extra };
}

function belongsTo(name: string, relatedType: string, localname: string, backref: string): LimePropertyDef {
  return property(name, 'belongsto', localname, { relatedType, backref });
}

function hasMany(name: string, relatedType: string, localname: string): LimePropertyDef {
  return property(name, 'hasmany', localname, { relatedType });
}

function options(firstId: number, entries: Array<[key: string, text: string]>): LimeOptionDef[] {
  return entries.map(([key, text], index) => ({ id: firstId + index, key, text, inactive: false }));
}

/** A fresh, freely mutable copy of the core model: tests rename fields, add options and change lengths on it. */
export function coreModel(): LimeModel {
  return {
    limetypes: {
      person: {
        name: 'person',
        localname: { singular: 'Person', plural: 'Persons' },
        descriptive: ['firstname', 'lastname'],
        properties: [
          property('firstname', 'string', 'First name', { required: true, length: 32 }),
          property('lastname', 'string', 'Last name', { length: 50 }),
          property('name', 'string', 'Name', { length: 83, readOnly: true, computedFrom: ['firstname', 'lastname'] }),
          property('phone', 'phone', 'Phone', { length: 32 }),
          property('mobilephone', 'phone', 'Mobile phone', { length: 32 }),
          property('email', 'link', 'Email', { length: 100 }),
          property('position', 'string', 'Position', { length: 32 }),
          property('inactive', 'yesno', 'Inactive'),
          belongsTo('company', 'company', 'Company', 'person'),
          property('expireddate', 'time', 'Expired date'),
          property('anonymizeddate', 'time', 'Anonymized date'),
          property('emailhardbounce', 'yesno', 'Email hard bounce'),
          hasMany('deal', 'deal', 'Deals'),
          hasMany('history', 'history', 'History'),
        ],
      },
      company: {
        name: 'company',
        localname: { singular: 'Company', plural: 'Companies' },
        descriptive: ['name'],
        properties: [
          property('name', 'string', 'Name', { required: true, length: 200 }),
          property('phone', 'phone', 'Phone', { length: 32 }),
          property('www', 'link', 'Website', { length: 100 }),
          property('postaladdress1', 'string', 'Postal address', { length: 128 }),
          property('postaladdress2', 'string', 'Postal address 2', { length: 128 }),
          property('postalzipcode', 'string', 'Postal zip code', { length: 16 }),
          property('postalcity', 'string', 'Postal city', { length: 64 }),
          property('visitingaddress1', 'string', 'Visiting address', { length: 128 }),
          property('visitingaddress2', 'string', 'Visiting address 2', { length: 128 }),
          property('visitingzipcode', 'string', 'Visiting zip code', { length: 16 }),
          property('visitingcity', 'string', 'Visiting city', { length: 64 }),
          property('country', 'string', 'Country', { length: 64 }),
          property('registrationno', 'string', 'Registration number', { length: 16 }),
          property('inactive', 'yesno', 'Inactive'),
          property('buyingstatus', 'option', 'Buying status', {
            defaultValue: 'empty',
            options: options(108600, [
              ['empty', ''],
              ['active', 'Active customer'],
              ['notinterested', 'Not interested'],
              ['excustomer', 'Former customer'],
              ['prospect', 'Prospect'],
            ]),
          }),
          belongsTo('coworker', 'coworker', 'Responsible', 'company'),
          hasMany('person', 'person', 'Persons'),
          hasMany('deal', 'deal', 'Deals'),
          hasMany('history', 'history', 'History'),
        ],
      },
      coworker: {
        name: 'coworker',
        localname: { singular: 'Coworker', plural: 'Coworkers' },
        descriptive: ['firstname', 'lastname'],
        properties: [
          property('firstname', 'string', 'First name', { required: true, length: 32 }),
          property('lastname', 'string', 'Last name', { length: 50 }),
          property('name', 'string', 'Name', { length: 83, readOnly: true, computedFrom: ['firstname', 'lastname'] }),
          property('phone', 'phone', 'Phone', { length: 32 }),
          property('mobilephone', 'phone', 'Mobile phone', { length: 32 }),
          property('email', 'link', 'Email', { length: 128 }),
          property('username', 'user', 'Username'),
          property('inactive', 'yesno', 'Inactive'),
          property('admin', 'yesno', 'Administrator'),
          hasMany('company', 'company', 'Companies'),
          hasMany('deal', 'deal', 'Deals'),
          hasMany('history', 'history', 'History'),
        ],
      },
      history: {
        name: 'history',
        localname: { singular: 'History', plural: 'History' },
        descriptive: ['date', 'type'],
        properties: [
          property('date', 'time', 'Date', { required: true, defaultValue: 'now' }),
          property('type', 'option', 'Type', {
            required: true,
            defaultValue: 'empty',
            options: options(166500, [
              ['empty', ''],
              ['comment', 'Comment'],
              ['customervisit', 'Customer visit'],
              ['talkedto', 'Talked to'],
              ['salescall', 'Sales call'],
              ['sentemail', 'Sent email'],
              ['receivedemail', 'Received email'],
              ['noanswer', 'Could not reach'],
            ]),
          }),
          property('note', 'text', 'Notes', { required: true, length: 4000 }),
          belongsTo('coworker', 'coworker', 'Coworker', 'history'),
          belongsTo('person', 'person', 'Person', 'history'),
          belongsTo('company', 'company', 'Company', 'history'),
          belongsTo('deal', 'deal', 'Deal', 'history'),
        ],
      },
      deal: {
        name: 'deal',
        localname: { singular: 'Deal', plural: 'Deals' },
        descriptive: ['name'],
        properties: [
          property('name', 'string', 'Name', { required: true, length: 64 }),
          property('value', 'decimal', 'Value', { required: true }),
          property('probability', 'percent', 'Probability'),
          property('dealstatus', 'option', 'Status', {
            defaultValue: 'contact',
            options: options(144000, [
              ['contact', '1. Customer contact'],
              ['requirement', '2. Requirement analysis'],
              ['tender', '3. Tender'],
              ['agreement', '4. Agreement'],
              ['rejection', 'Rejection'],
              ['onhold', 'On hold'],
            ]),
          }),
          belongsTo('company', 'company', 'Company', 'deal'),
          belongsTo('person', 'person', 'Responsible at customer', 'deal'),
          belongsTo('coworker', 'coworker', 'Responsible', 'deal'),
          property('closeddate', 'date', 'Closed date'),
          hasMany('history', 'history', 'History'),
        ],
      },
    },
  };
}
