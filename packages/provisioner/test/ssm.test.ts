import { inspect } from 'node:util';
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  InvalidResourceId,
  ListTagsForResourceCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-ssm';
import type { StateDocument } from '@mlds/core';
import { stateAfterApply } from '@mlds/fixtures';
import { describe, expect, it } from 'vitest';
import { ApplyFailedError, MissingEnvironmentError, ResourceNotOursError } from '../src/errors.js';
import { apply, destroy } from '../src/index.js';
import {
  collectEvents,
  MemoryStateStore,
  meta,
  mockedClients,
  planOf,
  REGION,
  tagsOf,
  virtualTime,
} from './helpers.js';

const PARAM = '/mlds/curling-live/web/password';
const URLS = ['https://a.example-cdn.com/live/index', 'https://b.example-cdn.com/live/index'];

const webPlan = (extra: { tags?: Record<string, string>; variable?: string } = {}, state?: StateDocument) =>
  planOf(
    {
      ...(extra.tags ? { tags: extra.tags } : {}),
      downstream: [
        {
          name: 'web',
          system: 'http-put',
          urls: URLS,
          username: 'ingest',
          password: { env: extra.variable ?? 'WEB_PASSWORD' },
        },
        { name: 'cdn', system: 'akamai', urls: URLS, username: 'ingest', password: { env: 'CDN_PASSWORD' } },
      ],
    },
    state,
  );

const env = { WEB_PASSWORD: 'web-secret-value', CDN_PASSWORD: 'cdn-secret-value' };

const tagList = (downstream: string, extra: Record<string, string> = {}) =>
  Object.entries(tagsOf(downstream, extra)).map(([Key, Value]) => ({ Key, Value }));

/** The state a run left when it crashed after writing the web password's intent (`creating`), before its call. */
const crashedRunState = (): StateDocument => ({
  formatVersion: 1,
  workflow: 'curling-live',
  region: REGION,
  serial: 1,
  resources: [
    {
      address: 'web.password',
      kind: 'ssm-parameter',
      name: PARAM,
      region: REGION,
      pipeline: null,
      downstream: 'web',
      status: 'creating',
      tags: tagsOf('web'),
      properties: { source: { env: 'WEB_PASSWORD' } },
    },
  ],
});

/** The refusal of an apply that lacks (or holds empty) a secret it reads: before any call. */
async function refusedFor(
  options: Omit<Parameters<typeof apply>[0], 'retry'>,
): Promise<MissingEnvironmentError> {
  const error = await apply({ ...options, ...virtualTime() }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MissingEnvironmentError);
  return error as MissingEnvironmentError;
}

