"""What a scoring service needs, and nothing from the pipelines: the served model (`model`), the online
row builder (`online`) and a known client's history (`history`)."""

from credit_scoring.serving.history import ClientHistoryStore
from credit_scoring.serving.online import ApplicationFieldError, OnlineFeatureBuilder, build_model_input_row

__all__ = ["ApplicationFieldError", "ClientHistoryStore", "OnlineFeatureBuilder", "build_model_input_row"]
