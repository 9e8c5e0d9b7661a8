"""The wire format of the REST API: pydantic models and the OpenAPI document built from them."""
