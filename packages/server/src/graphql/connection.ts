// Relay connections: the one implementation of page arguments, cursors, keyset slicing and PageInfo
// behind every list of the API. Pages are cut by a key in the list's order ((createdAt, id), a
// sequence number, a name), never by OFFSET, so a row added or removed elsewhere shifts no page.

import { ArgsType, type ClassType, Field, Int, ObjectType } from 'type-graphql';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { isUuid } from '../db/columns.ts';
import { AppError, CommonErrorCode } from './errors.ts';

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: 'The first n items (after `after` when given).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor: items after it.' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: 'The last n items (before `before` when given).' })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor: items before it.' })
  before?: string | null;
}

@ObjectType({ description: 'Where a page lies in its list: pass endCursor as after for the next, startCursor as before for the previous.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "The first edge's cursor; null on an empty page." })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: "The last edge's cursor; null on an empty page." })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/**
 * The `${name}Edge` and `${name}Connection` object types of `node`: edges with cursors, `nodes` (the same
 * items without cursors), PageInfo and totalCount.
 */
export function connectionType<T extends object>(node: ClassType<T>, name = node.name): ClassType<Connection<T>> {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items.` })
  class ConnectionType {
    @Field(() => [EdgeType])
    edges!: Edge<T>[];

    @Field(() => [node], { description: 'The edges’ nodes, for a client that needs no cursors.' })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Items in the whole list (with its filters), not only this page.' })
    totalCount!: number;
  }
  return ConnectionType;
}

/** The key of most lists: creation time, then id for rows created in the same millisecond. */
export const CREATED_KEY: readonly KeyColumn[] = [
  { property: 'createdAt', kind: 'time' },
  { property: 'id', kind: 'uuid' },
];

/** Pages of most lists. */
export const PAGE: PageSize = { default: 20, max: 100 };

/** A key value of a row: a time (compared to the millisecond), a uuid, an integer or a text. */
export type KeyKind = 'time' | 'uuid' | 'int' | 'text';
type KeyValue = string | number;

/** How many items a page holds when neither first nor last is given, and the most it may ask for. */
export interface PageSize {
  default: number;
  max: number;
}

/** A bound of a slice: the rows beyond `key` in the list's order, and the row at `key` too when inclusive. */
export interface Bound {
  key: KeyValue[];
  inclusive: boolean;
}

/** Which rows of a list to read: between the bounds, `limit` of them from the start, or from the end. */
export interface Slice {
  after?: Bound;
  before?: Bound;
  limit: number;
  fromEnd: boolean;
}

/** A list that can be read in slices of its order: the one thing each connection implements. */
export interface KeysetSource<T> {
  /** Names the list in its cursors, so that a cursor of one list is refused by another. */
  name: string;
  /** The kinds of the key's parts, to check a cursor's key. */
  key: readonly KeyKind[];
  keyOf(row: T): KeyValue[];
  count(): Promise<number>;
  /** The rows of `slice`, in the list's order. */
  read(slice: Slice): Promise<T[]>;
}

function badInput(field: string, message: string): AppError {
  return new AppError(CommonErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field });
}

export function encodeCursor(name: string, key: readonly KeyValue[]): string {
  return Buffer.from(JSON.stringify([name, ...key])).toString('base64url');
}

const KEY_CHECKS: Record<KeyKind, (v: unknown) => boolean> = {
  time: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
  uuid: (v) => typeof v === 'string' && isUuid(v),
  int: (v) => Number.isSafeInteger(v),
  text: (v) => typeof v === 'string',
};

/** The key in a cursor that `source` handed out; a coded BAD_USER_INPUT for anything else. */
export function decodeCursor(source: Pick<KeysetSource<unknown>, 'name' | 'key'>, cursor: string, field: string): KeyValue[] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    parts = undefined;
  }
  const valid =
    Array.isArray(parts) &&
    parts[0] === source.name &&
    parts.length === source.key.length + 1 &&
    source.key.every((kind, i) => KEY_CHECKS[kind](parts[i + 1]));
  if (!valid) throw badInput(field, `'${cursor}' is not a cursor of ${source.name}; pass a cursor this list returned`);
  return (parts as KeyValue[]).slice(1);
}

/** first/last checked against the page size: whole, not negative, at most the maximum, not both. */
function pageLimit(args: ConnectionArgs, size: PageSize): { limit: number; fromEnd: boolean } {
  const { first, last } = args;
  if (first != null && last != null) throw badInput('last', 'give first or last, not both');
  for (const [field, n] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (n != null && (n < 0 || n > size.max)) throw badInput(field, `${n} is out of range; ask for 0 to ${size.max} items`);
  }
  if (last != null) return { limit: last, fromEnd: true };
  return { limit: first ?? size.default, fromEnd: false };
}

/**
 * The page of `source` that `args` ask for, as a connection of `map(row)`. hasPreviousPage after a cursor
 * (and hasNextPage before one) says whether any row lies on the far side of it, the row at it included.
 */
export async function paginate<T, N>(
  source: KeysetSource<T>,
  args: ConnectionArgs,
  size: PageSize,
  map: (rows: T[]) => N[] | Promise<N[]>,
): Promise<Connection<N>> {
  const { limit, fromEnd } = pageLimit(args, size);
  const after = args.after ? { key: decodeCursor(source, args.after, 'after'), inclusive: false } : undefined;
  const before = args.before ? { key: decodeCursor(source, args.before, 'before'), inclusive: false } : undefined;
  const [totalCount, rows] = await Promise.all([source.count(), source.read({ after, before, limit: limit + 1, fromEnd })]);
  const more = rows.length > limit;
  const page = fromEnd ? rows.slice(rows.length - Math.min(rows.length, limit)) : rows.slice(0, limit);
  const beyond = async (bound: Bound | undefined, side: 'after' | 'before') =>
    !!bound && (await source.read({ [side]: { key: bound.key, inclusive: true }, limit: 1, fromEnd: side === 'before' })).length > 0;
  const hasNextPage = fromEnd ? await beyond(before, 'after') : more;
  const hasPreviousPage = fromEnd ? more : await beyond(after, 'before');
  const nodes = await map(page);
  const edges = page.map((row, i) => ({ cursor: encodeCursor(source.name, source.keyOf(row)), node: nodes[i] as N }));
  return {
    edges,
    nodes,
    totalCount,
    pageInfo: { hasNextPage, hasPreviousPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** One column of a table's key: the entity property and its kind. */
export interface KeyColumn {
  property: string;
  kind: KeyKind;
}

/**
 * A keyset source over a TypeORM query: `query()` returns a fresh query (alias `alias`) with the list's
 * filters; slices add `(key) > (cursor)` conditions and the ORDER BY, counts use the filters alone.
 */
export function queryKeyset<E extends ObjectLiteral>(options: {
  name: string;
  alias: string;
  query: () => SelectQueryBuilder<E>;
  key: readonly KeyColumn[];
  order: 'ASC' | 'DESC';
}): KeysetSource<E> {
  const { name, alias, query, key, order } = options;
  // Times to the millisecond on both sides: a cursor holds a JavaScript Date, PostgreSQL keeps microseconds.
  const columns = key.map((c) => (c.kind === 'time' ? `date_trunc('milliseconds', ${alias}.${c.property})` : `${alias}.${c.property}`));
  const row = `(${columns.join(', ')})`;
  const params = (prefix: string, values: KeyValue[]) =>
    Object.fromEntries(values.map((v, i) => [`${prefix}${i}`, key[i]?.kind === 'time' ? new Date(v) : v]));
  const placeholders = (prefix: string) => `(${key.map((_, i) => `:${prefix}${i}`).join(', ')})`;
  // In ascending order the rows after a key are the greater ones; in descending, the smaller ones.
  const comparison = (side: 'after' | 'before', inclusive: boolean) =>
    `${(side === 'after') === (order === 'ASC') ? '>' : '<'}${inclusive ? '=' : ''}`;
  return {
    name,
    key: key.map((c) => c.kind),
    keyOf: (e) => key.map((c) => (c.kind === 'time' ? (e[c.property] as Date).toISOString() : (e[c.property] as KeyValue))),
    count: () => query().getCount(),
    async read(slice) {
      const q = query();
      for (const side of ['after', 'before'] as const) {
        const bound = slice[side];
        if (bound) q.andWhere(`${row} ${comparison(side, bound.inclusive)} ${placeholders(side)}`, params(side, bound.key));
      }
      const direction = slice.fromEnd ? (order === 'ASC' ? 'DESC' : 'ASC') : order;
      q.orderBy(columns[0] as string, direction);
      for (const c of columns.slice(1)) q.addOrderBy(c, direction);
      const rows = await q.limit(slice.limit).getMany();
      return slice.fromEnd ? rows.reverse() : rows;
    },
  };
}

/** A keyset source over a list held in memory, already in its order, keyed by one text (the strategies, by id). */
export function arrayKeyset<T>(name: string, rows: readonly T[], keyOf: (row: T) => string): KeysetSource<T> {
  const sorted = [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const beyond = (k: string, bound: Bound | undefined, side: 'after' | 'before') => {
    if (!bound) return true;
    const b = String(bound.key[0]);
    if (k === b) return bound.inclusive;
    return side === 'after' ? k > b : k < b;
  };
  return {
    name,
    key: ['text'],
    keyOf: (row) => [keyOf(row)],
    count: async () => sorted.length,
    async read(slice) {
      const within = sorted.filter((r) => beyond(keyOf(r), slice.after, 'after') && beyond(keyOf(r), slice.before, 'before'));
      return slice.fromEnd ? within.slice(Math.max(0, within.length - slice.limit)) : within.slice(0, slice.limit);
    },
  };
}
