import { badRequest, ok } from './apiResponses';
import { refusedRight } from './sentryAgent';
import type { Agent } from './agentMethod';
import { elementValues, optionalInteger, optionalString, requestObject } from './readRequestFields';
import { contactEntityCarrier } from './serializeEntities';

/** `v1/Agents/Contact/*`: creating a company when nobody matched. */
export const contactAgent: Agent = {
  CreateDefaultContactEntity(context) {
    return ok(contactEntityCarrier(context, undefined));
  },

  SaveContactEntity(context, call) {
    const entity = requestObject(call.body, 'SaveContactEntity');
    const contactId = optionalInteger(entity, 'contactId') ?? 0;
    const refused = refusedRight(context, 'contact', contactId === 0 ? 'Insert' : 'Update');
    if (refused) return refused;
    const outcome = context.store.saveContact(contactId, {
      name: optionalString(entity, 'name') ?? '',
      phones: elementValues(entity, 'phones') ?? [],
      emails: elementValues(entity, 'emails') ?? [],
    });
    return outcome.kind === 'written' ? ok(contactEntityCarrier(context, outcome.record)) : badRequest(outcome.message);
  },
};
