// The storage the settings name (TUNEQL_STORAGE: a folder, or s3://bucket/prefix with the usual AWS
// variables), checked before a server or worker starts using it.

import type { ServerSettings } from '../config/settings.ts';
import { LocalFolderStorage } from './local-storage.ts';
import { S3Storage } from './s3-storage.ts';
import type { Storage } from './storage.ts';

/** `log` hears about retried storage requests. */
export function openStorage(settings: Pick<ServerSettings, 'storage' | 's3'>, log?: (line: string) => void): Storage {
  if (settings.storage.startsWith('s3://'))
    return new S3Storage({
      url: settings.storage,
      endpoint: settings.s3.endpoint,
      region: settings.s3.region,
      forcePathStyle: settings.s3.forcePathStyle,
      log,
    });
  return new LocalFolderStorage(settings.storage);
}
