// @pyfunc/core/environment: the Python environment files saveModel writes (MLflow's conda_env / pip_requirements
// handling) and the MLmodel blocks of resources, auth policies and prompts.
export {
  CONSTRAINTS_FILE_NAME,
  type CondaEnv,
  getDefaultCondaEnv,
  getDefaultPipRequirements,
  mlflowCondaEnv,
  mlflowVersionPinning,
  type ProcessedPythonEnv,
  type PythonEnvOptions,
  parsePipRequirements,
  pipDepsOf,
  processPythonEnv,
  validateEnvArguments,
  writeProcessedPythonEnv,
} from "./python-env.js";
export {
  type AuthPolicy,
  authPolicyDict,
  type ModelResource,
  type PromptReference,
  promptUris,
  RESOURCE_TYPES,
  type ResourcesDict,
  type ResourcesSource,
  type ResourceType,
  resolveResources,
  resourcesDict,
} from "./resources.js";
