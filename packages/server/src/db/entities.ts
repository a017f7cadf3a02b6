// Every entity the data source maps.

import { ArtifactEntity } from '../modules/artifacts/artifact.entity.ts';
import { ApiTokenEntity } from '../modules/auth/api-token.entity.ts';
import { DatasetEntity } from '../modules/datasets/dataset.entity.ts';
import { UploadEntity } from '../modules/datasets/upload.entity.ts';
import { ModelEntity } from '../modules/models/model.entity.ts';
import { RunEntity } from '../modules/runs/run.entity.ts';
import { RunEventEntity } from '../modules/runs/run-event.entity.ts';
import { SweepEntity } from '../modules/sweeps/sweep.entity.ts';

export const ENTITIES = [ModelEntity, UploadEntity, DatasetEntity, RunEntity, RunEventEntity, ArtifactEntity, ApiTokenEntity, SweepEntity];
