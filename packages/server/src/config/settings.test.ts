// The storage settings: their defaults under the data folder, and the S3 variables as another engineer's container test sets them.

import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalFolderStorage } from '../storage/local-storage.ts';
import { openStorage } from '../storage/open-storage.ts';
import { S3Storage } from '../storage/s3-storage.ts';
import { readSettings, SettingsError } from './settings.ts';

describe('storage settings', () => {
  it('keep storage and cache in the data folder by default', () => {
    const s = readSettings({ TUNEQL_DATA: '/var/lib/tuneql' });
    expect(s.storage).toBe('/var/lib/tuneql/artifacts');
    expect(s.cacheDir).toBe('/var/lib/tuneql/cache');
    expect(s.s3).toEqual({ endpoint: undefined, region: 'us-east-1', forcePathStyle: false });
    expect(readSettings({ TUNEQL_DATA: 'rel', TUNEQL_STORAGE: 'store', TUNEQL_CACHE: 'c' })).toMatchObject({
      storage: resolve('store'),
      cacheDir: resolve('c'),
    });
  });

  it('read TUNEQL_STORAGE=s3://..., AWS_ENDPOINT_URL, AWS_REGION and TUNEQL_S3_FORCE_PATH_STYLE', () => {
    const s = readSettings({
      TUNEQL_DATA: '/w',
      TUNEQL_STORAGE: 's3://models-bucket/team/tuneql',
      TUNEQL_CACHE: '/var/cache/tuneql',
      AWS_ENDPOINT_URL: 'http://minio:9000',
      AWS_REGION: 'eu-west-1',
      TUNEQL_S3_FORCE_PATH_STYLE: 'true',
    });
    expect(s).toMatchObject({
      storage: 's3://models-bucket/team/tuneql',
      cacheDir: '/var/cache/tuneql',
      s3: { endpoint: 'http://minio:9000', region: 'eu-west-1', forcePathStyle: true },
    });
    const storage = openStorage(s) as S3Storage;
    expect(storage).toBeInstanceOf(S3Storage);
    expect([storage.bucket, storage.prefix, storage.location]).toEqual(['models-bucket', 'team/tuneql', 's3://models-bucket/team/tuneql']);
    storage.close();
    expect(openStorage(readSettings({ TUNEQL_DATA: join('/tmp', `tuneql-settings-${process.pid}`) }))).toBeInstanceOf(LocalFolderStorage);
  });

  it('name the setting when a value is wrong', () => {
    expect(() => readSettings({ TUNEQL_S3_FORCE_PATH_STYLE: 'sometimes' })).toThrow(SettingsError);
    expect(() => readSettings({ TUNEQL_S3_FORCE_PATH_STYLE: 'sometimes' })).toThrow(/TUNEQL_S3_FORCE_PATH_STYLE=sometimes/);
    expect(() => openStorage(readSettings({ TUNEQL_STORAGE: 's3://ab/x' }))).toThrow(/TUNEQL_STORAGE=s3:\/\/ab\/x: expected s3:\/\/BUCKET/);
  });
});
