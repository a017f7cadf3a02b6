// The API's conventions, checked over the built schema so that a new field cannot quietly break them:
// lists that can grow are Relay connections, mutations take one input and return their own payload,
// objects with ids are Nodes, and closed sets of values are enums (docs/decisions/0009).

import {
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { tuneqlSchema } from './schema.ts';

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await tuneqlSchema();
});

/** Lists that stay small whatever happens, and why: everything else returning a list of objects is a connection. */
const BOUNDED_LISTS: Record<string, string> = {
  'Run.artifacts': 'one archive per ExportKind',
  'Query.nodes': 'as many as the ids asked for (at most 100)',
  'Dataset.preview': 'a window of at most 200 rows, by offset into the file',
  'DatasetStatistics.labels': "one per label of the dataset's label set",
  'PredictPayload.predictions': 'one per input (at most 64)',
  'PredictionResult.labels': "one per label of the model's head",
  'PredictionResult.words': 'one per word of one input',
  'PredictionResult.fills': 'a few candidates per mask of one input',
  'Sweep.parameters': 'the dimensions of its search space, given once at creation',
};

/** Fields whose values form a closed set, each with the enum it must have. */
const ENUM_FIELDS: Record<string, string> = {
  'Run.task': 'Task',
  'Run.device': 'Device',
  'Run.status': 'RunStatus',
  'Sweep.status': 'SweepStatus',
  'Sweep.algorithm': 'SweepAlgorithm',
  'SweepTrial.state': 'TrialState',
  'Dataset.task': 'Task',
  'Dataset.format': 'DatasetFormat',
  'Model.supportedTasks': 'Task',
  'Strategy.tasks': 'Task',
  'PredictionResult.task': 'Task',
  'RunEvent.type': 'RunEventType',
  'RunEvent.code': 'WarningCode',
  'ApiToken.scopes': 'TokenScope',
  'Artifact.kind': 'ExportKind',
  'CreateRunInput.task': 'Task',
  'CreateRunInput.device': 'Device',
  'CreateDatasetInput.task': 'Task',
  'CreateDatasetInput.format': 'DatasetFormat',
  'CreateApiTokenInput.scopes': 'TokenScope',
  'HyperparametersInput.schedule': 'HyperparametersSchedule',
  'ExportRunInput.kind': 'ExportKind',
};

function objectTypes(): GraphQLObjectType[] {
  return Object.values(schema.getTypeMap()).filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'));
}

function fieldsOf(type: GraphQLObjectType): [string, GraphQLField<unknown, unknown>][] {
  return Object.entries(type.getFields()).map(([name, f]) => [`${type.name}.${name}`, f]);
}

const isConnection = (t: GraphQLNamedType) => isObjectType(t) && t.name.endsWith('Connection');
const isEdge = (t: GraphQLNamedType) => isObjectType(t) && t.name.endsWith('Edge');