describe('SSM parameter: apply', () => {
  it('writes each { env } password as a tagged SecureString, read at apply time', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const result = await apply({
      plan: webPlan(),
      clients: aws,
      store: new MemoryStateStore(),
      env,
      ...virtualTime(),
    });
    const puts = mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(puts.sort((a, b) => String(a.Name).localeCompare(String(b.Name)))).toStrictEqual([
      {
        Name: '/mlds/curling-live/cdn/password',
        Value: 'cdn-secret-value',
        Type: 'SecureString',
        Tier: 'Standard',
        Tags: tagList('cdn'),
      },
      {
        Name: PARAM,
        Value: 'web-secret-value',
        Type: 'SecureString',
        Tier: 'Standard',
        Tags: tagList('web'),
      },
    ]);
    expect(JSON.stringify(result.state)).not.toMatch(/secret-value/);
    expect(result.state?.resources.find((r) => r.name === PARAM)).toMatchObject({
      status: 'created',
      properties: { source: { env: 'WEB_PASSWORD' } },
    });
  });

  it('stops before any AWS call when a variable is missing or empty, naming every one', async () => {
    const { aws, mocks } = mockedClients();
    const store = new MemoryStateStore();
    const plan = planOf({
      downstream: [
        { name: 'archive', system: 's3', format: 'archive' },
        {
          name: 'web',
          system: 'http-put',
          urls: URLS,
          username: 'ingest',
          password: { env: 'WEB_PASSWORD' },
        },
        { name: 'cdn', system: 'akamai', urls: URLS, username: 'ingest', password: { env: 'CDN_PASSWORD' } },
      ],
    });
    const error = await refusedFor({ plan, clients: aws, store, env: { WEB_PASSWORD: '' } });
    expect(error.missing).toEqual([
      { variable: 'WEB_PASSWORD', address: 'web.password', sentTo: 'ssm-parameter' },
      { variable: 'CDN_PASSWORD', address: 'cdn.password', sentTo: 'ssm-parameter' },
    ]);
    expect(error.message).toMatch(/nothing was called/);
    for (const mock of Object.values(mocks)) expect(mock.calls()).toHaveLength(0);
    expect(store.writes).toEqual([]);
  });

  it('refuses a written parameter’s variable set to nothing, before any call; unset, it is left as it is', async () => {
    const { aws, mocks } = mockedClients();
    const workflow = () => ({
      downstream: [
        { name: 'web', system: 'http-put' as const, urls: URLS, password: { env: 'WEB_PASSWORD' } },
      ],
    });
    const store = new MemoryStateStore(stateAfterApply(planOf(workflow())));
    const again = planOf(workflow(), store.doc);
    expect(again.resources.map((change) => change.action)).toStrictEqual(['noop']);
    const error = await refusedFor({ plan: again, clients: aws, store, env: { WEB_PASSWORD: '' } });
    expect(error.missing).toEqual([
      { variable: 'WEB_PASSWORD', address: 'web.password', sentTo: 'ssm-parameter' },
    ]);
    expect(mocks.ssm.calls()).toHaveLength(0);
    const unset = await apply({ plan: again, clients: aws, store, env: {}, ...virtualTime() });
    expect(unset.outcomes).toStrictEqual([
      { address: 'web.password', kind: 'ssm-parameter', outcome: 'unchanged' },
    ]);
    expect(mocks.ssm.calls()).toHaveLength(0);
  });

  it('references { ssmParameter } passwords without creating or copying anything', async () => {
    const { aws, mocks } = mockedClients();
    const plan = planOf({
      downstream: [
        {
          name: 'web',
          system: 'http-put',
          urls: URLS,
          username: 'ingest',
          password: { ssmParameter: '/team/web-password' },
        },
      ],
    });
    const result = await apply({
      plan,
      clients: aws,
      store: new MemoryStateStore(),
      env: {},
      ...virtualTime(),
    });
    expect(mocks.ssm.calls()).toHaveLength(0);
    expect(result.state?.resources).toEqual([]);
  });

  it('adopts a parameter that exists with our tag and writes the planned value again (it may hold an old one)', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.on(PutParameterCommand).callsFake((input) => {
      if (input.Overwrite === true) return { Version: 2 };
      throw new ParameterAlreadyExists({ message: 'The parameter already exists.', $metadata: meta(400) });
    });
    mocks.ssm.on(ListTagsForResourceCommand).callsFake((input) => ({
      TagList: tagList(input.ResourceId === PARAM ? 'web' : 'cdn'),
    }));
    const result = await apply({
      plan: webPlan(),
      clients: aws,
      store: new MemoryStateStore(),
      env,
      ...virtualTime(),
    });
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['adopted', 'adopted']);
    const overwrites = mocks.ssm
      .commandCalls(PutParameterCommand)
      .map((c) => c.args[0].input)
      .filter((input) => input.Overwrite === true)
      .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
    const written = (Name: string, Value: string) => ({
      Name,
      Value,
      Type: 'SecureString',
      Tier: 'Standard',
      Overwrite: true,
    });
    expect(overwrites).toStrictEqual([
      written('/mlds/curling-live/cdn/password', env.CDN_PASSWORD),
      written(PARAM, env.WEB_PASSWORD),
    ]);
    expect(mocks.ssm.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);
    expect(result.state?.resources.map((r) => r.outputs)).toStrictEqual([{ version: 2 }, { version: 2 }]);
  });

  it('refuses a parameter of that name without our tag', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm
      .on(PutParameterCommand)
      .rejects(
        new ParameterAlreadyExists({ message: 'The parameter already exists.', $metadata: meta(400) }),
      );
    mocks.ssm.on(ListTagsForResourceCommand).resolves({ TagList: [] });
    const error = await apply({
      plan: webPlan(),
      clients: aws,
      store: new MemoryStateStore(),
      env,
      ...virtualTime(),
    }).catch((e) => e);
    expect((error as ApplyFailedError).failures.map((f) => f.cause)).toEqual([
      expect.any(ResourceNotOursError),
      expect.any(ResourceNotOursError),
    ]);
  });

  it('recovers a `creating` entry: looks it up, creates it when absent', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm
      .on(ListTagsForResourceCommand)
      .rejects(new InvalidResourceId({ message: 'not found', $metadata: meta(400) }));
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const plan = planOf({
      downstream: [
        {
          name: 'web',
          system: 'http-put',
          urls: URLS,
          username: 'ingest',
          password: { env: 'WEB_PASSWORD' },
        },
      ],
    });
    const store = new MemoryStateStore(crashedRunState());
    const result = await apply({ plan, clients: aws, store, env, ...virtualTime() });
    expect(mocks.ssm.commandCalls(ListTagsForResourceCommand)).toHaveLength(1);
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(1);
    expect(result.outcomes).toEqual([{ address: 'web.password', kind: 'ssm-parameter', outcome: 'created' }]);
  });

  it('makes no call at all when everything is already created, even with the variables unset', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const store = new MemoryStateStore();
    const first = await apply({ plan: webPlan(), clients: aws, store, env, ...virtualTime() });
    mocks.ssm.resetHistory();
    const again = await apply({
      plan: webPlan({}, first.state),
      clients: aws,
      store,
      env: {},
      ...virtualTime(),
    });
    expect(mocks.ssm.calls()).toHaveLength(0);
    expect(again.outcomes.map((o) => o.outcome)).toEqual(['unchanged', 'unchanged']);
  });

  it('an update never re-tags a parameter someone took over (our tag removed): it fails naming it, and changes nothing', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.resolves({});
    const store = new MemoryStateStore();
    const first = await apply({ plan: webPlan(), clients: aws, store, env, ...virtualTime() });
    mocks.ssm.resetHistory();
    mocks.ssm.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: 'owner', Value: 'someone-else' }] });
    const error = await apply({
      plan: webPlan({ tags: { team: 'sports' } }, first.state),
      clients: aws,
      store,
      env: {},
      ...virtualTime(),
    }).catch((e) => e);
    expect((error as ApplyFailedError).failures.map((f) => [f.address, f.cause])).toEqual([
      ['web.password', expect.any(ResourceNotOursError)],
      ['cdn.password', expect.any(ResourceNotOursError)],
    ]);
    expect(mocks.ssm.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(store.doc?.resources.map((r) => r.status)).toEqual(['created', 'created']);
  });

  it('an update re-creates a parameter deleted by hand since it was recorded', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.resolves({});
    const store = new MemoryStateStore();
    const first = await apply({ plan: webPlan(), clients: aws, store, env, ...virtualTime() });
    mocks.ssm.resetHistory();
    mocks.ssm
      .on(ListTagsForResourceCommand)
      .rejects(new InvalidResourceId({ message: 'gone', $metadata: meta(400) }));
    await apply({
      plan: webPlan({ tags: { team: 'sports' } }, first.state),
      clients: aws,
      store,
      env,
      ...virtualTime(),
    });
    expect(
      mocks.ssm
        .commandCalls(PutParameterCommand)
        .map((c) => c.args[0].input.Name)
        .sort(),
    ).toStrictEqual(['/mlds/curling-live/cdn/password', PARAM]);
    expect(mocks.ssm.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);
  });

  it('on a tag change retags without touching the value; on a new source rewrites it with Overwrite and no Tags', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.resolves({});
    const store = new MemoryStateStore();
    const first = await apply({ plan: webPlan(), clients: aws, store, env, ...virtualTime() });
    mocks.ssm.resetHistory();
    // Each update looks the parameter up first: still tagged as this workflow's.
    mocks.ssm.on(ListTagsForResourceCommand).callsFake((input) => ({
      TagList: tagList(input.ResourceId === PARAM ? 'web' : 'cdn'),
    }));

    const retagged = await apply({
      plan: webPlan({ tags: { team: 'sports' } }, first.state),
      clients: aws,
      store,
      env: {},
    });
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(mocks.ssm.commandCalls(RemoveTagsFromResourceCommand)).toHaveLength(0);
    expect(
      mocks.ssm
        .commandCalls(AddTagsToResourceCommand)
        .map((c) => c.args[0].input)
        .find((input) => input.ResourceId === PARAM),
    ).toStrictEqual({
      ResourceType: 'Parameter',
      ResourceId: PARAM,
      Tags: tagList('web', { team: 'sports' }),
    });
    mocks.ssm.resetHistory();

    await apply({
      plan: webPlan({ tags: { team: 'sports' }, variable: 'NEW_WEB_PASSWORD' }, retagged.state),
      clients: aws,
      store,
      env: { NEW_WEB_PASSWORD: 'rotated-secret' },
    });
    expect(mocks.ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Name: PARAM, Value: 'rotated-secret', Type: 'SecureString', Tier: 'Standard', Overwrite: true },
    ]);
  });

  it('retries ThrottlingException (a 400 in SSM)', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm
      .on(PutParameterCommand)
      .rejectsOnce(
        new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: meta(400) }),
      )
      .resolves({ Version: 1 });
    await apply({ plan: webPlan(), clients: aws, store: new MemoryStateStore(), env, ...virtualTime() });
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(3);
  });
});

