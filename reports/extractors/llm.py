"""The LLM extractor: one structured-output call per article through the official client.

Works with OpenAI and any OpenAI-compatible server (Ollama, vLLM, LiteLLM) via
OPENAI_BASE_URL. The client's own retries are off (``max_retries=0``): the caller wraps
``LLMExtractor.extract`` in the project's one retry policy, so retries never multiply.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import openai
from django.conf import settings
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, Field, ValidationError

from reports.evidence import locate_evidence
from reports.extractors.base import (
    BrandFinding,
    ExtractionContext,
    ExtractionResult,
    sentiment_label,
)
from reports.extractors.llm_budget import LLMBudget

# The connection and its client live in llm_client; callers import them from here too.
from reports.extractors.llm_client import (  # noqa: F401 (re-exported)
    SECRET_MASK,
    LLMConnection,
    installation_connection,
    llm_configured,
    make_client,
    scrub_error,
)
from reports.extractors.variants import written_forms
from reports.normalize import normalize_brand
from resilience import RetryPolicy, call_openai

# Bump when the prompt or schema changes: cached answers and reports record it.
PROMPT_VERSION = "2026-11-1"

SYSTEM_PROMPT = """\
You read news articles for a marketing team that hunts for brands in the news.
List every brand the article names: companies, product brands and branded organizations \
that sell products or services. Do not list people, places, government bodies, sports \
leagues, or generic product types.
For each brand return:
- name: the brand as it is usually written (e.g. "Nike", "L'Oréal");
- evidence: ONE sentence copied exactly, character for character, from the article, that \
names the brand;
- confidence: 0 to 1, how sure you are that this is a brand mentioned in the article;
- sentiment: -1 (very negative) to 1 (very positive), the article's tone toward the brand;
- industry: one of the listed industries, or "" if none fits.
Also return a two-sentence summary, a short topic (2 to 5 words) and the article's overall \
sentiment from -1 to 1. Answer with JSON only."""


