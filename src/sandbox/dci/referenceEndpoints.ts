import type { HttpAnswer } from '../shared/writeAnswer';
import { json } from './dciAnswers';
import { meta, type EndpointContext } from './endpointContext';
import type { DciDepartment } from './types';

/** `GET /account`: the sample of dci-api.md §2.3, field for field. */
export function getAccount(context: EndpointContext): HttpAnswer {
  return json(200, {
    id: context.account.id,
    name: context.account.name,
    created_at: context.account.created_at,
    updated_at: context.account.created_at,
    brand_name: 'Dstny',
    brand_logo_url: null,
    _meta: meta(context),
  });
}

/** `GET /users`: `{users:[{id,name,email}], _meta}`. */
export function listUsers(context: EndpointContext): HttpAnswer {
  return json(200, { users: context.store.allUsers(), _meta: meta(context) });
}

/** `GET /teams`: the emulator has no teams. */
export function listTeams(context: EndpointContext): HttpAnswer {
  return json(200, { teams: [], _meta: meta(context) });
}

/** `GET /departments`: the departments the stored conversations name. */
export function listDepartments(context: EndpointContext): HttpAnswer {
  const departments = new Map<string, DciDepartment>();
  for (const conversation of context.store.listInWindow()) {
    if (conversation.department !== null) departments.set(conversation.department.id, conversation.department);
  }
  return json(200, { departments: [...departments.values()], _meta: meta(context) });
}