describe('SSM parameter: secrets in errors', () => {
  it('redacts a value AWS echoes back in an error, in the failure, the message and the event', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.on(PutParameterCommand).callsFake((input) => {
      const text = `Value '${input.Value}' at 'value' failed to satisfy constraint`;
      throw new ValidationException({ message: text, Message: text, $metadata: meta(400) });
    });
    const { events, onEvent } = collectEvents();
    const error = await apply({
      plan: webPlan(),
      clients: aws,
      store: new MemoryStateStore(),
      env,
      onEvent,
    }).catch((e) => e);
    const texts = [
      (error as Error).message,
      ...(error as ApplyFailedError).failures.map((f) => f.error),
      JSON.stringify(events),
    ].join('\n');
    expect(texts).toContain("Value '(sensitive)' at 'value'");
    expect(texts).not.toContain('web-secret-value');
    expect(texts).not.toContain('cdn-secret-value');
  });

  it('redacts it in the SDK error kept as `cause` too, whatever prints it', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.on(PutParameterCommand).callsFake((input) => {
      const text = `Value '${input.Value}' at 'value' failed to satisfy constraint`;
      const error = new ValidationException({ message: text, Message: text, $metadata: meta(400) });
      // V8 formats a stack once, when first read: a logger that read it has it fixed with the secret.
      void error.stack;
      throw error;
    });
    const error = (await apply({
      plan: webPlan(),
      clients: aws,
      store: new MemoryStateStore(),
      env,
    }).catch((e) => e)) as ApplyFailedError;
    const causes = error.failures.map((f) => f.cause as ValidationException);
    expect(causes).toEqual([expect.any(ValidationException), expect.any(ValidationException)]);
    expect(causes.map((cause) => cause.Message).sort()).toStrictEqual([
      "Value '(sensitive)' at 'value' failed to satisfy constraint",
      "Value '(sensitive)' at 'value' failed to satisfy constraint",
    ]);
    // What Node prints for an uncaught error: message, stack, every field, the whole cause chain.
    const printed = [
      inspect(error, { depth: 10 }),
      ...causes.map((cause) => inspect(cause)),
      String(error.stack),
    ];
    for (const text of printed) {
      expect(text).not.toContain('web-secret-value');
      expect(text).not.toContain('cdn-secret-value');
    }
    expect(inspect(causes[0])).toContain("Value '(sensitive)' at 'value'");
  });
});

