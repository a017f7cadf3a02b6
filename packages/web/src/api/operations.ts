// Every GraphQL operation the console sends; `pnpm codegen` types them from packages/server/schema.graphql into src/gql/.
// Lists ask for the most a page may hold (100); a list past that shows its first 100.
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
    sweepTrial
    promoted
    sweep {
      id
      name
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
    strategies(first: 100) {
      nodes {
        id
      }
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
        nodes {
          step
          time
          available
        }
      }
      artifacts {
        id
        kind
        bytes
        sha256
        url
        createdAt
      }
      events(afterSeq: $afterSeq, first: $limit) {
        nodes {
          ...RunEventFields
        }
      }
    }
  }
`);

export const RunEventFields = graphql(`
  fragment RunEventFields on RunEvent {
    seq
    type
    step
    epoch
    time
    values
    message
    code
  }
`);

export const RunEventsSubscription = graphql(`
  subscription RunEvents($runId: ID!, $afterSeq: Int!) {
    runEvents(runId: $runId, afterSeq: $afterSeq) {
      ...RunEventFields
    }
  }
`);

export const CancelRunMutation = graphql(`
  mutation CancelRun($id: ID!) {
    cancelRun(input: {id: $id}) {
      run {
        id
        status
      }
    }
  }
`);

export const ResumeRunMutation = graphql(`
  mutation ResumeRun($id: ID!) {
    resumeRun(input: {id: $id}) {
      run {
        id
        status
      }
    }
  }
`);

export const DeleteRunMutation = graphql(`
  mutation DeleteRun($id: ID!) {
    deleteRun(input: {id: $id}) {
      deletedId
    }
  }
`);

export const ExportRunMutation = graphql(`
  mutation ExportRun($runId: ID!, $kind: ExportKind!) {
    exportRun(input: {runId: $runId, kind: $kind}) {
      artifact {
        id
        kind
        bytes
        sha256
        url
        createdAt
      }
    }
  }
`);

export const NewRunOptionsQuery = graphql(`
  query NewRunOptions {
    models(first: 100) {
      nodes {
        id
        name
        modelType
        parameterCount
        supportedTasks
      }
    }
    datasets(first: 100) {
      nodes {
        id
        name
        task
        rowCount
        labels
      }
    }
    strategies(first: 100) {
      nodes {
        ...StrategyFields
      }
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
      run {
        id
        status
      }
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
      events(first: $limit, types: [STEP, EVAL]) {
        nodes {
          ...RunEventFields
        }
      }
    }
  }
`);

export const PlaygroundRunsQuery = graphql(`
  query PlaygroundRuns {
    runs(first: 100, filter: {status: [SUCCEEDED]}) {
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
    predict(input: {runId: $runId, inputs: $inputs, compareBase: $compareBase}) {
      predictions {
        text
        tuned {
          ...PredictionFields
        }
        base {
          ...PredictionFields
        }
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

export const GenerateSubscription = graphql(`
  subscription Generate($input: GenerateInput!) {
    generate(input: $input) {
      type
      index
      text
      continuation
      generation {
        finishReason
        tokenIds
        promptTokens
        seed
      }
    }
  }
`);

export const DatasetsQuery = graphql(`
  query Datasets {
    datasets(first: 100) {
      nodes {
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
    models(first: 100) {
      nodes {
        id
        name
      }
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
      dataset {
        id
        name
        rowCount
      }
    }
  }
`);

export const DeleteDatasetMutation = graphql(`
  mutation DeleteDataset($id: ID!) {
    deleteDataset(input: {id: $id}) {
      deletedId
    }
  }
`);

export const ModelsQuery = graphql(`
  query Models {
    models(first: 100) {
      nodes {
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
    importModelFromUpload(input: {uploadId: $uploadId, name: $name}) {
      model {
        id
        name
      }
    }
  }
`);

export const ImportModelFromDirectoryMutation = graphql(`
  mutation ImportModelFromDirectory($path: String!, $name: String!) {
    importModelFromDirectory(input: {path: $path, name: $name}) {
      model {
        id
        name
      }
    }
  }
`);

export const DeleteModelMutation = graphql(`
  mutation DeleteModel($id: ID!) {
    deleteModel(input: {id: $id}) {
      deletedId
    }
  }
`);

export const StrategyFields = graphql(`
  fragment StrategyFields on Strategy {
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
`);

export const StrategiesQuery = graphql(`
  query Strategies {
    strategies(first: 100) {
      nodes {
        ...StrategyFields
      }
    }
  }
`);

export const ApiTokensQuery = graphql(`
  query ApiTokens {
    apiTokens(first: 100) {
      nodes {
        id
        name
        prefix
        scopes
        createdAt
        lastUsedAt
        revokedAt
      }
    }
  }
`);

export const CreateApiTokenMutation = graphql(`
  mutation CreateApiToken($name: String!, $scopes: [TokenScope!]!) {
    createApiToken(input: {name: $name, scopes: $scopes}) {
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
    revokeApiToken(input: {id: $id}) {
      token {
        id
        revokedAt
      }
    }
  }
`);

export const SweepFields = graphql(`
  fragment SweepFields on Sweep {
    id
    name
    status
    algorithm
    metric
    greaterIsBetter
    maxTrials
    parallelism
    seed
    createdAt
    finishedAt
    error {
      code
      message
    }
    earlyStopping {
      rule
      warmupEvaluations
      minTrials
    }
    parameters {
      name
      values
      min
      max
      log
      integer
    }
    model {
      id
      name
    }
    dataset {
      id
      name
    }
    bestRun {
      id
      name
    }
  }
`);

export const SweepsQuery = graphql(`
  query Sweeps($first: Int!, $after: String) {
    sweeps(first: $first, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        ...SweepFields
        trials(first: 100) {
          totalCount
          nodes {
            number
            state
            objective
          }
        }
      }
    }
  }
`);

export const SweepQuery = graphql(`
  query Sweep($id: ID!) {
    sweep(id: $id) {
      ...SweepFields
      base
      trials(first: 100) {
        totalCount
        nodes {
          number
          params
          state
          objective
          bestSoFar
          promoted
          run {
            id
            name
            status
            lastSeq
            progress {
              step
              totalSteps
              epoch
              fraction
              etaSeconds
            }
            error {
              code
              message
            }
          }
        }
      }
    }
  }
`);

export const SweepChangedSubscription = graphql(`
  subscription SweepChanged($sweepId: ID!) {
    sweepChanged(sweepId: $sweepId) {
      id
      status
    }
  }
`);

export const CancelSweepMutation = graphql(`
  mutation CancelSweep($input: CancelSweepInput!) {
    cancelSweep(input: $input) {
      sweep {
        id
        status
      }
    }
  }
`);

export const CreateSweepMutation = graphql(`
  mutation CreateSweep($input: CreateSweepInput!) {
    createSweep(input: $input) {
      sweep {
        id
        status
      }
    }
  }
`);
