"""SageMaker's built-in Random Cut Forest and XGBoost on a year's export.

`channels` turns the year's export (the lake's `exports/<YEAR>.csv`) into the training channels
in the formats the built-in algorithms read; `jobs` describes the training jobs (the algorithm
image of the region, the execution role, the channels, where the model goes); `command` is
`flightdelays sagemaker prepare|train`. docs/sagemaker.md says how to run it on an account.
"""