describe('GraphQL conventions', () => {
  it('every list of objects is a connection, unless it is named as bounded', () => {
    const plain = objectTypes()
      .filter((t) => !isConnection(t))
      .flatMap(fieldsOf)
      .filter(([, f]) => isListType(getNullableType(f.type)) && !isScalarType(getNamedType(f.type)) && !isEnumType(getNamedType(f.type)))
      .map(([name]) => name)
      .filter((name) => !(name in BOUNDED_LISTS));
    expect(plain).toEqual([]);
    // The root lists in particular.
    for (const name of ['apiTokens', 'datasets', 'models', 'runs', 'strategies'])
      expect(getNamedType(schema.getQueryType()?.getFields()[name]?.type as GraphQLType).name, name).toMatch(/Connection$/);
    const run = schema.getType('Run') as GraphQLObjectType;
    for (const name of ['events', 'checkpoints'])
      expect(getNamedType(run.getFields()[name]?.type as GraphQLType).name, name).toMatch(/Connection$/);
  });

  it('every connection has edges { cursor node }, nodes, the full PageInfo, totalCount and first/after/last/before', () => {
    const pageInfo = schema.getType('PageInfo') as GraphQLObjectType;
    expect(Object.fromEntries(Object.entries(pageInfo.getFields()).map(([n, f]) => [n, String(f.type)]))).toEqual({
      hasNextPage: 'Boolean!',
      hasPreviousPage: 'Boolean!',
      startCursor: 'String',
      endCursor: 'String',
    });
    const connections = objectTypes().filter(isConnection);
    expect(connections.length).toBeGreaterThanOrEqual(7);
    for (const c of connections) {
      const f = c.getFields();
      const edge = getNamedType(f.edges?.type as GraphQLType) as GraphQLObjectType;
      expect(isEdge(edge), c.name).toBe(true);
      const node = edge.getFields().node?.type;
      expect(String(edge.getFields().cursor?.type), c.name).toBe('String!');
      expect(String(f.nodes?.type), c.name).toBe(`[${String(node)}]!`);
      expect(String(f.pageInfo?.type), c.name).toBe('PageInfo!');
      expect(String(f.totalCount?.type), c.name).toBe('Int!');
    }
    const returning = objectTypes()
      .flatMap(fieldsOf)
      .filter(([, f]) => isConnection(getNamedType(f.type)));
    expect(returning.length).toBeGreaterThanOrEqual(7);
    for (const [name, f] of returning) {
      const args = Object.fromEntries(f.args.map((a) => [a.name, String(a.type)]));
      expect(args, name).toMatchObject({ first: 'Int', after: 'String', last: 'Int', before: 'String' });
    }
  });

  it('every mutation takes exactly one argument, input: <Name>Input!, and returns its own <Name>Payload!', () => {
    const mutations = Object.values(schema.getMutationType()?.getFields() ?? {});
    expect(mutations.length).toBeGreaterThanOrEqual(13);
    const payloads = new Set<string>();
    for (const m of mutations) {
      expect(
        m.args.map((a) => a.name),
        m.name,
      ).toEqual(['input']);
      const input = m.args[0]?.type;
      expect(isNonNullType(input) && isInputObjectType(getNamedType(input)), m.name).toBe(true);
      expect(getNamedType(input as GraphQLType).name, m.name).toMatch(/Input$/);
      const payload = getNamedType(m.type);
      expect(isNonNullType(m.type) && isObjectType(payload), m.name).toBe(true);
      expect(payload.name, m.name).toBe(`${m.name[0]?.toUpperCase()}${m.name.slice(1)}Payload`);
      payloads.add(payload.name);
    }
    expect(payloads.size).toBe(mutations.length);
  });

  it('every object with an id: ID! implements Node, and node/nodes fetch any of them', () => {
    const node = schema.getType('Node');
    expect(isInterfaceType(node)).toBe(true);
    const withId = objectTypes().filter((t) => String(t.getFields().id?.type) === 'ID!');
    expect(withId.map((t) => t.name).sort()).toEqual(['ApiToken', 'Artifact', 'Dataset', 'Model', 'Run', 'Sweep']);
    for (const t of withId)
      expect(
        t.getInterfaces().map((i) => i.name),
        t.name,
      ).toContain('Node');
    const query = schema.getQueryType()?.getFields();
    expect(String(query?.node?.type)).toBe('Node!');
    expect(query?.node?.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual(['id: ID!']);
    expect(String(query?.nodes?.type)).toBe('[Node!]!');
    expect(query?.nodes?.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual(['ids: [ID!]!']);
  });

  it('closed sets of values are enums, never String', () => {
    for (const [path, enumName] of Object.entries(ENUM_FIELDS)) {
      const [typeName, field] = path.split('.') as [string, string];
      const type = schema.getType(typeName) as GraphQLObjectType;
      const f = type.getFields()[field];
      expect(f, path).toBeDefined();
      const named = getNamedType(f?.type as GraphQLType);
      expect([isEnumType(named), named.name], path).toEqual([true, enumName]);
    }
  });

  it('the schedule enum comes from the trainer settings schema, with its default', () => {
    const schedule = schema.getType('HyperparametersSchedule');
    expect(isEnumType(schedule) && schedule.getValues().map((v) => [v.name, v.value])).toEqual([
      ['LINEAR', 'linear'],
      ['COSINE', 'cosine'],
      ['CONSTANT', 'constant'],
    ]);
    const input = schema.getType('HyperparametersInput');
    expect(isInputObjectType(input) && input.getFields().schedule?.description).toMatch(/@default LINEAR$/);
  });

  it('each enum value stands for the internal string the engine and database keep', () => {
    const internal = (name: string) => {
      const t = schema.getType(name);
      return isEnumType(t) ? Object.fromEntries(t.getValues().map((v) => [v.name, v.value])) : undefined;
    };
    expect(internal('Task')).toMatchObject({ SEQUENCE_CLASSIFICATION: 'sequence-classification', CAUSAL_LM: 'causal-lm' });
    expect(internal('RunEventType')).toMatchObject({ EARLY_STOP: 'early_stop', STEP: 'step' });
    expect(internal('TokenScope')).toEqual({ READ: 'read', WRITE: 'write' });
    expect(internal('DatasetFormat')).toEqual({ CSV: 'csv', JSONL: 'jsonl' });
    expect(internal('Device')).toEqual({ CPU: 'cpu', WEBGPU: 'webgpu', CUDA: 'cuda' });
  });
});
