/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment RunSummaryFields on Run {\n    id\n    name\n    status\n    task\n    strategy\n    createdAt\n    startedAt\n    finishedAt\n    attempt\n    trainableParameters\n    totalParameters\n    meanStepSeconds\n    peakMemoryBytes\n    progress {\n      step\n      totalSteps\n      epoch\n      fraction\n      etaSeconds\n    }\n    best {\n      metric\n      value\n      step\n    }\n    error {\n      code\n      message\n    }\n    sweepTrial\n    promoted\n    sweep {\n      id\n      name\n    }\n  }\n": typeof types.RunSummaryFieldsFragmentDoc,
    "\n  query Runs($filter: RunFilter, $first: Int!, $after: String) {\n    runs(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      edges {\n        cursor\n        node {\n          ...RunSummaryFields\n          model {\n            id\n            name\n          }\n          dataset {\n            id\n            name\n          }\n        }\n      }\n    }\n    strategies(first: 100) {\n      nodes {\n        id\n      }\n    }\n  }\n": typeof types.RunsDocument,
    "\n  subscription RunChanged($runId: ID) {\n    runChanged(runId: $runId) {\n      ...RunSummaryFields\n      lastSeq\n    }\n  }\n": typeof types.RunChangedDocument,
    "\n  query Run($id: ID!, $afterSeq: Int!, $limit: Int!) {\n    run(id: $id) {\n      ...RunSummaryFields\n      strategyConfig\n      hyperparameters\n      seed\n      device\n      maxLength\n      lastSeq\n      testResults\n      model {\n        id\n        name\n        modelType\n      }\n      dataset {\n        id\n        name\n      }\n      checkpoints {\n        nodes {\n          step\n          time\n          available\n        }\n      }\n      artifacts {\n        id\n        kind\n        bytes\n        sha256\n        url\n        createdAt\n      }\n      events(afterSeq: $afterSeq, first: $limit) {\n        nodes {\n          ...RunEventFields\n        }\n      }\n    }\n  }\n": typeof types.RunDocument,
    "\n  fragment RunEventFields on RunEvent {\n    seq\n    type\n    step\n    epoch\n    time\n    values\n    message\n    code\n  }\n": typeof types.RunEventFieldsFragmentDoc,
    "\n  subscription RunEvents($runId: ID!, $afterSeq: Int!) {\n    runEvents(runId: $runId, afterSeq: $afterSeq) {\n      ...RunEventFields\n    }\n  }\n": typeof types.RunEventsDocument,
    "\n  mutation CancelRun($id: ID!) {\n    cancelRun(input: {id: $id}) {\n      run {\n        id\n        status\n      }\n    }\n  }\n": typeof types.CancelRunDocument,
    "\n  mutation ResumeRun($id: ID!) {\n    resumeRun(input: {id: $id}) {\n      run {\n        id\n        status\n      }\n    }\n  }\n": typeof types.ResumeRunDocument,
    "\n  mutation DeleteRun($id: ID!) {\n    deleteRun(input: {id: $id}) {\n      deletedId\n    }\n  }\n": typeof types.DeleteRunDocument,
    "\n  mutation ExportRun($runId: ID!, $kind: ExportKind!) {\n    exportRun(input: {runId: $runId, kind: $kind}) {\n      artifact {\n        id\n        kind\n        bytes\n        sha256\n        url\n        createdAt\n      }\n    }\n  }\n": typeof types.ExportRunDocument,
    "\n  query NewRunOptions {\n    models(first: 100) {\n      nodes {\n        id\n        name\n        modelType\n        parameterCount\n        supportedTasks\n      }\n    }\n    datasets(first: 100) {\n      nodes {\n        id\n        name\n        task\n        rowCount\n        labels\n      }\n    }\n    strategies(first: 100) {\n      nodes {\n        ...StrategyFields\n      }\n    }\n    runSettingsSchema\n  }\n": typeof types.NewRunOptionsDocument,
    "\n  query Preflight($input: CreateRunInput!) {\n    preflight(input: $input) {\n      trainableParameters\n      totalParameters\n      memoryBytes\n      stepsPerEpoch\n      secondsPerEpoch\n      warnings\n      memoryLimitBytes\n      error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.PreflightDocument,
    "\n  mutation CreateRun($input: CreateRunInput!) {\n    createRun(input: $input) {\n      run {\n        id\n        status\n      }\n    }\n  }\n": typeof types.CreateRunDocument,
    "\n  query CompareRuns($first: Int!) {\n    runs(first: $first) {\n      edges {\n        node {\n          ...RunSummaryFields\n          hyperparameters\n          testResults\n          model {\n            id\n            name\n          }\n          dataset {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.CompareRunsDocument,
    "\n  query RunCurves($id: ID!, $limit: Int!) {\n    run(id: $id) {\n      id\n      events(first: $limit, types: [STEP, EVAL]) {\n        nodes {\n          ...RunEventFields\n        }\n      }\n    }\n  }\n": typeof types.RunCurvesDocument,
    "\n  query PlaygroundRuns {\n    runs(first: 100, filter: {status: [SUCCEEDED]}) {\n      edges {\n        node {\n          id\n          name\n          task\n          strategy\n          createdAt\n          model {\n            id\n            name\n          }\n          dataset {\n            id\n            name\n            columns\n          }\n        }\n      }\n    }\n  }\n": typeof types.PlaygroundRunsDocument,
    "\n  mutation Predict($runId: ID!, $inputs: [PredictInputItem!]!, $compareBase: Boolean!) {\n    predict(input: {runId: $runId, inputs: $inputs, compareBase: $compareBase}) {\n      predictions {\n        text\n        tuned {\n          ...PredictionFields\n        }\n        base {\n          ...PredictionFields\n        }\n      }\n    }\n  }\n": typeof types.PredictDocument,
    "\n  fragment PredictionFields on PredictionResult {\n    task\n    labels {\n      label\n      score\n    }\n    value\n    words {\n      word\n      tag\n      score\n    }\n    answer {\n      text\n      start\n      end\n      score\n    }\n    fills {\n      token\n      score\n    }\n    continuation\n  }\n": typeof types.PredictionFieldsFragmentDoc,
    "\n  subscription Generate($input: GenerateInput!) {\n    generate(input: $input) {\n      type\n      index\n      text\n      continuation\n      generation {\n        finishReason\n        tokenIds\n        promptTokens\n        seed\n      }\n    }\n  }\n": typeof types.GenerateDocument,
    "\n  query Datasets {\n    datasets(first: 100) {\n      nodes {\n        id\n        name\n        task\n        format\n        rowCount\n        bytes\n        labels\n        createdAt\n      }\n    }\n  }\n": typeof types.DatasetsDocument,
    "\n  query Dataset($id: ID!, $offset: Int!, $limit: Int!) {\n    dataset(id: $id) {\n      id\n      name\n      task\n      format\n      columns\n      labels\n      filename\n      bytes\n      rowCount\n      createdAt\n      statistics {\n        rows\n        splits {\n          train\n          validation\n          test\n        }\n        labels {\n          label\n          count\n        }\n        textLength {\n          min\n          p50\n          p95\n          max\n        }\n      }\n      preview(offset: $offset, limit: $limit) {\n        row\n        data\n      }\n    }\n    models(first: 100) {\n      nodes {\n        id\n        name\n      }\n    }\n  }\n": typeof types.DatasetDocument,
    "\n  query TokenLengths($id: ID!, $modelId: ID!, $bins: Int!) {\n    dataset(id: $id) {\n      id\n      tokenLengths(modelId: $modelId, bins: $bins) {\n        counts\n        binWidth\n        max\n        p50\n        p95\n      }\n    }\n  }\n": typeof types.TokenLengthsDocument,
    "\n  mutation CreateDataset($input: CreateDatasetInput!) {\n    createDataset(input: $input) {\n      dataset {\n        id\n        name\n        rowCount\n      }\n    }\n  }\n": typeof types.CreateDatasetDocument,
    "\n  mutation DeleteDataset($id: ID!) {\n    deleteDataset(input: {id: $id}) {\n      deletedId\n    }\n  }\n": typeof types.DeleteDatasetDocument,
    "\n  query Models {\n    models(first: 100) {\n      nodes {\n        id\n        name\n        modelType\n        architecture\n        parameterCount\n        supportedTasks\n        source\n        createdAt\n        tokenizer {\n          type\n          vocabSize\n        }\n      }\n    }\n  }\n": typeof types.ModelsDocument,
    "\n  query Model($id: ID!) {\n    model(id: $id) {\n      id\n      name\n      modelType\n      architecture\n      parameterCount\n      supportedTasks\n      source\n      createdAt\n      config\n      tokenizer {\n        type\n        vocabSize\n      }\n    }\n  }\n": typeof types.ModelDocument,
    "\n  mutation ImportModelFromUpload($uploadId: ID!, $name: String!) {\n    importModelFromUpload(input: {uploadId: $uploadId, name: $name}) {\n      model {\n        id\n        name\n      }\n    }\n  }\n": typeof types.ImportModelFromUploadDocument,
    "\n  mutation ImportModelFromDirectory($path: String!, $name: String!) {\n    importModelFromDirectory(input: {path: $path, name: $name}) {\n      model {\n        id\n        name\n      }\n    }\n  }\n": typeof types.ImportModelFromDirectoryDocument,
    "\n  mutation DeleteModel($id: ID!) {\n    deleteModel(input: {id: $id}) {\n      deletedId\n    }\n  }\n": typeof types.DeleteModelDocument,
    "\n  fragment StrategyFields on Strategy {\n    id\n    name\n    description\n    version\n    source\n    tasks\n    architectures\n    defaults\n    configSchema\n  }\n": typeof types.StrategyFieldsFragmentDoc,
    "\n  query Strategies {\n    strategies(first: 100) {\n      nodes {\n        ...StrategyFields\n      }\n    }\n  }\n": typeof types.StrategiesDocument,
    "\n  query ApiTokens {\n    apiTokens(first: 100) {\n      nodes {\n        id\n        name\n        prefix\n        scopes\n        createdAt\n        lastUsedAt\n        revokedAt\n      }\n    }\n  }\n": typeof types.ApiTokensDocument,
    "\n  mutation CreateApiToken($name: String!, $scopes: [TokenScope!]!) {\n    createApiToken(input: {name: $name, scopes: $scopes}) {\n      secret\n      token {\n        id\n        name\n        prefix\n        scopes\n        createdAt\n      }\n    }\n  }\n": typeof types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(input: {id: $id}) {\n      token {\n        id\n        revokedAt\n      }\n    }\n  }\n": typeof types.RevokeApiTokenDocument,
    "\n  fragment SweepFields on Sweep {\n    id\n    name\n    status\n    algorithm\n    metric\n    greaterIsBetter\n    maxTrials\n    parallelism\n    seed\n    createdAt\n    finishedAt\n    error {\n      code\n      message\n    }\n    earlyStopping {\n      rule\n      warmupEvaluations\n      minTrials\n    }\n    parameters {\n      name\n      values\n      min\n      max\n      log\n      integer\n    }\n    model {\n      id\n      name\n    }\n    dataset {\n      id\n      name\n    }\n    bestRun {\n      id\n      name\n    }\n  }\n": typeof types.SweepFieldsFragmentDoc,
    "\n  query Sweeps($first: Int!, $after: String) {\n    sweeps(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      nodes {\n        ...SweepFields\n        trials(first: 100) {\n          totalCount\n          nodes {\n            number\n            state\n            objective\n          }\n        }\n      }\n    }\n  }\n": typeof types.SweepsDocument,
    "\n  query Sweep($id: ID!) {\n    sweep(id: $id) {\n      ...SweepFields\n      base\n      trials(first: 100) {\n        totalCount\n        nodes {\n          number\n          params\n          state\n          objective\n          bestSoFar\n          promoted\n          run {\n            id\n            name\n            status\n            lastSeq\n            progress {\n              step\n              totalSteps\n              epoch\n              fraction\n              etaSeconds\n            }\n            error {\n              code\n              message\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.SweepDocument,
    "\n  subscription SweepChanged($sweepId: ID!) {\n    sweepChanged(sweepId: $sweepId) {\n      id\n      status\n    }\n  }\n": typeof types.SweepChangedDocument,
    "\n  mutation CancelSweep($input: CancelSweepInput!) {\n    cancelSweep(input: $input) {\n      sweep {\n        id\n        status\n      }\n    }\n  }\n": typeof types.CancelSweepDocument,
    "\n  mutation CreateSweep($input: CreateSweepInput!) {\n    createSweep(input: $input) {\n      sweep {\n        id\n        status\n      }\n    }\n  }\n": typeof types.CreateSweepDocument,
};
const documents: Documents = {
    "\n  fragment RunSummaryFields on Run {\n    id\n    name\n    status\n    task\n    strategy\n    createdAt\n    startedAt\n    finishedAt\n    attempt\n    trainableParameters\n    totalParameters\n    meanStepSeconds\n    peakMemoryBytes\n    progress {\n      step\n      totalSteps\n      epoch\n      fraction\n      etaSeconds\n    }\n    best {\n      metric\n      value\n      step\n    }\n    error {\n      code\n      message\n    }\n    sweepTrial\n    promoted\n    sweep {\n      id\n      name\n    }\n  }\n": types.RunSummaryFieldsFragmentDoc,
    "\n  query Runs($filter: RunFilter, $first: Int!, $after: String) {\n    runs(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      edges {\n        cursor\n        node {\n          ...RunSummaryFields\n          model {\n            id\n            name\n          }\n          dataset {\n            id\n            name\n          }\n        }\n      }\n    }\n    strategies(first: 100) {\n      nodes {\n        id\n      }\n    }\n  }\n": types.RunsDocument,
    "\n  subscription RunChanged($runId: ID) {\n    runChanged(runId: $runId) {\n      ...RunSummaryFields\n      lastSeq\n    }\n  }\n": types.RunChangedDocument,
    "\n  query Run($id: ID!, $afterSeq: Int!, $limit: Int!) {\n    run(id: $id) {\n      ...RunSummaryFields\n      strategyConfig\n      hyperparameters\n      seed\n      device\n      maxLength\n      lastSeq\n      testResults\n      model {\n        id\n        name\n        modelType\n      }\n      dataset {\n        id\n        name\n      }\n      checkpoints {\n        nodes {\n          step\n          time\n          available\n        }\n      }\n      artifacts {\n        id\n        kind\n        bytes\n        sha256\n        url\n        createdAt\n      }\n      events(afterSeq: $afterSeq, first: $limit) {\n        nodes {\n          ...RunEventFields\n        }\n      }\n    }\n  }\n": types.RunDocument,
    "\n  fragment RunEventFields on RunEvent {\n    seq\n    type\n    step\n    epoch\n    time\n    values\n    message\n    code\n  }\n": types.RunEventFieldsFragmentDoc,
    "\n  subscription RunEvents($runId: ID!, $afterSeq: Int!) {\n    runEvents(runId: $runId, afterSeq: $afterSeq) {\n      ...RunEventFields\n    }\n  }\n": types.RunEventsDocument,
    "\n  mutation CancelRun($id: ID!) {\n    cancelRun(input: {id: $id}) {\n      run {\n        id\n        status\n      }\n    }\n  }\n": types.CancelRunDocument,
    "\n  mutation ResumeRun($id: ID!) {\n    resumeRun(input: {id: $id}) {\n      run {\n        id\n        status\n      }\n    }\n  }\n": types.ResumeRunDocument,
    "\n  mutation DeleteRun($id: ID!) {\n    deleteRun(input: {id: $id}) {\n      deletedId\n    }\n  }\n": types.DeleteRunDocument,
    "\n  mutation ExportRun($runId: ID!, $kind: ExportKind!) {\n    exportRun(input: {runId: $runId, kind: $kind}) {\n      artifact {\n        id\n        kind\n        bytes\n        sha256\n        url\n        createdAt\n      }\n    }\n  }\n": types.ExportRunDocument,
    "\n  query NewRunOptions {\n    models(first: 100) {\n      nodes {\n        id\n        name\n        modelType\n        parameterCount\n        supportedTasks\n      }\n    }\n    datasets(first: 100) {\n      nodes {\n        id\n        name\n        task\n        rowCount\n        labels\n      }\n    }\n    strategies(first: 100) {\n      nodes {\n        ...StrategyFields\n      }\n    }\n    runSettingsSchema\n  }\n": types.NewRunOptionsDocument,
    "\n  query Preflight($input: CreateRunInput!) {\n    preflight(input: $input) {\n      trainableParameters\n      totalParameters\n      memoryBytes\n      stepsPerEpoch\n      secondsPerEpoch\n      warnings\n      memoryLimitBytes\n      error {\n        code\n        message\n      }\n    }\n  }\n": types.PreflightDocument,
    "\n  mutation CreateRun($input: CreateRunInput!) {\n    createRun(input: $input) {\n      run {\n        id\n        status\n      }\n    }\n  }\n": types.CreateRunDocument,
    "\n  query CompareRuns($first: Int!) {\n    runs(first: $first) {\n      edges {\n        node {\n          ...RunSummaryFields\n          hyperparameters\n          testResults\n          model {\n            id\n            name\n          }\n          dataset {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.CompareRunsDocument,
    "\n  query RunCurves($id: ID!, $limit: Int!) {\n    run(id: $id) {\n      id\n      events(first: $limit, types: [STEP, EVAL]) {\n        nodes {\n          ...RunEventFields\n        }\n      }\n    }\n  }\n": types.RunCurvesDocument,
    "\n  query PlaygroundRuns {\n    runs(first: 100, filter: {status: [SUCCEEDED]}) {\n      edges {\n        node {\n          id\n          name\n          task\n          strategy\n          createdAt\n          model {\n            id\n            name\n          }\n          dataset {\n            id\n            name\n            columns\n          }\n        }\n      }\n    }\n  }\n": types.PlaygroundRunsDocument,
    "\n  mutation Predict($runId: ID!, $inputs: [PredictInputItem!]!, $compareBase: Boolean!) {\n    predict(input: {runId: $runId, inputs: $inputs, compareBase: $compareBase}) {\n      predictions {\n        text\n        tuned {\n          ...PredictionFields\n        }\n        base {\n          ...PredictionFields\n        }\n      }\n    }\n  }\n": types.PredictDocument,
    "\n  fragment PredictionFields on PredictionResult {\n    task\n    labels {\n      label\n      score\n    }\n    value\n    words {\n      word\n      tag\n      score\n    }\n    answer {\n      text\n      start\n      end\n      score\n    }\n    fills {\n      token\n      score\n    }\n    continuation\n  }\n": types.PredictionFieldsFragmentDoc,
    "\n  subscription Generate($input: GenerateInput!) {\n    generate(input: $input) {\n      type\n      index\n      text\n      continuation\n      generation {\n        finishReason\n        tokenIds\n        promptTokens\n        seed\n      }\n    }\n  }\n": types.GenerateDocument,
    "\n  query Datasets {\n    datasets(first: 100) {\n      nodes {\n        id\n        name\n        task\n        format\n        rowCount\n        bytes\n        labels\n        createdAt\n      }\n    }\n  }\n": types.DatasetsDocument,
    "\n  query Dataset($id: ID!, $offset: Int!, $limit: Int!) {\n    dataset(id: $id) {\n      id\n      name\n      task\n      format\n      columns\n      labels\n      filename\n      bytes\n      rowCount\n      createdAt\n      statistics {\n        rows\n        splits {\n          train\n          validation\n          test\n        }\n        labels {\n          label\n          count\n        }\n        textLength {\n          min\n          p50\n          p95\n          max\n        }\n      }\n      preview(offset: $offset, limit: $limit) {\n        row\n        data\n      }\n    }\n    models(first: 100) {\n      nodes {\n        id\n        name\n      }\n    }\n  }\n": types.DatasetDocument,
    "\n  query TokenLengths($id: ID!, $modelId: ID!, $bins: Int!) {\n    dataset(id: $id) {\n      id\n      tokenLengths(modelId: $modelId, bins: $bins) {\n        counts\n        binWidth\n        max\n        p50\n        p95\n      }\n    }\n  }\n": types.TokenLengthsDocument,
    "\n  mutation CreateDataset($input: CreateDatasetInput!) {\n    createDataset(input: $input) {\n      dataset {\n        id\n        name\n        rowCount\n      }\n    }\n  }\n": types.CreateDatasetDocument,
    "\n  mutation DeleteDataset($id: ID!) {\n    deleteDataset(input: {id: $id}) {\n      deletedId\n    }\n  }\n": types.DeleteDatasetDocument,
    "\n  query Models {\n    models(first: 100) {\n      nodes {\n        id\n        name\n        modelType\n        architecture\n        parameterCount\n        supportedTasks\n        source\n        createdAt\n        tokenizer {\n          type\n          vocabSize\n        }\n      }\n    }\n  }\n": types.ModelsDocument,
    "\n  query Model($id: ID!) {\n    model(id: $id) {\n      id\n      name\n      modelType\n      architecture\n      parameterCount\n      supportedTasks\n      source\n      createdAt\n      config\n      tokenizer {\n        type\n        vocabSize\n      }\n    }\n  }\n": types.ModelDocument,
    "\n  mutation ImportModelFromUpload($uploadId: ID!, $name: String!) {\n    importModelFromUpload(input: {uploadId: $uploadId, name: $name}) {\n      model {\n        id\n        name\n      }\n    }\n  }\n": types.ImportModelFromUploadDocument,
    "\n  mutation ImportModelFromDirectory($path: String!, $name: String!) {\n    importModelFromDirectory(input: {path: $path, name: $name}) {\n      model {\n        id\n        name\n      }\n    }\n  }\n": types.ImportModelFromDirectoryDocument,
    "\n  mutation DeleteModel($id: ID!) {\n    deleteModel(input: {id: $id}) {\n      deletedId\n    }\n  }\n": types.DeleteModelDocument,
    "\n  fragment StrategyFields on Strategy {\n    id\n    name\n    description\n    version\n    source\n    tasks\n    architectures\n    defaults\n    configSchema\n  }\n": types.StrategyFieldsFragmentDoc,
    "\n  query Strategies {\n    strategies(first: 100) {\n      nodes {\n        ...StrategyFields\n      }\n    }\n  }\n": types.StrategiesDocument,
    "\n  query ApiTokens {\n    apiTokens(first: 100) {\n      nodes {\n        id\n        name\n        prefix\n        scopes\n        createdAt\n        lastUsedAt\n        revokedAt\n      }\n    }\n  }\n": types.ApiTokensDocument,
    "\n  mutation CreateApiToken($name: String!, $scopes: [TokenScope!]!) {\n    createApiToken(input: {name: $name, scopes: $scopes}) {\n      secret\n      token {\n        id\n        name\n        prefix\n        scopes\n        createdAt\n      }\n    }\n  }\n": types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(input: {id: $id}) {\n      token {\n        id\n        revokedAt\n      }\n    }\n  }\n": types.RevokeApiTokenDocument,
    "\n  fragment SweepFields on Sweep {\n    id\n    name\n    status\n    algorithm\n    metric\n    greaterIsBetter\n    maxTrials\n    parallelism\n    seed\n    createdAt\n    finishedAt\n    error {\n      code\n      message\n    }\n    earlyStopping {\n      rule\n      warmupEvaluations\n      minTrials\n    }\n    parameters {\n      name\n      values\n      min\n      max\n      log\n      integer\n    }\n    model {\n      id\n      name\n    }\n    dataset {\n      id\n      name\n    }\n    bestRun {\n      id\n      name\n    }\n  }\n": types.SweepFieldsFragmentDoc,
    "\n  query Sweeps($first: Int!, $after: String) {\n    sweeps(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      nodes {\n        ...SweepFields\n        trials(first: 100) {\n          totalCount\n          nodes {\n            number\n            state\n            objective\n          }\n        }\n      }\n    }\n  }\n": types.SweepsDocument,
    "\n  query Sweep($id: ID!) {\n    sweep(id: $id) {\n      ...SweepFields\n      base\n      trials(first: 100) {\n        totalCount\n        nodes {\n          number\n          params\n          state\n          objective\n          bestSoFar\n          promoted\n          run {\n            id\n            name\n            status\n            lastSeq\n            progress {\n              step\n              totalSteps\n              epoch\n              fraction\n              etaSeconds\n            }\n            error {\n              code\n              message\n            }\n          }\n        }\n      }\n    }\n  }\n": types.SweepDocument,
    "\n  subscription SweepChanged($sweepId: ID!) {\n    sweepChanged(sweepId: $sweepId) {\n      id\n      status\n    }\n  }\n": types.SweepChangedDocument,
    "\n  mutation CancelSweep($input: CancelSweepInput!) {\n    cancelSweep(input: $input) {\n      sweep {\n        id\n        status\n      }\n    }\n  }\n": types.CancelSweepDocument,
    "\n  mutation CreateSweep($input: CreateSweepInput!) {\n    createSweep(input: $input) {\n      sweep {\n        id\n        status\n      }\n    }\n  }\n": types.CreateSweepDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RunSummaryFields on Run {\n    id\n    name\n    status\n    task\n    strategy\n    createdAt\n    startedAt\n    finishedAt\n    attempt\n    trainableParameters\n    totalParameters\n    meanStepSeconds\n    peakMemoryBytes\n    progress {\n      step\n      totalSteps\n      epoch\n      fraction\n      etaSeconds\n    }\n    best {\n      metric\n      value\n      step\n    }\n    error {\n      code\n      message\n    }\n    sweepTrial\n    promoted\n    sweep {\n      id\n      name\n    }\n  }\n"): typeof import('./graphql').RunSummaryFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Runs($filter: RunFilter, $first: Int!, $after: String) {\n    runs(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      edges {\n        cursor\n        node {\n          ...RunSummaryFields\n          model {\n            id\n            name\n          }\n          dataset {\n            id\n            name\n          }\n        }\n      }\n    }\n    strategies(first: 100) {\n      nodes {\n        id\n      }\n    }\n  }\n"): typeof import('./graphql').RunsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunChanged($runId: ID) {\n    runChanged(runId: $runId) {\n      ...RunSummaryFields\n      lastSeq\n    }\n  }\n"): typeof import('./graphql').RunChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Run($id: ID!, $afterSeq: Int!, $limit: Int!) {\n    run(id: $id) {\n      ...RunSummaryFields\n      strategyConfig\n      hyperparameters\n      seed\n      device\n      maxLength\n      lastSeq\n      testResults\n      model {\n        id\n        name\n        modelType\n      }\n      dataset {\n        id\n        name\n      }\n      checkpoints {\n        nodes {\n          step\n          time\n          available\n        }\n      }\n      artifacts {\n        id\n        kind\n        bytes\n        sha256\n        url\n        createdAt\n      }\n      events(afterSeq: $afterSeq, first: $limit) {\n        nodes {\n          ...RunEventFields\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').RunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RunEventFields on RunEvent {\n    seq\n    type\n    step\n    epoch\n    time\n    values\n    message\n    code\n  }\n"): typeof import('./graphql').RunEventFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunEvents($runId: ID!, $afterSeq: Int!) {\n    runEvents(runId: $runId, afterSeq: $afterSeq) {\n      ...RunEventFields\n    }\n  }\n"): typeof import('./graphql').RunEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelRun($id: ID!) {\n    cancelRun(input: {id: $id}) {\n      run {\n        id\n        status\n      }\n    }\n  }\n"): typeof import('./graphql').CancelRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResumeRun($id: ID!) {\n    resumeRun(input: {id: $id}) {\n      run {\n        id\n        status\n      }\n    }\n  }\n"): typeof import('./graphql').ResumeRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteRun($id: ID!) {\n    deleteRun(input: {id: $id}) {\n      deletedId\n    }\n  }\n"): typeof import('./graphql').DeleteRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ExportRun($runId: ID!, $kind: ExportKind!) {\n    exportRun(input: {runId: $runId, kind: $kind}) {\n      artifact {\n        id\n        kind\n        bytes\n        sha256\n        url\n        createdAt\n      }\n    }\n  }\n"): typeof import('./graphql').ExportRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NewRunOptions {\n    models(first: 100) {\n      nodes {\n        id\n        name\n        modelType\n        parameterCount\n        supportedTasks\n      }\n    }\n    datasets(first: 100) {\n      nodes {\n        id\n        name\n        task\n        rowCount\n        labels\n      }\n    }\n    strategies(first: 100) {\n      nodes {\n        ...StrategyFields\n      }\n    }\n    runSettingsSchema\n  }\n"): typeof import('./graphql').NewRunOptionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Preflight($input: CreateRunInput!) {\n    preflight(input: $input) {\n      trainableParameters\n      totalParameters\n      memoryBytes\n      stepsPerEpoch\n      secondsPerEpoch\n      warnings\n      memoryLimitBytes\n      error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql').PreflightDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateRun($input: CreateRunInput!) {\n    createRun(input: $input) {\n      run {\n        id\n        status\n      }\n    }\n  }\n"): typeof import('./graphql').CreateRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CompareRuns($first: Int!) {\n    runs(first: $first) {\n      edges {\n        node {\n          ...RunSummaryFields\n          hyperparameters\n          testResults\n          model {\n            id\n            name\n          }\n          dataset {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').CompareRunsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunCurves($id: ID!, $limit: Int!) {\n    run(id: $id) {\n      id\n      events(first: $limit, types: [STEP, EVAL]) {\n        nodes {\n          ...RunEventFields\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').RunCurvesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PlaygroundRuns {\n    runs(first: 100, filter: {status: [SUCCEEDED]}) {\n      edges {\n        node {\n          id\n          name\n          task\n          strategy\n          createdAt\n          model {\n            id\n            name\n          }\n          dataset {\n            id\n            name\n            columns\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').PlaygroundRunsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Predict($runId: ID!, $inputs: [PredictInputItem!]!, $compareBase: Boolean!) {\n    predict(input: {runId: $runId, inputs: $inputs, compareBase: $compareBase}) {\n      predictions {\n        text\n        tuned {\n          ...PredictionFields\n        }\n        base {\n          ...PredictionFields\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').PredictDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PredictionFields on PredictionResult {\n    task\n    labels {\n      label\n      score\n    }\n    value\n    words {\n      word\n      tag\n      score\n    }\n    answer {\n      text\n      start\n      end\n      score\n    }\n    fills {\n      token\n      score\n    }\n    continuation\n  }\n"): typeof import('./graphql').PredictionFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Generate($input: GenerateInput!) {\n    generate(input: $input) {\n      type\n      index\n      text\n      continuation\n      generation {\n        finishReason\n        tokenIds\n        promptTokens\n        seed\n      }\n    }\n  }\n"): typeof import('./graphql').GenerateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Datasets {\n    datasets(first: 100) {\n      nodes {\n        id\n        name\n        task\n        format\n        rowCount\n        bytes\n        labels\n        createdAt\n      }\n    }\n  }\n"): typeof import('./graphql').DatasetsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Dataset($id: ID!, $offset: Int!, $limit: Int!) {\n    dataset(id: $id) {\n      id\n      name\n      task\n      format\n      columns\n      labels\n      filename\n      bytes\n      rowCount\n      createdAt\n      statistics {\n        rows\n        splits {\n          train\n          validation\n          test\n        }\n        labels {\n          label\n          count\n        }\n        textLength {\n          min\n          p50\n          p95\n          max\n        }\n      }\n      preview(offset: $offset, limit: $limit) {\n        row\n        data\n      }\n    }\n    models(first: 100) {\n      nodes {\n        id\n        name\n      }\n    }\n  }\n"): typeof import('./graphql').DatasetDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TokenLengths($id: ID!, $modelId: ID!, $bins: Int!) {\n    dataset(id: $id) {\n      id\n      tokenLengths(modelId: $modelId, bins: $bins) {\n        counts\n        binWidth\n        max\n        p50\n        p95\n      }\n    }\n  }\n"): typeof import('./graphql').TokenLengthsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateDataset($input: CreateDatasetInput!) {\n    createDataset(input: $input) {\n      dataset {\n        id\n        name\n        rowCount\n      }\n    }\n  }\n"): typeof import('./graphql').CreateDatasetDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteDataset($id: ID!) {\n    deleteDataset(input: {id: $id}) {\n      deletedId\n    }\n  }\n"): typeof import('./graphql').DeleteDatasetDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Models {\n    models(first: 100) {\n      nodes {\n        id\n        name\n        modelType\n        architecture\n        parameterCount\n        supportedTasks\n        source\n        createdAt\n        tokenizer {\n          type\n          vocabSize\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').ModelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Model($id: ID!) {\n    model(id: $id) {\n      id\n      name\n      modelType\n      architecture\n      parameterCount\n      supportedTasks\n      source\n      createdAt\n      config\n      tokenizer {\n        type\n        vocabSize\n      }\n    }\n  }\n"): typeof import('./graphql').ModelDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ImportModelFromUpload($uploadId: ID!, $name: String!) {\n    importModelFromUpload(input: {uploadId: $uploadId, name: $name}) {\n      model {\n        id\n        name\n      }\n    }\n  }\n"): typeof import('./graphql').ImportModelFromUploadDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ImportModelFromDirectory($path: String!, $name: String!) {\n    importModelFromDirectory(input: {path: $path, name: $name}) {\n      model {\n        id\n        name\n      }\n    }\n  }\n"): typeof import('./graphql').ImportModelFromDirectoryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteModel($id: ID!) {\n    deleteModel(input: {id: $id}) {\n      deletedId\n    }\n  }\n"): typeof import('./graphql').DeleteModelDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StrategyFields on Strategy {\n    id\n    name\n    description\n    version\n    source\n    tasks\n    architectures\n    defaults\n    configSchema\n  }\n"): typeof import('./graphql').StrategyFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Strategies {\n    strategies(first: 100) {\n      nodes {\n        ...StrategyFields\n      }\n    }\n  }\n"): typeof import('./graphql').StrategiesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiTokens {\n    apiTokens(first: 100) {\n      nodes {\n        id\n        name\n        prefix\n        scopes\n        createdAt\n        lastUsedAt\n        revokedAt\n      }\n    }\n  }\n"): typeof import('./graphql').ApiTokensDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiToken($name: String!, $scopes: [TokenScope!]!) {\n    createApiToken(input: {name: $name, scopes: $scopes}) {\n      secret\n      token {\n        id\n        name\n        prefix\n        scopes\n        createdAt\n      }\n    }\n  }\n"): typeof import('./graphql').CreateApiTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(input: {id: $id}) {\n      token {\n        id\n        revokedAt\n      }\n    }\n  }\n"): typeof import('./graphql').RevokeApiTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SweepFields on Sweep {\n    id\n    name\n    status\n    algorithm\n    metric\n    greaterIsBetter\n    maxTrials\n    parallelism\n    seed\n    createdAt\n    finishedAt\n    error {\n      code\n      message\n    }\n    earlyStopping {\n      rule\n      warmupEvaluations\n      minTrials\n    }\n    parameters {\n      name\n      values\n      min\n      max\n      log\n      integer\n    }\n    model {\n      id\n      name\n    }\n    dataset {\n      id\n      name\n    }\n    bestRun {\n      id\n      name\n    }\n  }\n"): typeof import('./graphql').SweepFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Sweeps($first: Int!, $after: String) {\n    sweeps(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      nodes {\n        ...SweepFields\n        trials(first: 100) {\n          totalCount\n          nodes {\n            number\n            state\n            objective\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').SweepsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Sweep($id: ID!) {\n    sweep(id: $id) {\n      ...SweepFields\n      base\n      trials(first: 100) {\n        totalCount\n        nodes {\n          number\n          params\n          state\n          objective\n          bestSoFar\n          promoted\n          run {\n            id\n            name\n            status\n            lastSeq\n            progress {\n              step\n              totalSteps\n              epoch\n              fraction\n              etaSeconds\n            }\n            error {\n              code\n              message\n            }\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').SweepDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SweepChanged($sweepId: ID!) {\n    sweepChanged(sweepId: $sweepId) {\n      id\n      status\n    }\n  }\n"): typeof import('./graphql').SweepChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelSweep($input: CancelSweepInput!) {\n    cancelSweep(input: $input) {\n      sweep {\n        id\n        status\n      }\n    }\n  }\n"): typeof import('./graphql').CancelSweepDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateSweep($input: CreateSweepInput!) {\n    createSweep(input: $input) {\n      sweep {\n        id\n        status\n      }\n    }\n  }\n"): typeof import('./graphql').CreateSweepDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
