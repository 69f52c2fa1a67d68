#!/usr/bin/env python3
"""Render every fixture template over its conversations with jinja2, exactly as
transformers' apply_chat_template does, and write the expected prompts (or the template's
raise_exception message) to Tests/ChatTemplateTests/Fixtures/renders/<family>.json.
The Swift tests render the same cases and compare bytes.

transformers' environment (utils/chat_template_utils.py, _compile_jinja_template):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, loopcontrols]),
a `tojson` filter that is json.dumps(ensure_ascii=False, indent, separators, sort_keys=False),
and the globals `raise_exception` and `strftime_now`. It renders with
messages=..., tools=..., documents=None, add_generation_prompt=..., **special_tokens, **kwargs.

`strftime_now` is pinned to FIXED_NOW here; the Swift tests inject the same instant (UTC).

Usage: python3 scripts/reference/chat_template_render.py   (needs jinja2 >= 3.1, no network)
"""
import datetime
import json
import pathlib
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from chat_template_cases import FAMILIES, conversations  # noqa: E402

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "Tests/ChatTemplateTests/Fixtures"
FIXED_NOW = datetime.datetime(2025, 3, 7, 14, 5, 9)  # read as UTC by the Swift tests


class GenerationBlock(jinja2.ext.Extension):
    """`{% generation %}...{% endgeneration %}` renders its body, as transformers'
    AssistantTracker does when it is not recording assistant-token masks."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationBlock, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render_case(template, tokens, case, add_generation_prompt):
    variables = dict(tokens)
    variables.update(case.get("extra", {}))
    try:
        text = template.render(messages=case["messages"], tools=case.get("tools"), documents=None,
                               add_generation_prompt=add_generation_prompt, **variables)
        return {"expected": text}
    except jinja2.exceptions.UndefinedError as error:
        return {"error": str(error), "error_kind": "undefined"}
    except jinja2.exceptions.TemplateError as error:
        # raise_exception raises the base TemplateError; syntax errors cannot reach here.
        return {"error": str(error), "error_kind": "raised"}
    except Exception as error:  # a Python TypeError and the like, from the template's own logic
        return {"error": f"{type(error).__name__}: {error}", "error_kind": "other"}


def main():
    env = make_environment()
    out_dir = FIXTURES / "renders"
    out_dir.mkdir(parents=True, exist_ok=True)
    for seed, family in enumerate(FAMILIES):
        template_file, tokens, cases = conversations(family, seed + 1)
        template = env.from_string((FIXTURES / "templates" / template_file).read_text(encoding="utf-8"))
        rendered = []
        for index, case in enumerate(cases):
            for add_generation_prompt in (False, True):
                entry = {"id": f"{family}#{index}{'+gen' if add_generation_prompt else ''}",
                         "messages": case["messages"], "add_generation_prompt": add_generation_prompt}
                if "tools" in case:
                    entry["tools"] = case["tools"]
                entry["extra"] = {**tokens, **case.get("extra", {})}
                entry.update(render_case(template, tokens, case, add_generation_prompt))
                rendered.append(entry)
        errors = sum(1 for entry in rendered if "error" in entry)
        document = {"template": template_file, "jinja2": jinja2.__version__,
                    "strftime_now": FIXED_NOW.isoformat() + "Z", "cases": rendered}
        (out_dir / f"{family}.json").write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{family}: {len(cases)} conversations, {len(rendered)} renders, {errors} rejected by the template")


if __name__ == "__main__":
    main()
