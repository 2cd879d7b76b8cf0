import * as z from 'zod';
import { summaryPayloadSchema } from './summaryPayload';

/**
 * The JSON Schema (draft 2020-12) of the payload we accept, generated from the zod schema that enforces it, so
 * the published contract can never drift from the code. Extra properties are allowed: senders may add fields.
 */
export function summaryPayloadJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(summaryPayloadSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://dci-crm-companion.invalid/schemas/conversation-completed.json',
    title: 'DCI conversation.completed summary payload',
    description:
      "DCI 2.0's conversation.completed webhook, extended with the optional fields DCI's CRM integrations use. Unknown fields are ignored.",
  };
}