class _Brand(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    evidence: str = Field(min_length=1)
    confidence: float = Field(ge=0, le=1)
    sentiment: float = Field(ge=-1, le=1)
    industry: str = ""


class _Answer(BaseModel):
    summary: str
    topic: str
    sentiment: float = Field(ge=-1, le=1)
    brands: list[_Brand]


RESPONSE_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "brand_mentions",
        "strict": True,
        "schema": {
            "type": "object",
            "additionalProperties": False,
            "required": ["summary", "topic", "sentiment", "brands"],
            "properties": {
                "summary": {"type": "string"},
                "topic": {"type": "string"},
                "sentiment": {"type": "number"},
                "brands": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name", "evidence", "confidence", "sentiment", "industry"],
                        "properties": {
                            "name": {"type": "string"},
                            "evidence": {"type": "string"},
                            "confidence": {"type": "number"},
                            "sentiment": {"type": "number"},
                            "industry": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}


class InvalidModelOutput(Exception):
    """The model's answer was not the JSON we asked for, even after one repair attempt."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def estimate_tokens(text: str) -> int:
    """A local estimate (no tokenizer download): ~4 characters a token for Latin scripts,
    ~1 a character for CJK, rounded up so budgets err on the safe side."""
    wide = sum(1 for char in text if ord(char) > 0x2E80)
    return (len(text) - wide) // 4 + wide + 1


def cut_to_budget(text: str, budget: int) -> str:
    """The longest run of whole paragraphs from the start that fits ``budget`` tokens."""
    if estimate_tokens(text) <= budget:
        return text
    kept: list[str] = []
    used = 0
    for paragraph in text.split("\n\n"):
        cost = estimate_tokens(paragraph) + 1
        if used + cost > budget:
            break
        kept.append(paragraph)
        used += cost
    if not kept:  # One giant paragraph: cut it at a sentence end inside the budget.
        head = text[: budget * 4]
        cut = max(head.rfind(". "), head.rfind("\n"))
        return head[: cut + 1] if cut > 0 else head
    return "\n\n".join(kept)


@dataclass
class _Call:
    answer: _Answer
    tokens_in: int
    tokens_out: int


class LLMExtractor:
    name = "llm"

    @property
    def cache_model(self) -> str:
        if self.connection.own:
            return self.connection.cache_model
        return self.model

    def __init__(
        self,
        client: openai.OpenAI | None = None,
        model: str | None = None,
        call_context: Mapping[str, object] | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        budget: LLMBudget | None = None,
        connection: LLMConnection | None = None,
    ) -> None:
        self.connection = connection or installation_connection(model)
        self.client = client or make_client(self.connection)
        # An organization's own connection names its own model (a job's choice of the
        # installation's models may not exist there).
        self.model = (
            self.connection.model if self.connection.own else model or self.connection.model
        )
        # Logged with every failure (organization, article, execution ids).
        self.call_context = dict(call_context or {})
        organization_id = self.call_context.get("organization_id")
        self.budget = budget or LLMBudget(
            self.model,
            organization_id if isinstance(organization_id, int) else None,
            account=self.connection.account,
        )
        self.policy = policy
        self.sleep = sleep

    def _messages(self, title: str, text: str, context: ExtractionContext) -> list[dict]:
        industries = ", ".join(context.industries) or "any"
        return [
            {"role": "system", "content": f"{SYSTEM_PROMPT}\nIndustries: {industries}."},
            {"role": "user", "content": f"Title: {title}\n\nArticle:\n{text}"},
        ]

    def _send(self, messages: list[dict], prompt_tokens: int) -> ChatCompletion:
        """One request: a slot in the shared budgets first, then the request; what the
        provider's headers say about its limits adjusts the budget for every worker."""
        self.budget.acquire(prompt_tokens)
        try:
            raw = self.client.chat.completions.with_raw_response.create(
                model=self.model,
                messages=messages,
                response_format=RESPONSE_FORMAT,
                temperature=0,
            )
        except openai.APIStatusError as error:
            self.budget.observe(error.status_code, error.response.headers)
            if self.connection.own:
                # The retry policy logs the provider's message: a server that quotes the
                # organization's key back must not put it in our logs.
                scrub_error(error, self.connection.api_key)
            raise
        self.budget.observe(raw.status_code, raw.headers)
        return raw.parse()

    def _complete(self, messages: list[dict]) -> tuple[str, int, int]:
        # Only the request itself goes through the retry policy and the breaker: a bad answer
        # is repaired by _ask, not retried blindly. Each attempt takes its own budget slot.
        prompt_tokens = sum(estimate_tokens(str(m.get("content") or "")) for m in messages)
        response = call_openai(
            lambda: self._send(messages, prompt_tokens),
            context={**self.call_context, "model": self.model},
            policy=self.policy,
            sleep=self.sleep,
            scope=self.connection.scope,
        )
        choice = response.choices[0]
        usage = response.usage
        tokens = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        self.budget.settle(prompt_tokens, sum(tokens))
        if choice.finish_reason == "length":
            raise _Unparseable("the answer was cut off (too long)", choice.message.content, tokens)
        refusal = getattr(choice.message, "refusal", None)
        if refusal:
            raise _Unparseable(f"the model refused: {refusal}", "", tokens)
        return choice.message.content or "", *tokens

    def _ask(self, messages: list[dict]) -> _Call:
        """One call, plus one repair attempt when the answer is not the JSON we asked for."""
        spent_in = spent_out = 0
        for attempt in (1, 2):
            try:
                content, tokens_in, tokens_out = self._complete(messages)
                spent_in, spent_out = spent_in + tokens_in, spent_out + tokens_out
                return _Call(_Answer.model_validate_json(content), spent_in, spent_out)
            except _Unparseable as bad:
                spent_in, spent_out = spent_in + bad.tokens[0], spent_out + bad.tokens[1]
                problem, content = bad.reason, bad.content
            except (ValidationError, ValueError) as exc:
                problem = f"it did not match the schema ({str(exc).splitlines()[0]})"
            if attempt == 2:
                raise InvalidModelOutput(f"The model's answer was unusable: {problem}.")
            messages = [
                *messages,
                {"role": "assistant", "content": (content or "")[:4000]},
                {
                    "role": "user",
                    "content": f"That answer was unusable: {problem}. Answer again with only "
                    "valid JSON that follows the schema.",
                },
            ]
        raise AssertionError("unreachable")

    def request_body(self, *, text: str, title: str, context: ExtractionContext) -> dict[str, Any]:
        """The chat completion request :meth:`extract` sends, as a batch file line's body."""
        sent = cut_to_budget(text, settings.LLM_INPUT_TOKEN_BUDGET)
        return {
            "model": self.model,
            "messages": self._messages(title, sent, context),
            "response_format": RESPONSE_FORMAT,
            "temperature": 0,
        }

    def extract(
        self, *, text: str, title: str, language: str, context: ExtractionContext
    ) -> ExtractionResult:
        sent = cut_to_budget(text, settings.LLM_INPUT_TOKEN_BUDGET)
        call = self._ask(self._messages(title, sent, context))
        return self.to_result(
            call.answer.model_dump(),
            text=text,
            language=language,
            context=context,
            tokens=(call.tokens_in, call.tokens_out),
            title=title,
        )

    def to_result(
        self,
        answer: dict[str, Any],
        *,
        text: str,
        language: str,
        context: ExtractionContext,
        tokens: tuple[int, int],
        title: str = "",
    ) -> ExtractionResult:
        """Turn a (possibly cached) answer into findings, dropping brands it invented.

        A quote must be found in the article's text and name the brand there, or be found in
        its headline (the model reads it, ``_messages``) and the headline name the brand: a
        brand named only in the headline is kept with the headline as its evidence, at no
        offset of the text (start = end = 0), as the rules path keeps one (``_in_title``)."""
        parsed = _Answer.model_validate(answer)
        headline = " ".join((title or "").split())
        findings: list[BrandFinding] = []
        dropped = 0
        for brand in parsed.brands:
            span = locate_evidence(text, brand.evidence)
            if span is not None and names_brand(text[span[0] : span[1]], brand.name, context):
                start, end = span
                evidence = text[start:end]
            elif (
                headline
                and locate_evidence(headline, brand.evidence) is not None
                and names_brand(headline, brand.name, context)
            ):
                start = end = 0
                evidence = headline
            else:
                # The quote is in neither the article nor its headline, or does not name the
                # brand: invented.
                dropped += 1
                continue
            findings.append(
                BrandFinding(
                    name=brand.name.strip(),
                    surface=_surface(evidence, brand.name, context),
                    evidence=evidence,
                    start=start,
                    end=end,
                    confidence=round(brand.confidence, 3),
                    sentiment=round(brand.sentiment, 3),
                    industry=brand.industry if brand.industry in context.industries else "",
                    source="llm",
                )
            )
        return ExtractionResult(
            summary=parsed.summary.strip(),
            topic=parsed.topic.strip()[:200],
            sentiment_score=round(parsed.sentiment, 3),
            sentiment_label=sentiment_label(parsed.sentiment),
            language=language,
            brands=findings,
            extractor=self.name,
            model=self.model,
            prompt_version=PROMPT_VERSION,
            tokens_in=tokens[0],
            tokens_out=tokens[1],
            invented_dropped=dropped,
        )


def completion_answer(body: Mapping[str, Any]) -> tuple[dict[str, Any], int, int]:
    """The answer and the tokens of a chat completion body read from a batch output file,
    checked as :meth:`LLMExtractor._complete` checks a live one. A batch has no repair round:
    an unusable answer raises :class:`InvalidModelOutput` and the caller asks once more."""
    try:
        completion = ChatCompletion.model_validate(body)
        choice = completion.choices[0]
    except (ValidationError, IndexError):
        raise InvalidModelOutput(
            "The model's answer was unusable: not a chat completion."
        ) from None
    usage = completion.usage
    tokens_in, tokens_out = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
    if choice.finish_reason == "length":
        raise InvalidModelOutput("The model's answer was unusable: it was cut off (too long).")
    if getattr(choice.message, "refusal", None):
        raise InvalidModelOutput(f"The model refused: {choice.message.refusal}")
    try:
        answer = _Answer.model_validate_json(choice.message.content or "")
    except (ValidationError, ValueError) as exc:
        problem = str(exc).splitlines()[0]
        raise InvalidModelOutput(
            f"The model's answer was unusable: it did not match the schema ({problem})."
        ) from None
    return answer.model_dump(), tokens_in, tokens_out


class _Unparseable(Exception):
    def __init__(self, reason: str, content: str | None, tokens: tuple[int, int]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.content = content
        self.tokens = tokens


def _loose(text: str) -> str:
    return " ".join(text.casefold().replace("\u2019", "'").split())


def known_forms(name: str, context: ExtractionContext) -> list[str]:
    """Every written form of the brand ``name``: its variants, the aliases of the tracked brand
    of that name, and the knowledge base's names for it with their variants."""
    key = normalize_brand(name)
    registered = [name]
    for brand in context.known_brands:
        if key in {normalize_brand(n) for n in (brand.name, *brand.aliases)}:
            registered += [brand.name, *brand.aliases]
    knowledge = context.knowledge
    entry = knowledge.lookup(name) if knowledge is not None else None  # type: ignore[attr-defined]
    if entry is not None:
        registered += [entry.name, *getattr(entry, "aliases", ())]
    forms = {form for registered_name in registered for form in written_forms(registered_name)}
    return sorted(forms, key=len, reverse=True)


def names_brand(evidence: str, name: str, context: ExtractionContext) -> bool:
    """Whether the quote writes the brand in one of its known forms: "Coca Cola" or "CocaCola"
    prove "The Coca-Cola Company", "PlayStation/Xbox" proves "Xbox". A name the quote does not
    contain in any form (an invented brand) does not pass."""
    loose, padded = _loose(evidence), f" {normalize_brand(evidence)} "
    for form in known_forms(name, context):
        key = normalize_brand(form)
        if _loose(form) in loose or (key and f" {key} " in padded):
            return True
    return False


def _surface(evidence: str, name: str, context: ExtractionContext | None = None) -> str:
    """The brand as written in the evidence (keeps the article's own spelling and case)."""
    forms = known_forms(name, context) if context is not None else [name]
    for form in forms:
        at = evidence.casefold().find(form.casefold())
        if at >= 0:
            return evidence[at : at + len(form)]
    return name


def answer_to_json(result: ExtractionResult) -> dict[str, Any]:
    """What the cache stores: the model's answer in the schema's shape."""
    return {
        "summary": result.summary,
        "topic": result.topic,
        "sentiment": result.sentiment_score,
        "brands": [
            {
                "name": finding.name,
                "evidence": finding.evidence,
                "confidence": finding.confidence,
                "sentiment": finding.sentiment,
                "industry": finding.industry,
            }
            for finding in result.brands
        ],
    }
