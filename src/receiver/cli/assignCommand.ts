import { userInfo } from 'node:os';
import { crmDisplayName } from '../config/crmInEffect';
import { ParticipantResolver } from '../deliver/resolveParticipants';
import { createLogger } from '../observability/logger';
import { openConnections } from './dciCommands';

type Output = (line: string) => void;

/**
 * `assign <conversation-id> --participant N --person ID` (issue 19 item 3): the admin's "this participant is that
 * person" from the command line, as on the delivery page — the note is written on that person once, and the trace
 * and the page record that it was chosen (`cli`, with the operating-system user). N is 1-based, as the delivery page
 * numbers participants. Exit 0 when written, 1 when refused (with why), 2 for a usage or configuration error.
 */
export async function assignParticipant(
  options: {
    conversationId: string | undefined;
    participant: string | true | undefined;
    person: string | true | undefined;
  },
  env: Record<string, string | undefined>,
  out: Output,
  err: Output,
): Promise<number> {
  const participant = typeof options.participant === 'string' ? Number(options.participant) : Number.NaN;
  const person = typeof options.person === 'string' ? options.person.trim() : '';
  if (options.conversationId === undefined || !Number.isSafeInteger(participant) || participant < 1) {
    err('assign needs <conversation-id> --participant N (1 for the first participant) --person ID.');
    return 2;
  }
  if (!/^[1-9]\d{0,15}$/u.test(person)) {
    err(`"${person.slice(0, 40)}" is not a person id: give the person's number as the CRM shows it (e.g. 1001).`);
    return 2;
  }
  const opened = await openConnections(env, err, { database: 'refuse' });
  if (opened === undefined) return 2;
  try {
    const target = opened.crmName;
    const crmName = crmDisplayName(target);
    const rows = await opened.store.listDeliveries({ search: options.conversationId, limit: 50 });
    const delivery = rows.find((row) => row.conversationId === options.conversationId && row.target === target);
    if (!delivery) {
      err(`No ${crmName} delivery of conversation ${options.conversationId} in this store.`);
      return 1;
    }
    if (opened.crm.connector() === undefined) {
      err(`${crmName} is not connected: set it in the environment or on the admin pages.`);
      return 2;
    }
    const resolver = new ParticipantResolver({
      store: opened.store,
      getConnector: () => opened.crm.connector(),
      deliverOptions: () => opened.crm.deliverOptions(),
      target,
      rematchDays: opened.config.rematchDays,
      logger: createLogger('silent'),
    });
    const result = await resolver.assign({
      deliveryId: delivery.id,
      participantIndex: participant - 1,
      personId: Number(person),
      by: `cli (${operatingSystemUser()})`,
    });
    if (result.kind === 'refused') {
      err(`Nothing was written (${result.code}): ${result.message}`);
      return 1;
    }
    const { outcome } = result;
    out(
      `Participant ${participant} of ${options.conversationId} is now ${crmName} person ${String(outcome.personId)}` +
        `${outcome.companyId === undefined ? '' : ` (company ${String(outcome.companyId)})`}: note ${String(outcome.noteId)} ${outcome.outcome === 'updated' ? 'updated' : 'written'}.`,
    );
    return 0;
  } finally {
    await opened.close();
  }
}

function operatingSystemUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown user';
  }
}
