/**
 * Wire types of the REST API, named once.
 *
 * Every type here comes from the generated `schema.ts` (produced from the
 * server's OpenAPI document by `jlpm generate:api`): never hand-copy a wire type.
 */
import type { components } from './schema';

type Schemas = components['schemas'];

export type Experiment = Schemas['Experiment'];
export type ExperimentList = Schemas['ExperimentList'];
export type ExperimentCreate = Schemas['ExperimentCreate'];
export type ExperimentUpdate = Schemas['ExperimentUpdate'];
export type ServerStatus = Schemas['Status'];
export type ErrorResponse = Schemas['ErrorResponse'];
export type Run = Schemas['Run'];
export type RunStatus = Run['status'];
export type RunList = Schemas['RunList'];
export type RunUpdate = Schemas['RunUpdate'];
export type ExperimentKeys = Schemas['ExperimentKeys'];
export type MetricPoint = Schemas['MetricPoint'];
export type MetricHistory = Schemas['MetricHistory'];
export type MetricHistoryList = Schemas['MetricHistoryList'];
export type ArtifactEntry = Schemas['ArtifactEntry'];
export type ArtifactList = Schemas['ArtifactList'];
export type Job = Schemas['Job'];
export type JobKind = Job['kind'];
export type JobStatus = Job['status'];
export type JobList = Schemas['JobList'];
export type JobClone = Schemas['JobClone'];
export type JobLogChunk = Schemas['JobLogChunk'];
export type TrainingJobCreate = Schemas['TrainingJobCreate'];
export type ProcessingJobCreate = Schemas['ProcessingJobCreate'];
export type Algorithm = Schemas['Algorithm'];
export type AlgorithmTask = Algorithm['task'];
export type AlgorithmList = Schemas['AlgorithmList'];
export type DataColumns = Schemas['DataColumns'];
export type ModelGroup = Schemas['ModelGroup'];
export type ModelGroupList = Schemas['ModelGroupList'];
export type ModelGroupCreate = Schemas['ModelGroupCreate'];
export type ModelGroupUpdate = Schemas['ModelGroupUpdate'];
export type ModelVersion = Schemas['ModelVersion'];
export type ModelVersionList = Schemas['ModelVersionList'];
export type ModelVersionCreate = Schemas['ModelVersionCreate'];
export type ModelVersionUpdate = Schemas['ModelVersionUpdate'];
export type ModelCard = Schemas['ModelCard'];
export type ApprovalStatus = ModelVersion['approval_status'];
export type ApprovalEvent = Schemas['ApprovalEvent'];
export type ApprovalChange = Schemas['ApprovalChange'];
export type AliasSet = Schemas['AliasSet'];
export type Lineage = Schemas['Lineage'];
export type Endpoint = Schemas['Endpoint'];
export type EndpointStatus = Endpoint['status'];
export type EndpointList = Schemas['EndpointList'];
export type EndpointCreate = Schemas['EndpointCreate'];
export type EndpointUpdate = Schemas['EndpointUpdate'];
export type EndpointVariant = Schemas['EndpointVariant'];
export type EndpointVariantIn = Schemas['EndpointVariantIn'];
export type EndpointCaptureIn = Schemas['EndpointCaptureIn'];
export type EndpointMetrics = Schemas['EndpointMetrics'];
export type EndpointLogChunk = Schemas['EndpointLogChunk'];
export type EndpointError = Schemas['EndpointError'];
export type EndpointErrorList = Schemas['EndpointErrorList'];
export type EndpointExample = Schemas['EndpointExample'];
export type TuningJob = Schemas['TuningJob'];
export type TuningJobStatus = TuningJob['status'];
export type TuningJobSpec = Schemas['TuningJobSpec'];
export type TuningJobCreate = Schemas['TuningJobCreate'];
export type TuningJobClone = Schemas['TuningJobClone'];
export type TuningJobList = Schemas['TuningJobList'];
export type TuningLimits = Schemas['TuningLimits'];
export type TuningObjective = Schemas['Objective'];
export type TuningProgress = Schemas['TrialCounts'];
export type ContinuousRange = Schemas['ContinuousRange'];
export type IntegerRange = Schemas['IntegerRange'];
export type CategoricalRange = Schemas['CategoricalRange'];
export type ParameterRange = ContinuousRange | IntegerRange | CategoricalRange;
export type TuningStrategy = TuningJob['strategy'];
export type SageMakerTuningJobCreate = Schemas['SageMakerTuningJobCreate'];
export type SageMakerTuningJobCreated = Schemas['SageMakerTuningJobCreated'];
export type TrialInfo = Schemas['TrialInfo'];
export type TrialState = TrialInfo['state'];
export type TrialList = Schemas['TrialList'];
export type TuningImportances = Schemas['Importances'];
export type ParamImportance = Schemas['ParamImportance'];
export type ParetoFront = Schemas['ParetoFront'];
export type WarmStartReport = Schemas['WarmStartReport'];
