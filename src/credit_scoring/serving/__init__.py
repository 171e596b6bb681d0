"""What a scoring service needs, and nothing from the pipelines: the served model (`model`), the online
row builder (`rows`, over the keyed history store of `history`) and the reference builder (`online`)."""

from credit_scoring.serving.history import ClientHistoryStore, HistoryFeatureStore
from credit_scoring.serving.online import ApplicationFieldError, OnlineFeatureBuilder, build_model_input_row
from credit_scoring.serving.rows import NEW_APPLICANT_ID, ModelInputRowBuilder

__all__ = [
    "NEW_APPLICANT_ID",
    "ApplicationFieldError",
    "ClientHistoryStore",
    "HistoryFeatureStore",
    "ModelInputRowBuilder",
    "OnlineFeatureBuilder",
    "build_model_input_row",
]
