import { DciError, type DciApi, type DciConversationPage } from './dciApi';
import { BASE_URL_HINT, TOKEN_SETTINGS } from './mapDciFailure';

export type DciConnectionStepName = 'reach' | 'token' | 'conversations' | 'recordings' | 'rate';

export interface DciConnectionStep {
  step: DciConnectionStepName;
  /** False only for a failure; a warning is ok. */
  ok: boolean;
  /** Works, but with less than it could (no recording links). */
  warning?: boolean | undefined;
  /** What was found; for a failure or warning, what to change in DCI or here. */
  message: string;
}

export interface DciConnectionCheck {
  ok: boolean;
  /** The failure's code (a DciError code, or `wrong_base_url`), when not ok. */
  code?: string | undefined;
  steps: DciConnectionStep[];
  /** Whom the token belongs to, as DCI names it. */
  account?: { name?: string | undefined; tokenPrefix?: string | undefined } | undefined;
  /** Whether notes can link recordings; undefined when it could not be tried (no conversation yet). */
  recordingsAllowed?: boolean | undefined;
}

const REACH_HINT = `${BASE_URL_HINT}, and this server must be able to reach it (firewall, proxy).`;

/**
 * Test connection for DCI's REST API: is DCI there at DCI_API_URL, is the token valid, may it read conversations
 * and recording links, and is its request limit free? Stops at the first failure (a later step cannot be judged
 * then); a token without recordings is a warning only: notes then carry no recording link. The `users` scope is
 * not needed and not tried. Costs at most three requests.
 */
export async function testDciConnection(api: DciApi, signal?: AbortSignal): Promise<DciConnectionCheck> {
  const steps: DciConnectionStep[] = [];
  const check: DciConnectionCheck = { ok: true, steps };
  let step: DciConnectionStepName = 'reach';
  try {
    const account = await api.account(signal);
    steps.push({ step: 'reach', ok: true, message: "DCI's REST API answers." });
    check.account = { name: account.name, tokenPrefix: account.tokenPrefix };
    const whose = [
      account.name === undefined ? undefined : `account "${account.name}"`,
      account.tokenPrefix === undefined ? undefined : `token ${account.tokenPrefix}…`,
    ].filter((part) => part !== undefined);
    steps.push({
      step: 'token',
      ok: true,
      message: `DCI accepts the token${whose.length === 0 ? '' : ` (${whose.join(', ')})`}.`,
    });

    step = 'conversations';
    const page: DciConversationPage = await api.listConversations({ signal });
    steps.push({
      step: 'conversations',
      ok: true,
      message:
        page.conversations.length === 0
          ? 'The token may read conversations; DCI lists none from the last 30 days yet.'
          : `The token may read conversations (${page.conversations.length} in the newest page).`,
    });

    step = 'recordings';
    const newest = page.conversations[0];
    if (newest === undefined) {
      steps.push({
        step: 'recordings',
        ok: true,
        warning: true,
        message:
          'There is no conversation to try a recording link on yet. Notes link recordings only if the token has the ' +
          `\`recordings\` scope and include_recordings=true (${TOKEN_SETTINGS}).`,
      });
    } else {
      const recording = await api.getRecordingUrl(newest.id, signal);
      check.recordingsAllowed = recording.kind !== 'not_allowed';
      steps.push(
        recording.kind === 'not_allowed'
          ? { step: 'recordings', ok: true, warning: true, message: recording.reason }
          : { step: 'recordings', ok: true, message: 'The token may read recording links: notes link the recording.' },
      );
    }

    step = 'rate';
    steps.push({
      step: 'rate',
      ok: true,
      message: "DCI did not limit these requests: the token's request limit is free.",
    });
    return check;
  } catch (error) {
    if (!(error instanceof DciError) || error.code === 'dci_aborted') throw error;
    return failed(check, step, error);
  }
}

function failed(check: DciConnectionCheck, step: DciConnectionStepName, error: DciError): DciConnectionCheck {
  const { steps } = check;
  const answered = error.status !== undefined;
  // An HTTP answer to the first call shows DCI is there, whatever it said.
  if (step === 'reach' && answered && error.code !== 'dci_bad_request' && error.code !== 'dci_bad_response') {
    steps.push({ step: 'reach', ok: true, message: "DCI's REST API answers." });
  }
  const fail = (at: DciConnectionStepName, code: string, message: string): DciConnectionCheck => {
    steps.push({ step: at, ok: false, message });
    return { ...check, ok: false, code, steps };
  };
  const seconds = Math.ceil((error.retryAfterMs ?? 60_000) / 1000);
  switch (error.code) {
    case 'dci_rate_limited':
      return fail(
        'rate',
        error.code,
        `DCI's request limit for this token is spent right now (429): it frees in about ${seconds} s; test again ` +
          'then. A token allows 60 requests a minute and 1000 conversations a day unless DCI set other limits; if ' +
          'the receiver hits it often, lower DCI_API_RATE_PER_MINUTE or ask DCI to raise the limits of the token.',
      );
    case 'dci_budget_spent':
      return fail(
        'rate',
        error.code,
        `The receiver's own request budget for DCI (DCI_API_RATE_PER_MINUTE) is spent for about ${seconds} s: the ` +
          'receiver is using it right now. Test again then.',
      );
    case 'dci_unauthorized':
      return fail('token', error.code, error.message);
    case 'dci_forbidden':
      return fail(step === 'reach' ? 'token' : step, error.code, error.message);
    case 'dci_unavailable':
    case 'dci_timeout':
      return step === 'reach'
        ? fail('reach', error.code, `${error.message} ${REACH_HINT}`)
        : fail(step, error.code, `${error.message} DCI may be down or overloaded: test again in a few minutes.`);
    case 'dci_bad_request':
    case 'dci_bad_response':
      return step === 'reach'
        ? fail(
            'reach',
            'wrong_base_url',
            error.message.includes(BASE_URL_HINT)
              ? error.message
              : `The server answered, but not as DCI's REST API. ${error.message} ${BASE_URL_HINT}.`,
          )
        : fail(step, error.code, error.message);
    case 'dci_aborted':
      throw error;
  }
}
