"""What an LLM failure means for an article: a message for the report, and whether the
article should be given to the LLM again later.

The retries themselves happen inside the extractor, under the project's one policy
(resilience.call_openai); by the time an error arrives here they are used up.
"""

from collections.abc import Callable
from typing import TypeVar

from resilience import PermanentFailure, ProviderError, ProviderQuotaExhausted

T = TypeVar("T")


class LLMFailure(Exception):
    def __init__(self, message: str, *, retry_later: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retry_later = retry_later


def call_llm(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except ProviderQuotaExhausted as exc:
        raise LLMFailure(exc.message, retry_later=True) from exc
    except PermanentFailure as exc:
        raise LLMFailure(exc.message, retry_later=False) from exc
    except ProviderError as exc:  # Temporary: outage, rate limit, open breaker.
        raise LLMFailure(exc.message, retry_later=True) from exc
