"""Places where apps plug into shared pages: the navigation bar and the dashboard figures.

Each app registers its own entries in ``AppConfig.ready``, so the shared templates never need
to know which apps exist.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import Organization


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    order: int
    # The URL namespace whose pages highlight this item as current.
    section: str


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | str
    url: str | None = None
    hint: str = ""


FigureSource = Callable[["Organization"], list[Figure]]
# A banner: (template name, context) for the dashboard, or None when there is nothing to say.
BannerSource = Callable[["Organization"], tuple[str, dict] | None]

_nav_items: list[NavItem] = []
_figure_sources: list[tuple[int, FigureSource]] = []
_banner_sources: list[BannerSource] = []


def register_nav_item(item: NavItem) -> None:
    if item not in _nav_items:
        _nav_items.append(item)
        _nav_items.sort(key=lambda entry: entry.order)


def nav_items() -> list[NavItem]:
    return list(_nav_items)


def register_figures(source: FigureSource, *, order: int) -> None:
    if all(existing is not source for _, existing in _figure_sources):
        _figure_sources.append((order, source))
        _figure_sources.sort(key=lambda entry: entry[0])


def dashboard_figures(organization: "Organization") -> list[Figure]:
    figures: list[Figure] = []
    for _, source in _figure_sources:
        figures.extend(source(organization))
    return figures


def register_banner(source: BannerSource) -> None:
    if source not in _banner_sources:
        _banner_sources.append(source)


def dashboard_banners(organization: "Organization") -> list[tuple[str, dict]]:
    return [banner for source in _banner_sources if (banner := source(organization)) is not None]
