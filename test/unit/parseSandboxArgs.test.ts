import { parseSandboxArgs } from '../../src/sandbox/parseSandboxArgs';

describe('parseSandboxArgs: superoffice', () => {
  it.each<[string[], ReturnType<typeof parseSandboxArgs>]>([
    [['superoffice'], { kind: 'superoffice', settings: { port: 0, auth: 'system_user' } }],
    [['superoffice', '--port', '8091'], { kind: 'superoffice', settings: { port: 8091, auth: 'system_user' } }],
    [['superoffice', '--auth', 'basic'], { kind: 'superoffice', settings: { port: 0, auth: 'basic' } }],
    [['superoffice', '--auth=ticket', '--port=0'], { kind: 'superoffice', settings: { port: 0, auth: 'ticket' } }],
    [['superoffice', '--auth', 'none'], { kind: 'superoffice', settings: { port: 0, auth: 'none' } }],
    [['superoffice', '--help'], { kind: 'help' }],
  ])('parses %j', (argv, expected) => {
    expect(parseSandboxArgs(argv)).toEqual(expected);
  });

  it.each<[string[], RegExp]>([
    [['superoffice', '--auth', 'oauth'], /--auth must be one of none, ticket, basic, system_user/u],
    [['superoffice', '--auth'], /--auth needs a value/u],
    [['superoffice', '--token', 'x'], /Unknown argument "--token"/u],
    [['superoffice', '--port', '-1'], /Invalid port/u],
    [[], /lime, dci or superoffice/u],
  ])('refuses %j with a usage error', (argv, message) => {
    expect(parseSandboxArgs(argv)).toMatchObject({ kind: 'usage_error', message: expect.stringMatching(message) });
  });
});
