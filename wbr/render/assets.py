"""The files HTML is made from: the jinja2 templates (autoescaped), the deck's stylesheet,
plotly.js and the chart loader, and the checks that a page holds the loader once.

Every piece of HTML the deck, the email and the notebook display helpers emit comes from a
template in wbr/templates/, rendered here with autoescaping on: text from data files (labels,
owners, commentary, event descriptions, titles) can never become markup. The only unescaped
inserts are our own files (CSS, JavaScript, plotly.js) and plotly's figure JSON, which escapes
<, > and / so no text from the data can close its script tag.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

import wbr.fmt as fmt
from wbr.engine.actions import due_text

CHART_DIV_CLASS = 'class="plotly-graph-div"'
CHART_LOADER = "window.wbrChart = function"  # defined once, in templates/charts.js


def _template_text(name: str) -> str:
    return resources.files("wbr").joinpath(f"templates/{name}").read_text(encoding="utf-8")


@cache
def environment() -> jinja2.Environment:
    """The templates of wbr/templates/, autoescaped, with the shared formatting helpers."""
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_text),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.do"],
    )
    env.globals.update(
        long_date=fmt.long_date,
        box_cells=fmt.box_cells,
        flag_name=fmt.flag_name,
        missing_text=fmt.missing_text,
        history_text=fmt.history_text,
        flag_evidence=fmt.flag_evidence,
        FAVOURABLE=fmt.FAVOURABLE,
        BOX_HEADINGS=fmt.BOX_HEADINGS,
        PLAN_PERIODS=fmt.PLAN_PERIODS,
        # memory.html.j2: restated values, action due dates
        format_value=fmt.format_value,
        format_change=fmt.format_change,
        due_text=due_text,
    )
    return env


def render(template: str, **context: Any) -> str:
    """A template of wbr/templates/ rendered with `context` (every value escaped unless Markup)."""
    return environment().get_template(template).render(**context)


def macro(template: str, name: str) -> Any:
    """A macro of a template, callable from Python; it returns escaped Markup."""
    return getattr(environment().get_template(template).module, name)


@cache
def deck_css() -> str:
    """The deck's stylesheet (every rule scoped under .wbr)."""
    return _template_text("deck.css")


@cache
def email_css() -> str:
    """The email's stylesheet: the deck's, then the email's own layout rules (inlined by
    deliver.summary, since mail clients drop <style>)."""
    return deck_css() + "\n" + _template_text("email.css")


@cache
def charts_js() -> str:
    """wbrChart(): draws charts on screen first, the rest when idle, all before printing."""
    return _template_text("charts.js")


# plotly.js's basic bundle (scatter, bar and pie traces; the deck draws only scatter), 1.2 MB
# against the full bundle's 4.7 MB: a page starts it in a quarter of the time. From npm's
# plotly.js-basic-dist-min (MIT, templates/vendor/plotly.js-LICENSE); its version must be the
# plotly.js the installed plotly writes figures for (plotly.offline.get_plotlyjs_version()).
PLOTLY_BASIC = "vendor/plotly-basic.min.js"
_BUNDLE_VERSION = re.compile(r"\* plotly\.js \(basic - minified\) v(\S+)")


def bundle_version(js: str) -> str | None:
    """The version a plotly.js bundle's licence banner names (None when it names none)."""
    found = _BUNDLE_VERSION.search(js[:400])
    return found.group(1) if found else None


@cache
def plotly_js() -> str:
    """The plotly.js a deck embeds: the basic bundle when it is the version the installed plotly
    writes figures for, else plotly's own full bundle (after a plotly upgrade, until the basic
    bundle is updated to match)."""
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    basic = _template_text(PLOTLY_BASIC)
    if bundle_version(basic) == get_plotlyjs_version():
        return basic
    return get_plotlyjs()


def plotly_banner() -> str:
    """The licence comment that opens plotly.js: marks the library's one copy on a page."""
    return plotly_js().split("*/", 1)[0]


def head_html() -> str:
    """Stylesheet and plotly.js, once per page; must come before the first chart."""
    return render(
        "head.html.j2",
        css=Markup(deck_css()),
        plotly_js=Markup(plotly_js()),
        charts_js=Markup(charts_js()),
    )


def count_charts(html: str) -> int:
    """How many plotly chart divs a page holds (plotly.js itself contains none)."""
    return html.count(CHART_DIV_CLASS)


def chart_loader_problem(html: str) -> str | None:
    """Why a page's charts would not draw (plotly.js or wbrChart missing, repeated, or after the
    first chart), or None when `head_html` is on the page once, before every chart."""
    first_chart = html.find(CHART_DIV_CLASS)
    for name, marker in (("plotly.js", plotly_banner()), ("the wbrChart loader", CHART_LOADER)):
        found = html.count(marker)
        if found != 1:
            return f"the page holds {name} {found} times, not once"
        if 0 <= first_chart < html.index(marker):
            return f"{name} comes after the first chart"
    return None
