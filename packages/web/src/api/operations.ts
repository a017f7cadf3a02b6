// Every GraphQL operation the console sends; `pnpm codegen` types them from packages/server/schema.graphql into src/gql/.
import { graphql } from '../gql/index.ts';

export const RunSummaryFields = graphql(`
  fragment RunSummaryFields on Run {
    id
    name
    status
    task
    strategy
    createdAt
    startedAt
    finishedAt
    attempt
    trainableParameters
    totalParameters
    meanStepSeconds
    peakMemoryBytes
    progress {
      step
      totalSteps
      epoch
      fraction
      etaSeconds
    }
    best {
      metric
      value
      step
    }
    error {
      code
      message
    }
  }
`);

export const RunsQuery = graphql(`
  query Runs($filter: RunFilter, $first: Int!, $after: String) {
    runs(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        cursor
        node {
          ...RunSummaryFields
          model {
            id
            name
          }
          dataset {
            id
            name
          }
        }
      }
    }
    strategies {
      id
    }
  }
`);

export const RunChangedSubscription = graphql(`
  subscription RunChanged($runId: ID) {
    runChanged(runId: $runId) {
      ...RunSummaryFields
      lastSeq
    }
  }
`);

export const RunQuery = graphql(`
  query Run($id: ID!, $afterSeq: Int!, $limit: Int!) {
    run(id: $id) {
      ...RunSummaryFields
      strategyConfig
      hyperparameters
      seed
      device
      maxLength
      lastSeq
      testResults
      model {
        id
        name
        modelType
      }
      dataset {
        id
        name
      }
      checkpoints {
        step
        time
        available
      }
      artifacts {
        id
        kind
        bytes
        sha256
        url
        createdAt
      }
      events(afterSeq: $afterSeq, limit: $limit) {
        seq
        type
        step
        epoch
        time
        values
        message
        code
      }
    }
  }
`);

export const RunEventsSubscription = graphql(`
  subscription RunEvents($runId: ID!, $afterSeq: Int!) {
    runEvents(runId: $runId, afterSeq: $afterSeq) {
      seq
      type
      step
      epoch
      time
      values
      message
      code
    }
  }
`);

export const CancelRunMutation = graphql(`
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      id
      status
    }
  }
`);

export const ResumeRunMutation = graphql(`
  mutation ResumeRun($id: ID!) {
    resumeRun(id: $id) {
      id
      status
    }
  }
`);

export const DeleteRunMutation = graphql(`
  mutation DeleteRun($id: ID!) {
    deleteRun(id: $id)
  }
`);

export const ExportRunMutation = graphql(`
  mutation ExportRun($runId: ID!, $kind: ExportKind!) {
    exportRun(runId: $runId, kind: $kind) {
      id
      kind
      bytes
      sha256
      url
      createdAt
    }
  }
`);

export const NewRunOptionsQuery = graphql(`
  query NewRunOptions {
    models {
      id
      name
      modelType
      parameterCount
      supportedTasks
    }
    datasets {
      id
      name
      task
      rowCount
      labels
    }
    strategies {
      id
      name
      description
      version
      source
      tasks
      architectures
      defaults
      configSchema
    }
    runSettingsSchema
  }
`);

export const PreflightQuery = graphql(`
  query Preflight($input: CreateRunInput!) {
    preflight(input: $input) {
      trainableParameters
      totalParameters
      memoryBytes
      stepsPerEpoch
      secondsPerEpoch
      warnings
      memoryLimitBytes
      error {
        code
        message
      }
    }
  }
`);

export const CreateRunMutation = graphql(`
  mutation CreateRun($input: CreateRunInput!) {
    createRun(input: $input) {
      id
      status
    }
  }
`);

export const CompareRunsQuery = graphql(`
  query CompareRuns($first: Int!) {
    runs(first: $first) {
      edges {
        node {
          ...RunSummaryFields
          hyperparameters
          testResults
          model {
            id
            name
          }
          dataset {
            id
            name
          }
        }
      }
    }
  }
`);

export const RunCurvesQuery = graphql(`
  query RunCurves($id: ID!, $limit: Int!) {
    run(id: $id) {
      id
      events(limit: $limit, types: ["step", "eval"]) {
        seq
        type
        step
        epoch
        time
        values
        message
      }
    }
  }
`);

