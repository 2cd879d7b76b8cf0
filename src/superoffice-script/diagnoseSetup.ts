import { countNoun } from '../core/countNoun';
import { taskTypeMapOf, type ScriptConfig } from './scriptConfig';
import type { SuperOfficeAgents } from './superOfficeApi';
import { resolveTaskTypes } from './writeAppointment';

/**
 * Checks whose problem does not stop meetings, only loses something (a missing document template keeps long summaries
 * only shortened): Test Integration still passes and lists them as warnings.
 */
const WARNING_CHECKS: ReadonlySet<SetupProblem['check']> = new Set(['document_template', 'config_defaults']);

/** One thing wrong with the setup, and what the SuperOffice admin does about it. */
export interface SetupProblem {
  check: 'task_type' | 'default_owner' | 'rights' | 'document_template' | 'config_defaults';
  /** Whether meetings cannot be written until it is fixed (`WARNING_CHECKS` are the ones that are not). */
  blocking: boolean;
  problem: string;
  fix: string;
}

/** A problem as a check finds it; whether it blocks follows from its check. */
type Finding = Omit<SetupProblem, 'blocking'>;

// `ETableRight` flags [verified: @superoffice/webapi `Enums.d.ts`: Select 1, Update 2, Insert 4, Delete 8].
const SELECT = 1;
const UPDATE = 2;
const INSERT = 4;
const DELETE = 8;
const RIGHT_NAMES: ReadonlyArray<[number, string]> = [
  [SELECT, 'read'],
  [UPDATE, 'change'],
  [INSERT, 'add'],
  [DELETE, 'delete'],
];

/**
 * The rights the script needs, per table: it reads persons and companies to match, adds and changes appointments
 * (and deletes the one it just saved when recording its foreign key fails), and reads and adds foreign keys; with
 * createMissingContacts it also adds persons and companies; with linkSale it reads sales. Read through SentryAgent.GetNewTableRight: the user's
 * rights on a new row of the table [inferred: the closest table-wide answer the WebAPI offers].
 */
function neededRights(config: ScriptConfig): ReadonlyArray<[string, string, number]> {
  const create = config.createMissingContacts ? INSERT : 0;
  return [
    ['person', 'persons', SELECT | create],
    ['contact', 'companies', SELECT | create],
    ['appointment', 'follow-ups (appointments)', SELECT | UPDATE | INSERT | DELETE],
    ['foreignkey', 'foreign keys', SELECT | INSERT],
    // A summary longer than an appointment's text goes into a document (writeSummaryDocument.ts).
    ['document', 'documents', SELECT | UPDATE | INSERT | DELETE],
    // linkSale reads the company's sales (the Sale archive).
    ...(config.linkSale ? [['sale', 'sales', SELECT] satisfies [string, string, number]] : []),
  ];
}

/** Answers 4xx for a missing row on some tenants and null on others: both mean "not there". */
function isNotFound(error: unknown): boolean {
  const status = (error as { response?: { status?: number } }).response?.status;
  return status === 400 || status === 404;
}

async function ownerProblem(agents: SuperOfficeAgents, associateId: number): Promise<Finding | undefined> {
  if (associateId === 0) return undefined;
  const associate = await agents.associate.getAssociateAsync(associateId).catch((error: unknown) => {
    if (isNotFound(error)) return null;
    throw error;
  });
  const fix =
    'Set defaultAssociateId in the configuration block to the id of an active SuperOffice user (Settings and maintenance → Users), or to 0 for the script user.';
  if (!associate?.associateId) {
    return {
      check: 'default_owner',
      problem: `There is no SuperOffice user with associate id ${associateId}.`,
      fix,
    };
  }
  if (associate.deleted) {
    return {
      check: 'default_owner',
      problem: `The SuperOffice user with associate id ${associateId} is retired.`,
      fix,
    };
  }
  return undefined;
}

/**
 * A summary that does not fit an appointment's text is kept whole in a document, which needs a document template:
 * the one CreateDefaultDocumentEntity proposes (it saves nothing). Without one, meetings are still written, with
 * the shortened text only.
 */
async function documentTemplateProblem(agents: SuperOfficeAgents): Promise<Finding | undefined> {
  const proposed = await agents.document.createDefaultDocumentEntityAsync();
  const id = proposed?.documentTemplate?.documentTemplateId;
  if (id !== undefined && id > 0) return undefined;
  return {
    check: 'document_template',
    problem:
      'SuperOffice proposes no document template, so a summary longer than a follow-up holds (2047 characters) is kept only shortened.',
    fix: 'Add a document template (Settings and maintenance → Lists → Document templates); the full summaries are written as documents of the default one.',
  };
}