describe('SSM parameter: destroy', () => {
  it('deletes each parameter, and takes ParameterNotFound as already gone', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const store = new MemoryStateStore();
    await apply({ plan: webPlan(), clients: aws, store, env, ...virtualTime() });
    mocks.ssm.on(ListTagsForResourceCommand).callsFake((input) => ({
      TagList: tagList(input.ResourceId === PARAM ? 'web' : 'cdn'),
    }));
    // Gone between the lookup and the delete.
    mocks.ssm.on(DeleteParameterCommand).callsFake((input) => {
      if (input.Name === PARAM) throw new ParameterNotFound({ message: 'gone', $metadata: meta(400) });
      return {};
    });
    const result = await destroy({ clients: aws, store, ...virtualTime() });
    expect(
      mocks.ssm
        .commandCalls(DeleteParameterCommand)
        .map((c) => c.args[0].input.Name)
        .sort(),
    ).toEqual(['/mlds/curling-live/cdn/password', PARAM]);
    expect(result.state?.resources).toEqual([]);
  });

  it('never deletes a recorded parameter that lost our tag: refuses it, keeps its entry, deletes the rest', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const store = new MemoryStateStore();
    await apply({ plan: webPlan(), clients: aws, store, env, ...virtualTime() });
    mocks.ssm.reset();
    mocks.ssm.on(ListTagsForResourceCommand).callsFake((input) => ({
      TagList: input.ResourceId === PARAM ? [{ Key: 'team', Value: 'web' }] : tagList('cdn'),
    }));
    mocks.ssm.on(DeleteParameterCommand).resolves({});
    const { events, onEvent } = collectEvents();
    const error = await destroy({ clients: aws, store, onEvent, ...virtualTime() }).catch((e) => e);
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect((error as ApplyFailedError).failures.map((f) => [f.address, f.cause])).toEqual([
      ['web.password', expect.any(ResourceNotOursError)],
    ]);
    expect((error as Error).message).toMatch(
      /web\.password: ResourceNotOursError: \/mlds\/curling-live\/web\/password \(web\.password\) is recorded as workflow curling-live's, but mlds cannot take it as such any more: its tags changed after mlds created it; mlds neither changes nor deletes it\./,
    );
    expect(mocks.ssm.commandCalls(DeleteParameterCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Name: '/mlds/curling-live/cdn/password' },
    ]);
    expect(store.doc?.resources.map((r) => [r.address, r.status])).toEqual([['web.password', 'created']]);
    expect(events.filter((e) => e.type === 'failed').map((e) => 'address' in e && e.address)).toEqual([
      'web.password',
    ]);
  });

  it('forgets, without deleting, a crashed run’s parameter whose name is held by someone else', async () => {
    const { aws, mocks } = mockedClients();
    mocks.ssm.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: 'team', Value: 'web' }] });
    const store = new MemoryStateStore(crashedRunState());
    const { events, onEvent } = collectEvents();
    const result = await destroy({ clients: aws, store, force: true, onEvent, ...virtualTime() });
    expect(mocks.ssm.calls().map((c) => c.args[0].constructor.name)).toStrictEqual([
      'ListTagsForResourceCommand',
    ]);
    expect(result.state?.resources).toEqual([]);
    expect(result.outcomes).toStrictEqual([
      { address: 'web.password', kind: 'ssm-parameter', outcome: 'forgotten' },
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'progress',
        address: 'web.password',
        detail: `${PARAM} exists without this workflow's tag: left in place`,
      }),
    );
  });
});
