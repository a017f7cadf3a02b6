// What the services of stored things share: their repository, the list oldest first, and a lookup
// by id that says which thing was not found (an id that is not a uuid names nothing).

import type { DataSource, EntityTarget, FindOptionsWhere, ObjectLiteral, Repository } from 'typeorm';
import { isUuid } from '../db/columns.ts';
import { CREATED_KEY, type KeysetSource, queryKeyset } from '../graphql/connection.ts';
import { AppError } from '../graphql/errors.ts';
import type { Storage } from '../storage/storage.ts';
import type { StorageCache } from '../storage/storage-cache.ts';

export abstract class EntityService<E extends ObjectLiteral & { id: string; createdAt: Date }> {
  protected readonly dataSource: DataSource;
  /** Stored files, read through this machine's cache. */
  protected readonly cache: StorageCache;
  private readonly entity: EntityTarget<E>;
  /** How errors name the thing: 'model', 'dataset'... */
  private readonly noun: string;
  private readonly notFoundCode: string;

  constructor(dataSource: DataSource, cache: StorageCache, entity: EntityTarget<E>, noun: string, notFoundCode: string) {
    this.dataSource = dataSource;
    this.cache = cache;
    this.entity = entity;
    this.noun = noun;
    this.notFoundCode = notFoundCode;
  }

  protected get storage(): Storage {
    return this.cache.storage;
  }

  protected get repo(): Repository<E> {
    return this.dataSource.getRepository(this.entity);
  }

  /** Every row oldest first, to read a page at a time (`name` names the list in its cursors). */
  listing(name: string): KeysetSource<E> {
    return queryKeyset({ name, alias: 'e', query: () => this.repo.createQueryBuilder('e'), key: CREATED_KEY, order: 'ASC' });
  }

  async get(id: string): Promise<E> {
    const found = isUuid(id) ? await this.repo.findOneBy({ id } as FindOptionsWhere<E>) : null;
    if (!found) throw new AppError(this.notFoundCode, `${this.noun} ${id} does not exist`, { id });
    return found;
  }
}
