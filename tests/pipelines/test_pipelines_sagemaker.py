"""A SageMaker pipeline definition imported with ``Pipeline.from_sagemaker`` runs on the
engine: processing writes an evaluation report, a condition reads it with Std:JsonGet,
the else branch's Fail step ends it; the importer's own tests are
test_pipelines_sagemaker_import.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jupyter_mlstudio.pipelines import Pipeline
from jupyter_mlstudio.studio import Studio

EVALUATE = """
import json, os, sys
out = os.environ["MLSTUDIO_OUTPUT_EVALUATION"]
with open(os.path.join(out, "evaluation.json"), "w") as f:
    json.dump({"regression_metrics": {"mse": {"value": float(sys.argv[2])}}}, f)
"""


def _definition(code: Path) -> dict[str, Any]:
    return {
        "Version": "2020-12-01",
        "Metadata": {},
        "Parameters": [{"Name": "MseThreshold", "Type": "Float", "DefaultValue": 6.0}],
        "PipelineExperimentConfig": {},
        "Steps": [
            {
                "Name": "EvaluateModel",
                "Type": "Processing",
                "Arguments": {
                    "ProcessingResources": {"ClusterConfig": {"InstanceType": "ml.m5.xlarge"}},
                    "AppSpecification": {
                        "ImageUri": "sklearn-image",
                        "ContainerArguments": ["--mse", "4.5"],
                        "ContainerEntrypoint": [
                            "python3",
                            "/opt/ml/processing/input/code/evaluate.py",
                        ],
                    },
                    "RoleArn": "arn:aws:iam::0:role/x",
                    "ProcessingInputs": [
                        {
                            "InputName": "code",
                            "AppManaged": False,
                            "S3Input": {
                                "S3Uri": str(code),
                                "LocalPath": "/opt/ml/processing/input/code",
                            },
                        }
                    ],
                    "ProcessingOutputConfig": {
                        "Outputs": [
                            {
                                "OutputName": "evaluation",
                                "S3Output": {
                                    "S3Uri": "s3://b/eval",
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
                "CacheConfig": {"Enabled": True, "ExpireAfter": "P1D"},
            },
            {
                "Name": "CheckMSE",
                "Type": "Condition",
                "Arguments": {
                    "Conditions": [
                        {
                            "Type": "LessThanOrEqualTo",
                            "LeftValue": {
                                "Std:JsonGet": {
                                    "PropertyFile": {
                                        "Get": "Steps.EvaluateModel.PropertyFiles.EvaluationReport"
                                    },
                                    "Path": "regression_metrics.mse.value",
                                }
                            },
                            "RightValue": {"Get": "Parameters.MseThreshold"},
                        }
                    ],
                    "IfSteps": [],
                    "ElseSteps": [
                        {
                            "Name": "MSEFail",
                            "Type": "Fail",
                            "Arguments": {"ErrorMessage": "MSE above the threshold"},
                        }
                    ],
                },
            },
        ],
    }


def test_import_and_run_locally(studio: Studio, tmp_path: Path) -> None:
    code = tmp_path / "evaluate.py"
    code.write_text(EVALUATE)
    pipeline = Pipeline.from_sagemaker(
        json.dumps(_definition(code)), name="abalone", code_dir=str(tmp_path)
    )
    evaluate = pipeline.step("EvaluateModel")
    assert evaluate.arguments["code"] == str(code)
    assert evaluate.arguments["outputs"] == ["evaluation"]
    assert evaluate.cache.expire_after_seconds == 86400
    check = pipeline.step("CheckMSE").arguments["conditions"][0]
    assert check["left"] == {
        "JsonGet": {
            "step": "EvaluateModel",
            "output": "evaluation",
            "path": "evaluation.json:regression_metrics.mse.value",
        }
    }
    assert [s.name for s in pipeline.steps] == ["EvaluateModel", "CheckMSE", "MSEFail"]

    handle = pipeline.run(studio=studio, base_dir=tmp_path)
    assert handle.wait(timeout=120).status == "Succeeded"
    assert handle.step("CheckMSE").properties == {"Outcome": True}
    assert handle.step("MSEFail").status == "Skipped"
    strict = pipeline.run(parameters={"MseThreshold": 1.0}, studio=studio, base_dir=tmp_path)
    execution = strict.wait(timeout=120, check=False)
    assert execution.status == "Failed" and "MSE above the threshold" in (
        execution.failure_reason or ""
    )
    assert strict.step("EvaluateModel").status == "Cached"
