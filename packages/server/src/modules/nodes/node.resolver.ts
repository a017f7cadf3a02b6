// node(id:) and nodes(ids:): any object with an id, fetched by the id alone. Ids are the tables' UUIDs,
// unique across tables, so one query finds which table holds an id (docs/decisions/0009).

import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { isUuid } from '../../db/columns.ts';
import type { RequestContext } from '../../graphql/context.ts';
import { AppError, CommonErrorCode } from '../../graphql/errors.ts';
import { Node, type Typed } from '../../graphql/node.ts';
import { toArtifact } from '../artifacts/artifact.resolver.ts';
import { requireScope } from '../auth/auth.service.ts';
import { toRun } from '../runs/run.resolver.ts';
import { toSweep } from '../sweeps/sweep.resolver.ts';

/** The tables whose rows are nodes, by the object type they are in the API. */
const NODE_TABLES = {
  Run: 'runs',
  Model: 'models',
  Dataset: 'datasets',
  Artifact: 'artifacts',
  ApiToken: 'api_tokens',
  Sweep: 'sweeps',
} as const;
type NodeType = keyof typeof NODE_TABLES;

const MAX_IDS = 100;

/** Which type's table holds each of `ids` (absent: none). */
async function typesOf(ctx: RequestContext, ids: readonly string[]): Promise<Map<string, NodeType>> {
  const union = Object.entries(NODE_TABLES)
    .map(([type, table]) => `SELECT id::text AS id, '${type}' AS type FROM ${table} WHERE id = ANY($1::uuid[])`)
    .join(' UNION ALL ');
  const rows = (await ctx.services.dataSource.query(union, [ids])) as { id: string; type: NodeType }[];
  return new Map(rows.map((r) => [r.id, r.type]));
}

/** The object of `type` with `id`, as its own query would return it, marked with its type. */
async function fetchNode(ctx: RequestContext, type: NodeType, id: string): Promise<Typed & { id: string }> {
  const s = ctx.services;
  switch (type) {
    case 'Run':
      return { __typename: type, ...toRun(await s.runs.get(id)) };
    case 'Model':
      return { __typename: type, ...(await s.models.get(id)) };
    case 'Dataset':
      return { __typename: type, ...(await s.datasets.get(id)) };
    case 'Artifact':
      return { __typename: type, ...toArtifact(await s.artifacts.get(id)) };
    case 'Sweep':
      return { __typename: type, ...toSweep(await s.sweeps.get(id)) };
    case 'ApiToken': {
      requireScope(ctx.caller, 'write'); // as apiTokens asks
      const token = await s.auth.find(id);
      if (!token) throw new AppError(CommonErrorCode.NOT_FOUND, `no object has the id ${id}`, { id });
      return { __typename: type, ...token };
    }
  }
}

async function resolveNodes(ctx: RequestContext, ids: readonly string[], field: string): Promise<(Typed & { id: string })[]> {
  ids.forEach((id, i) => {
    const where = ids.length > 1 || field === 'ids' ? `${field}[${i}]` : field;
    if (!isUuid(id))
      throw new AppError(CommonErrorCode.BAD_USER_INPUT, `${where}: '${id}' is not an id of this API (ids are UUIDs)`, {
        field: where,
        id,
      });
  });
  const types = await typesOf(ctx, ids);
  return Promise.all(
    ids.map((id) => {
      const type = types.get(id.toLowerCase());
      if (!type) throw new AppError(CommonErrorCode.NOT_FOUND, `no object has the id ${id}`, { id });
      return fetchNode(ctx, type, id);
    }),
  );
}

@Resolver()
export class NodeResolver {
  @Authorized('read')
  @Query(() => Node, { description: 'The object with this id, whatever its type; NOT_FOUND when none has it.' })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Node> {
    const [found] = await resolveNodes(ctx, [id], 'id');
    return found as Node;
  }

  @Authorized('read')
  @Query(() => [Node], { description: `The objects with these ids, in their order (at most ${MAX_IDS}); NOT_FOUND names an id none has.` })
  nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: RequestContext): Promise<Node[]> {
    if (ids.length > MAX_IDS) {
      throw new AppError(CommonErrorCode.BAD_USER_INPUT, `ids: ${ids.length} ids; ask for at most ${MAX_IDS} at once`, { field: 'ids' });
    }
    return resolveNodes(ctx, ids, 'ids');
  }
}