export const PlaygroundRunsQuery = graphql(`
  query PlaygroundRuns {
    runs(first: 100, filter: { status: [SUCCEEDED] }) {
      edges {
        node {
          id
          name
          task
          strategy
          createdAt
          model {
            id
            name
          }
          dataset {
            id
            name
            columns
          }
        }
      }
    }
  }
`);

export const PredictMutation = graphql(`
  mutation Predict($runId: ID!, $inputs: [PredictInputItem!]!, $compareBase: Boolean!) {
    predict(runId: $runId, inputs: $inputs, compareBase: $compareBase) {
      text
      tuned {
        ...PredictionFields
      }
      base {
        ...PredictionFields
      }
    }
  }
`);

export const PredictionFields = graphql(`
  fragment PredictionFields on PredictionResult {
    task
    labels {
      label
      score
    }
    value
    words {
      word
      tag
      score
    }
    answer {
      text
      start
      end
      score
    }
    fills {
      token
      score
    }
    continuation
  }
`);

export const DatasetsQuery = graphql(`
  query Datasets {
    datasets {
      id
      name
      task
      format
      rowCount
      bytes
      labels
      createdAt
    }
  }
`);

export const DatasetQuery = graphql(`
  query Dataset($id: ID!, $offset: Int!, $limit: Int!) {
    dataset(id: $id) {
      id
      name
      task
      format
      columns
      labels
      filename
      bytes
      rowCount
      createdAt
      statistics {
        rows
        splits {
          train
          validation
          test
        }
        labels {
          label
          count
        }
        textLength {
          min
          p50
          p95
          max
        }
      }
      preview(offset: $offset, limit: $limit) {
        row
        data
      }
    }
    models {
      id
      name
    }
  }
`);

export const TokenLengthsQuery = graphql(`
  query TokenLengths($id: ID!, $modelId: ID!, $bins: Int!) {
    dataset(id: $id) {
      id
      tokenLengths(modelId: $modelId, bins: $bins) {
        counts
        binWidth
        max
        p50
        p95
      }
    }
  }
`);

export const CreateDatasetMutation = graphql(`
  mutation CreateDataset($input: CreateDatasetInput!) {
    createDataset(input: $input) {
      id
      name
      rowCount
    }
  }
`);

export const DeleteDatasetMutation = graphql(`
  mutation DeleteDataset($id: ID!) {
    deleteDataset(id: $id)
  }
`);

export const ModelsQuery = graphql(`
  query Models {
    models {
      id
      name
      modelType
      architecture
      parameterCount
      supportedTasks
      source
      createdAt
      tokenizer {
        type
        vocabSize
      }
    }
  }
`);

export const ModelQuery = graphql(`
  query Model($id: ID!) {
    model(id: $id) {
      id
      name
      modelType
      architecture
      parameterCount
      supportedTasks
      source
      createdAt
      config
      tokenizer {
        type
        vocabSize
      }
    }
  }
`);

export const ImportModelFromUploadMutation = graphql(`
  mutation ImportModelFromUpload($uploadId: ID!, $name: String!) {
    importModelFromUpload(uploadId: $uploadId, name: $name) {
      id
      name
    }
  }
`);

export const ImportModelFromDirectoryMutation = graphql(`
  mutation ImportModelFromDirectory($path: String!, $name: String!) {
    importModelFromDirectory(path: $path, name: $name) {
      id
      name
    }
  }
`);

export const DeleteModelMutation = graphql(`
  mutation DeleteModel($id: ID!) {
    deleteModel(id: $id)
  }
`);

export const StrategiesQuery = graphql(`
  query Strategies {
    strategies {
      id
      name
      description
      version
      source
      tasks
      architectures
      defaults
      configSchema
    }
  }
`);

export const ApiTokensQuery = graphql(`
  query ApiTokens {
    apiTokens {
      id
      name
      prefix
      scopes
      createdAt
      lastUsedAt
      revokedAt
    }
  }
`);

export const CreateApiTokenMutation = graphql(`
  mutation CreateApiToken($name: String!, $scopes: [String!]!) {
    createApiToken(name: $name, scopes: $scopes) {
      secret
      token {
        id
        name
        prefix
        scopes
        createdAt
      }
    }
  }
`);

export const RevokeApiTokenMutation = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id)
  }
`);
