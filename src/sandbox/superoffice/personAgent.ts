import { badRequest, ok } from './apiResponses';
import { refusedRight } from './sentryAgent';
import type { Agent } from './agentMethod';
import {
  elementValues,
  nestedId,
  optionalBoolean,
  optionalInteger,
  optionalString,
  requestObject,
} from './readRequestFields';
import { personEntityCarrier } from './serializeEntities';

/** `v1/Agents/Person/*`: creating a person when nobody matched. */
export const personAgent: Agent = {
  CreateDefaultPersonEntity(context) {
    return ok(personEntityCarrier(context, undefined));
  },

  SavePersonEntity(context, call) {
    const entity = requestObject(call.body, 'SavePersonEntity');
    const personId = optionalInteger(entity, 'personId') ?? 0;
    const refused = refusedRight(context, 'person', personId === 0 ? 'Insert' : 'Update');
    if (refused) return refused;
    const outcome = context.store.savePerson(personId, {
      firstname: optionalString(entity, 'firstname') ?? '',
      lastname: optionalString(entity, 'lastname') ?? '',
      contactId: nestedId(entity, 'contact', 'contactId'),
      emails: elementValues(entity, 'emails') ?? [],
      mobilePhones: elementValues(entity, 'mobilePhones') ?? [],
      officePhones: elementValues(entity, 'officePhones') ?? [],
      retired: optionalBoolean(entity, 'retired') ?? false,
    });
    return outcome.kind === 'written' ? ok(personEntityCarrier(context, outcome.record)) : badRequest(outcome.message);
  },
};
