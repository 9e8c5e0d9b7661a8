"""Import of a SageMaker pipeline definition: the abalone example's shape (processing ->
training -> evaluation with a property file -> condition -> register or fail, then a
batch transform of the registered model) becomes a valid .pipeline document with the
references in our spelling; unsupported step types, properties and versions are each
named in one error."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.pipelines.definition import load_document
from jupyter_mlstudio.pipelines.sagemaker_import import import_definition

BUCKET = "s3://sagemaker-us-east-1-111122223333/abalone"
ROLE = "arn:aws:iam::111122223333:role/SageMakerRole"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:0.23-1-cpu-py3"
XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3"


def _resources() -> dict[str, Any]:
    return {
        "ClusterConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    }


def abalone_definition() -> dict[str, Any]:
    """As ``Pipeline.definition()`` writes the SageMaker examples' abalone pipeline."""
    register = {
        "Name": "AbaloneRegisterModel",
        "Type": "RegisterModel",
        "Arguments": {
            "ModelPackageGroupName": "AbaloneModelPackageGroupName",
            "ModelMetrics": {
                "ModelQuality": {
                    "Statistics": {
                        "ContentType": "application/json",
                        "S3Uri": f"{BUCKET}/evaluation.json",
                    }
                }
            },
            "InferenceSpecification": {
                "Containers": [
                    {
                        "Image": XGBOOST,
                        "ModelDataUrl": {
                            "Get": "Steps.AbaloneTrain.ModelArtifacts.S3ModelArtifacts"
                        },
                    }
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            "ModelApprovalStatus": {"Get": "Parameters.ModelApprovalStatus"},
        },
    }
    fail = {
        "Name": "AbaloneMSEFail",
        "Type": "Fail",
        "Arguments": {
            "ErrorMessage": {
                "Std:Join": {
                    "On": " ",
                    "Values": [
                        "Execution failed due to MSE >",
                        {"Get": "Parameters.MseThreshold"},
                    ],
                }
            }
        },
    }
    return {
        "Version": "2020-12-01",
        "Metadata": {},
        "Parameters": [
            {"Name": "ProcessingInstanceCount", "Type": "Integer", "DefaultValue": 1},
            {"Name": "ModelApprovalStatus", "Type": "String", "DefaultValue": "Approved"},
            {"Name": "InputData", "Type": "String", "DefaultValue": f"{BUCKET}/abalone.csv"},
            {"Name": "BatchData", "Type": "String", "DefaultValue": f"{BUCKET}/batch.csv"},
            {"Name": "MseThreshold", "Type": "Float", "DefaultValue": 6.0},
        ],
        "PipelineExperimentConfig": {
            "ExperimentName": {"Get": "Execution.PipelineName"},
            "TrialName": {"Get": "Execution.PipelineExecutionId"},
        },
        "Steps": [
            {
                "Name": "AbaloneProcess",
                "Type": "Processing",
                "Arguments": {
                    "ProcessingResources": _resources(),
                    "AppSpecification": {
                        "ImageUri": SKLEARN,
                        "ContainerEntrypoint": [
                            "python3",
                            "/opt/ml/processing/input/code/preprocessing.py",
                        ],
                        "ContainerArguments": [
                            "--run-id",
                            {"Get": "Execution.PipelineExecutionId"},
                        ],
                    },
                    "RoleArn": ROLE,
                    "ProcessingInputs": [
                        {
                            "InputName": "input-1",
                            "AppManaged": False,
                            "S3Input": {
                                "S3Uri": {"Get": "Parameters.InputData"},
                                "LocalPath": "/opt/ml/processing/input",
                                "S3DataType": "S3Prefix",
                                "S3InputMode": "File",
                            },
                        },
                        {
                            "InputName": "code",
                            "AppManaged": False,
                            "S3Input": {
                                "S3Uri": f"{BUCKET}/code/preprocessing.py",
                                "LocalPath": "/opt/ml/processing/input/code",
                                "S3DataType": "S3Prefix",
                                "S3InputMode": "File",
                            },
                        },
                    ],
                    "ProcessingOutputConfig": {
                        "Outputs": [
                            {
                                "OutputName": name,
                                "AppManaged": False,
                                "S3Output": {
                                    "S3Uri": f"{BUCKET}/{name}",
                                    "LocalPath": f"/opt/ml/processing/{name}",
                                    "S3UploadMode": "EndOfJob",
                                },
                            }
                            for name in ("train", "validation", "test")
                        ]
                    },
                },
                "CacheConfig": {"Enabled": True, "ExpireAfter": "P30D"},
            },
            {
                "Name": "AbaloneTrain",
                "Type": "Training",
                "Arguments": {
                    "AlgorithmSpecification": {
                        "TrainingImage": XGBOOST,
                        "TrainingInputMode": "File",
                    },
                    "OutputDataConfig": {"S3OutputPath": f"{BUCKET}/AbaloneTrain"},
                    "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
                    "ResourceConfig": {
                        "InstanceCount": 1,
                        "InstanceType": "ml.m5.xlarge",
                        "VolumeSizeInGB": 30,
                    },
                    "RoleArn": ROLE,
                    "InputDataConfig": [
                        {
                            "DataSource": {
                                "S3DataSource": {
                                    "S3DataType": "S3Prefix",
                                    "S3Uri": {
                                        "Get": "Steps.AbaloneProcess.ProcessingOutputConfig"
                                        f".Outputs['{channel}'].S3Output.S3Uri"
                                    },
                                    "S3DataDistributionType": "FullyReplicated",
                                }
                            },
                            "ContentType": "text/csv",
                            "ChannelName": channel,
                        }
                        for channel in ("train", "validation")
                    ],
                    "HyperParameters": {
                        "objective": "reg:linear",
                        "num_round": "50",
                        "max_depth": "5",
                        "eta": "0.2",
                        "gamma": "4",
                        "min_child_weight": "6",
                        "subsample": "0.7",
                        "silent": "0",
                    },
                    "ProfilerRuleConfigurations": [],
                },
                "RetryPolicies": [
                    {"ExceptionType": ["SageMaker.JOB_INTERNAL_ERROR"], "MaxAttempts": 2}
                ],
            },
            {
                "Name": "AbaloneEval",
                "Type": "Processing",
                "Arguments": {
                    "ProcessingResources": _resources(),
                    "AppSpecification": {
                        "ImageUri": XGBOOST,
                        "ContainerEntrypoint": [
                            "python3",
                            "/opt/ml/processing/input/code/evaluation.py",
                        ],
                    },
                    "RoleArn": ROLE,
                    "ProcessingInputs": [
                        {
                            "InputName": "input-1",
                            "S3Input": {
                                "S3Uri": {
                                    "Get": "Steps.AbaloneTrain.ModelArtifacts.S3ModelArtifacts"
                                },
                                "LocalPath": "/opt/ml/processing/model",
                            },
                        },
                        {
                            "InputName": "input-2",
                            "S3Input": {
                                "S3Uri": {
                                    "Get": "Steps.AbaloneProcess.ProcessingOutputConfig"
                                    ".Outputs['test'].S3Output.S3Uri"
                                },
                                "LocalPath": "/opt/ml/processing/test",
                            },
                        },
                        {
                            "InputName": "code",
                            "S3Input": {
                                "S3Uri": f"{BUCKET}/code/evaluation.py",
                                "LocalPath": "/opt/ml/processing/input/code",
                            },
                        },
                    ],
                    "ProcessingOutputConfig": {
                        "Outputs": [
                            {
                                "OutputName": "evaluation",
                                "S3Output": {
                                    "S3Uri": f"{BUCKET}/evaluation",
                                    "LocalPath": "/opt/ml/processing/evaluation",
                                },
                            }
                        ]
                    },
                },
                "PropertyFiles": [
                    {
                        "PropertyFileName": "EvaluationReport",
                        "OutputName": "evaluation",
                        "FilePath": "evaluation.json",
                    }
                ],
            },
            {
                "Name": "AbaloneMSECond",
                "Type": "Condition",
                "Arguments": {
                    "Conditions": [
                        {
                            "Type": "LessThanOrEqualTo",
                            "LeftValue": {
                                "Std:JsonGet": {
                                    "PropertyFile": {
                                        "Get": "Steps.AbaloneEval.PropertyFiles.EvaluationReport"
                                    },
                                    "Path": "regression_metrics.mse.value",
                                }
                            },
                            "RightValue": {"Get": "Parameters.MseThreshold"},
                        }
                    ],
                    "IfSteps": [register],
                    "ElseSteps": [fail],
                },
            },
            {
                "Name": "AbaloneTransform",
                "Type": "Transform",
                "Arguments": {
                    "ModelName": {"Get": "Steps.AbaloneRegisterModel.ModelPackageArn"},
                    "TransformInput": {
                        "DataSource": {
                            "S3DataSource": {
                                "S3DataType": "S3Prefix",
                                "S3Uri": f"{BUCKET}/batch.csv",
                            }
                        }
                    },
                    "TransformOutput": {"S3OutputPath": f"{BUCKET}/transform"},
                    "TransformResources": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge"},
                },
            },
        ],
    }


def test_abalone_definition_imports_as_a_valid_document(tmp_path: Path) -> None:
    path = tmp_path / "abalone.json"
    path.write_text(json.dumps(abalone_definition()))
    result = import_definition(
        str(path), "abalone", code_dir="code", paths={BUCKET: "data/abalone"}
    )
    validated = load_document(result.document)  # valid as it is
    doc = validated.document
    assert [s.name for s in doc.steps] == [
        "AbaloneProcess",
        "AbaloneTrain",
        "AbaloneEval",
        "AbaloneMSECond",
        "AbaloneRegisterModel",
        "AbaloneMSEFail",
        "AbaloneTransform",
    ]
    assert {p.name: p.default for p in doc.parameters}["MseThreshold"] == 6.0
    process = doc.step("AbaloneProcess").arguments
    assert process["code"] == "code/preprocessing.py"
    assert process["inputs"] == {"input-1": {"Get": "Parameters.InputData"}}
    assert process["outputs"] == ["train", "validation", "test"]
    assert process["arguments"] == ["--run-id", {"Get": "Execution.Id"}]
    assert doc.step("AbaloneProcess").cache.expire_after_seconds == 30 * 86400
    train = doc.step("AbaloneTrain")
    assert train.arguments["algorithm"] == "xgboost-regressor"
    assert train.arguments["data"] == {"Get": "Steps.AbaloneProcess.Outputs.train"}
    assert train.arguments["channels"] == {
        "validation": {"Get": "Steps.AbaloneProcess.Outputs.validation"}
    }
    assert train.arguments["hyperparameters"]["num_round"] == 50
    assert "silent" not in train.arguments["hyperparameters"]
    assert train.retry.max_attempts == 3
    assert doc.step("AbaloneEval").arguments["inputs"]["input-1"] == {
        "Get": "Steps.AbaloneTrain.Outputs.model"
    }
    condition = doc.step("AbaloneMSECond").arguments
    assert condition["conditions"][0] == {
        "op": "LessThanOrEqualTo",
        "left": {
            "JsonGet": {
                "step": "AbaloneEval",
                "output": "evaluation",
                "path": "evaluation.json:regression_metrics.mse.value",
            }
        },
        "right": {"Get": "Parameters.MseThreshold"},
    }
    assert condition["if_steps"] == ["AbaloneRegisterModel"]
    assert condition["else_steps"] == ["AbaloneMSEFail"]
    register = doc.step("AbaloneRegisterModel").arguments
    assert register["model"] == {"Get": "Steps.AbaloneTrain.Outputs.model"}
    assert register["model_name"] == "AbaloneModelPackageGroupName"
    assert register["approval_status"] == "Approved"  # the parameter's default
    assert doc.step("AbaloneMSEFail").arguments["error_message"] == (
        "Execution failed due to MSE > {Parameters.MseThreshold}"
    )
    transform = doc.step("AbaloneTransform").arguments
    assert transform["model_name"] == "AbaloneModelPackageGroupName"
    assert transform["version"] == {"Get": "Steps.AbaloneRegisterModel.Properties.ModelVersion"}
    assert transform["input"] == "data/abalone/batch.csv"  # the S3 prefix mapped
    # the DAG follows the references: the transform runs after the registration
    assert "AbaloneRegisterModel" in validated.upstream["AbaloneTransform"]
    assert any("ModelApprovalStatus" in n for n in result.notes)
    assert any("silent" in n for n in result.notes)


def test_unsupported_steps_and_properties_are_each_named() -> None:
    definition = abalone_definition()
    definition["Steps"].append(
        {"Name": "AbaloneCreateModel", "Type": "Model", "Arguments": {}},
    )
    definition["Steps"].append(
        {"Name": "Notify", "Type": "Lambda", "Arguments": {}},
    )
    eval_inputs = definition["Steps"][2]["Arguments"]["ProcessingInputs"]
    eval_inputs[0]["S3Input"]["S3Uri"] = {"Get": "Steps.AbaloneTrain.DebugRuleEvaluationStatuses"}
    with pytest.raises(InvalidArgumentError) as raised:
        import_definition(definition, "abalone")
    message = str(raised.value)
    assert "'AbaloneCreateModel': type 'Model' is not supported" in message
    assert "'Notify': type 'Lambda' is not supported" in message
    assert "'Steps.AbaloneTrain.DebugRuleEvaluationStatuses' is not supported" in message

    old = copy.deepcopy(abalone_definition())
    old["Version"] = "2019-01-01"
    with pytest.raises(InvalidArgumentError, match="Version '2019-01-01'"):
        import_definition(old, "abalone")
    with pytest.raises(InvalidArgumentError, match="not valid JSON"):
        import_definition("{not json", "abalone")


def test_a_reference_to_a_missing_step_is_a_validation_issue() -> None:
    definition = abalone_definition()
    definition["Steps"][1]["Arguments"]["InputDataConfig"][0]["DataSource"]["S3DataSource"][
        "S3Uri"
    ] = {"Get": "Steps.Nowhere.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}
    with pytest.raises(InvalidArgumentError, match="Nowhere"):
        import_definition(definition, "abalone")


async def test_import_over_rest(call: Any) -> None:
    body = {
        "name": "abalone-rest",
        "definition": abalone_definition(),
        "code_dir": "code",
        "paths": {BUCKET: "data/abalone"},
    }
    status, result = await call("POST", "pipelines", "import", body=dict(body, store=False))
    assert status == 200 and result["pipeline"] is None
    assert result["document"]["steps"][0]["arguments"]["code"] == "code/preprocessing.py"
    status, result = await call("POST", "pipelines", "import", body=body)
    assert status == 201, result
    assert result["pipeline"]["name"] == "abalone-rest" and result["notes"]
    status, stored = await call("GET", "pipelines", "abalone-rest")
    assert status == 200 and len(stored["document"]["steps"]) == 7

    definition = abalone_definition()
    definition["Steps"].append({"Name": "Tune", "Type": "Tuning", "Arguments": {}})
    status, error = await call(
        "POST", "pipelines", "import", body={"name": "bad", "definition": definition}
    )
    assert status == 400 and "'Tune': type 'Tuning' is not supported" in error["error"]["message"]
    status, error = await call("POST", "pipelines", "import", body={"name": "bad"})
    assert status == 400