async function rightsProblems(agents: SuperOfficeAgents, config: ScriptConfig, user: string): Promise<Finding[]> {
  const problems: Finding[] = [];
  for (const [table, what, needed] of neededRights(config)) {
    const right = await agents.sentry.getNewTableRightAsync(table);
    const mask = typeof right?.mask === 'number' ? right.mask : 0;
    const missing = RIGHT_NAMES.filter(([flag]) => (needed & flag) !== 0 && (mask & flag) === 0).map(
      ([, name]) => name,
    );
    if (missing.length > 0) {
      problems.push({
        check: 'rights',
        problem: `${user} may not ${missing.join(', ')} ${what}.`,
        fix: `Give the system user's role the rights to ${missing.join(', ')} ${what} (Settings and maintenance → Roles), or ask SuperOffice support which role the script's system user has.`,
      });
    }
  }
  return problems;
}

/**
 * Settings the configuration block leaves out, typically added by a newer version of the script than the
 * configuration script was saved for: they work with their defaults, and the admin sees which.
 */
function defaultsFinding(config: ScriptConfig, defaulted: readonly string[]): Finding | undefined {
  if (defaulted.length === 0) return undefined;
  const values = defaulted.map((key) => `${key}: ${JSON.stringify(config[key as keyof ScriptConfig])}`);
  return {
    check: 'config_defaults',
    problem: `The configuration does not set ${defaulted.join(', ')}, so the script uses the default (${values.join(', ')}).`,
    fix: 'To choose another value, add the setting to the configuration script (dci-summary-config.js of this version lists every setting with its default).',
  };
}

/**
 * What Test Integration and a GET check before any meeting arrives: the task type, the default owner and the rights
 * the writes need, and settings left to their defaults. Reads only; writes nothing. SuperOffice failures propagate
 * (the entry answers 500).
 */
export async function diagnoseSetup(
  agents: SuperOfficeAgents,
  config: ScriptConfig,
  defaulted: readonly string[] = [],
  /** Who lacks a right, in the problem's words (the receiver signs in as another user than the script runs as). */
  user = 'The user the script runs as',
): Promise<SetupProblem[]> {
  const problems: Finding[] = [];
  const defaults = defaultsFinding(config, defaulted);
  if (defaults) problems.push(defaults);
  const taskTypes = await resolveTaskTypes(agents, config.taskTypeName, taskTypeMapOf(config));
  if (!taskTypes.ok) {
    const fix = `Set ${taskTypes.fallbackMissing ? 'taskTypeName' : 'taskTypeMap'} in the configuration block to ${taskTypes.fallbackMissing ? 'one' : 'task types'} of: ${taskTypes.offered.join(', ')} (Settings and maintenance → Lists → Follow-up types).`;
    for (const problem of taskTypes.problems) problems.push({ check: 'task_type', problem, fix });
  }
  const owner = await ownerProblem(agents, config.defaultAssociateId);
  if (owner) problems.push(owner);
  problems.push(...(await rightsProblems(agents, config, user)));
  const template = await documentTemplateProblem(agents);
  if (template) problems.push(template);
  return problems.map((problem) => ({ ...problem, blocking: !WARNING_CHECKS.has(problem.check) }));
}

/** The setup check's answer: what is wrong and how to fix it in SuperOffice; `ok` only when nothing is. */
export interface SetupReport {
  ok: boolean;
  test: true;
  version: string;
  message: string;
  problems: SetupProblem[];
}

declare const __DCI_SCRIPT_VERSION__: string;

/**
 * Test Integration and a GET: the setup check, 200 when the script can write meetings (warnings listed), else 500
 * with the list.
 */
export async function setupReport(
  agents: SuperOfficeAgents,
  config: ScriptConfig,
  defaulted: readonly string[] = [],
): Promise<{ status: 200; body: SetupReport } | { status: 500; body: SetupReport }> {
  const problems = await diagnoseSetup(agents, config, defaulted);
  const version = typeof __DCI_SCRIPT_VERSION__ === 'string' ? __DCI_SCRIPT_VERSION__ : 'unknown';
  const blocking = problems.filter((problem) => problem.blocking).length;
  if (blocking === 0) {
    const message =
      problems.length === 0
        ? 'The DCI summary script is installed and ready.'
        : `The DCI summary script is installed and writes meetings; ${countNoun(problems.length, 'warning')} to look at in SuperOffice.`;
    return { status: 200, body: { ok: true, test: true, version, message, problems } };
  }
  const message = `The DCI summary script is installed but cannot write meetings yet: ${countNoun(blocking, 'problem')} to fix in SuperOffice.`;
  return { status: 500, body: { ok: false, test: true, version, message, problems } };
}
