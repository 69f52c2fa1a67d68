#!/usr/bin/env python3
"""Small Jinja snippets, one feature each, rendered by jinja2 in transformers' environment,
written to Tests/ChatTemplateTests/Fixtures/snippets.json. They pin the semantics the real
templates rely on (whitespace control, scoping, filters, tests, methods, printing) to what
jinja2 itself does, including the cases where it raises.

Usage: python3 scripts/reference/chat_template_snippets.py
"""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from chat_template_render import FIXTURES, make_environment  # noqa: E402

VARIABLES = {
    "messages": [
        {"role": "system", "content": "  sys  "},
        {"role": "user", "content": "Hi there"},
        {"role": "assistant", "content": "Hello!", "tool_calls": [{"function": {"name": "f", "arguments": {"b": 1, "a": [1.5, None]}}}]},
        {"role": "user", "content": "Bye"},
    ],
    "d": {"b": 2, "a": 1, "c": {"x": [1, 2, 3]}, "items": "shadowed"},
    "s": "héllo wörld",
    "n": 7,
    "f": 2.5,
    "l": [3, 1, 2],
    "words": ["banana", "Apple", "cherry", "apple"],
    "people": [{"name": "Ann", "age": 31}, {"name": "bob", "age": 25}, {"name": "Cy"}],
    "empty": [],
    "nothing": None,
    "yes": True,
    "text": "  line one\nline two\n\nline four  ",
}

SNIPPETS = [
    # whitespace control, trim_blocks, lstrip_blocks, comments, raw, trailing newline
    "a\n{% if true %}\nb\n{% endif %}\nc",
    "a\n    {% if true %}\n    b\n    {% endif %}\nc\n",
    "a  {%- if true %}  b  {% endif -%}  c",
    "a {{- ' x ' -}} b",
    "  {{ 'not stripped: variables ignore lstrip' }}",
    "x {% if true %}inline{% endif %} y",
    "line\n  {%+ if true %}kept indent{% endif %}\n",
    "a\n{# comment #}\nb\n  {#- stripped -#}  c",
    "{% raw %}{{ not rendered }} {% if %}{% endraw %}!",
    "{% for i in l %}\n  {{ i }}\n{% endfor %}\n",
    "{%- for i in l -%}\n  [{{ i }}]\n{%- endfor %}",
    "text\r\nwith\r\ncrlf\r\n",
    "ends with two newlines\n\n",
    "{{ {'a': {'b': 1}} }}",
    "{{ 'string with %} and }} inside' }}",
    # literals and printing
    "{{ 1 }}|{{ -2 }}|{{ 1.0 }}|{{ 0.1 + 0.2 }}|{{ 1e16 }}|{{ 1.5e-7 }}|{{ 123456789.125 }}|{{ 1_000 }}",
    "{{ true }}|{{ False }}|{{ none }}|{{ None }}|{{ nothing }}|{{ undefined_name }}|",
    "{{ [1, 'a', none, true, 2.5, [], {}] }}",
    "{{ d }}|{{ people[0] }}|{{ {'q': \"it's\", 'r': 'say \"hi\"', 's': 'both \\' \"'} }}",
    "{{ 'tab\\there' }}|{{ 'uni\\u00e9' }}|{{ \"quote'\" ~ 'adjacent' 'strings' }}",
    "{{ ['a\\nb', 'c\\\\d', '\\x07', 'é€😀', '\u00a0', '\u200b'] }}",
    # operators
    "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 7 / 2 }} {{ 6 / 3 }}",
    "{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1 + 2.5 }} {{ true + 1 }} {{ 'ab' * 3 }} {{ 2 * [1] }} {{ [1] + [2] }}",
    "{{ 'a' ~ 1 ~ none ~ true ~ 2.5 ~ undefined_name }}",
    "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'ab' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' != 'a' }}",
    "{{ 'a' in 'cat' }} {{ 'x' not in 'cat' }} {{ 2 in l }} {{ 'a' in d }} {{ 'z' in d }} {{ 'a' in undefined_name }}",
    "{{ not true }} {{ not nothing }} {{ true and 'x' }} {{ 0 or 'y' }} {{ '' or [] }} {{ nothing and 1 }}",
    "{{ 'yes' if n > 5 else 'no' }} {{ 'a' if false }}| {{ 'p' if 0 else 'q' if 1 else 'r' }}",
    "{{ -n }} {{ - f }} {{ -1|abs }} {{ not 1 == 2 }}",
    # attribute and item access
    "{{ d.a }} {{ d['b'] }} {{ d.c.x[1] }} {{ d.c['x'][-1] }} {{ d.missing }}|{{ d['missing'] }}|{{ l[10] }}|{{ nothing.attr }}|",
    "{{ d['items'] }} {{ d.items()|list }} {{ messages[2].tool_calls[0].function.arguments }}",
    "{{ s[1] }} {{ s[-1] }} {{ s[1:4] }} {{ s[::-1] }} {{ s[:-2] }} {{ s[::2] }} {{ l[1:] }} {{ l[::-1] }} {{ l[5:] }} {{ s[-100:3] }}",
    "{{ messages[1:] | length }} {{ messages[::-1][0].role }} {{ l[-2:] }} {{ l[:0] }} {{ 'abc'[5:1:-1] }}",
    # string methods
    "{{ s.upper() }} {{ 'ABC'.lower() }} {{ 'hello world'.title() }} {{ \"they're bill's\".title() }} {{ 'hELLO'.capitalize() }}",
    "[{{ '  x  '.strip() }}] [{{ 'xxhixx'.strip('x') }}] [{{ '\\n\\nhi\\n'.lstrip('\\n') }}] [{{ '  hi  '.rstrip() }}] [{{ '\u00a0hi\u3000'.strip() }}]",
    "{{ 'a,b,,c'.split(',') }} {{ '  a  b c '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ '  a b  '.split(none, 1) }}",
    "{{ 'x</think>y</think>z'.split('</think>')[-1] }} {{ '<think>r</think>'.split('</think>')[0].split('<think>')[-1] }}",
    "{{ 'hello'.startswith('he') }} {{ 'hello'.endswith('lo') }} {{ 'hello'.startswith(('x', 'h')) }} {{ 'hello'.startswith('l', 2) }}",
    "{{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '', 1) }} {{ 'abc'.replace('', '.') }} {{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.find('z') }}",
    "{{ 'hello'.count('l') }} {{ '-'.join(['a', 'b']) }} {{ 'one\\ntwo\\r\\nthree'.splitlines() }} {{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }}",
    "{{ 'Hello {}! {name}'.format('W', name='N') }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{{literal}}'.format() }}",
    "{{ 'prefix-body'.removeprefix('prefix-') }} {{ 'body.txt'.removesuffix('.txt') }} {{ 'abc'.islower() }} {{ 'ABC'.isupper() }}",
    # filters
    "[{{ text|trim }}] [{{ 'xxaxx'|trim('x') }}] [{{ s|upper }}] [{{ 'AbC'|lower }}] [{{ 'hello WORLD'|capitalize }}] [{{ 'hello big-world (yes)'|title }}]",
    "{{ l|length }} {{ s|length }} {{ d|length }} {{ undefined_name|length }} {{ 'abc'|count }} {{ empty|length }}",
    "{{ l|first }} {{ l|last }} {{ s|first }} {{ s|last }} {{ d|first }} {{ empty|first }}|",
    "{{ l|join(', ') }} {{ words|join }} {{ people|join('/', attribute='name') }} {{ [1, none, 'x']|join('-') }}",
    "{{ undefined_name|default('dflt') }} {{ ''|default('dflt') }} {{ ''|default('dflt', true) }} {{ nothing|default('x') }} {{ nothing|d('x', boolean=true) }}",
    "{{ 'a-b'|replace('-', '+') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 5|string ~ 'x' }} {{ [1]|string }}",
    "{{ d|items|list }} {{ d|dictsort }} {{ d|dictsort(reverse=true) }} {{ undefined_name|items|list }}",
    "{{ words|sort }} {{ words|sort(case_sensitive=true) }} {{ words|sort(reverse=true) }} {{ people|sort(attribute='name')|map(attribute='name')|list }}",
    "{{ words|unique|list }} {{ words|min }} {{ words|max }} {{ l|min }} {{ l|max }} {{ l|sum }} {{ people[:2]|sum(attribute='age', start=1) }}",
    "{{ words|reverse|list }} {{ s|reverse }} {{ l|list }} {{ s|list }} {{ d|list }}",
    "{{ messages|selectattr('role', 'equalto', 'user')|list|length }} {{ messages|rejectattr('role', 'eq', 'user')|map(attribute='role')|join(',') }}",
    "{{ people|selectattr('age')|map(attribute='name')|list }} {{ people[:2]|selectattr('age', 'gt', 26)|map(attribute='name')|join }} {{ people|map(attribute='age', default=0)|list }}",
    "{{ l|select('odd')|list }} {{ l|reject('even')|list }} {{ [0, 1, '', 'x', none]|select|list }} {{ words|map('upper')|list }} {{ l|map('string')|join('+') }}",
    "{{ messages|map(attribute='role')|list }} {{ messages|selectattr('tool_calls', 'defined')|list|length }} {{ messages|selectattr('tool_calls', 'undefined')|list|length }}",
    "{{ '3'|int + 1 }} {{ '4.7'|int }} {{ 'x'|int(9) }} {{ 3.9|int }} {{ '2.5'|float }} {{ 'bad'|float }} {{ 2|float }} {{ '0x1A'|int(0, 16) }}",
    "{{ 2.5|round }} {{ 3.5|round }} {{ 2.567|round(2) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(method='floor') }} {{ 7|round }} {{ -3|abs }} {{ -2.5|abs }}",
    "{{ text|indent }}|{{ text|indent(2, true) }}|{{ 'a\\n\\nb'|indent(2, blank=true) }}|{{ 'x\\ny'|indent('> ') }}",
    "{{ '<a href=\"x\">&\\'</a>'|e }} {{ '<b>'|safe }} {{ 'a b  c'|wordcount }} {{ d|attr('a') }}",
    # tojson as transformers defines it
    "{{ d|tojson }}",
    "{{ messages[2]|tojson(indent=2) }}",
    "{{ {'é': 'ü', 'html': '<b>&</b>', 'ctl': '\\x01\\t\\n', 'emoji': '😀'}|tojson }}",
    "{{ {'é': 'ü😀'}|tojson(ensure_ascii=true) }} {{ d|tojson(sort_keys=true) }} {{ l|tojson(separators=(',', ':')) }}",
    "{{ [1.0, 1e-05, 1e16, 1e+20, -0.0, 100.0, 0.1, 3, true, none, 'x']|tojson }} {{ {}|tojson(indent=4) }} {{ []|tojson }} {{ [[]]|tojson(indent=1) }}",
    "{{ 'plain'|tojson }} {{ nothing|tojson }} {{ 5|tojson }} {{ {'k': [1, {'n': []}]}|tojson(indent='\\t') }}",
    # tests
    "{{ n is defined }} {{ undefined_name is defined }} {{ undefined_name is undefined }} {{ nothing is none }} {{ n is not none }}",
    "{{ s is string }} {{ n is string }} {{ n is number }} {{ f is number }} {{ yes is number }} {{ n is integer }} {{ yes is integer }} {{ f is float }}",
    "{{ yes is boolean }} {{ yes is true }} {{ 1 is true }} {{ false is false }} {{ nothing is false }} {{ yes is sameas true }} {{ nothing is sameas none }}",
    "{{ d is mapping }} {{ l is mapping }} {{ l is sequence }} {{ s is sequence }} {{ d is sequence }} {{ n is sequence }}",
    "{{ s is iterable }} {{ l is iterable }} {{ d is iterable }} {{ n is iterable }} {{ undefined_name is iterable }} {{ nothing is iterable }}",
    "{{ n is odd }} {{ n is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(2) }} {{ 'abc' is lower }} {{ 'ABC' is upper }}",
    "{{ 2 is in l }} {{ 3 is eq 3 }} {{ 3 is equalto 4 }} {{ 3 is ne 4 }} {{ 3 is lt 4 }} {{ 3 is ge 4 }} {{ 3 is gt 2 }} {{ 3 is le 3 }}",
    "{{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'odd' is test }} {{ raise_exception is callable }} {{ n is callable }} {{ strftime_now is defined }}",
    "{{ messages[2].content is string }} {{ messages[2].tool_calls is defined }} {{ messages[1].tool_calls is defined }} {{ not messages[1].tool_calls }}",
    # statements: loops, loop variables, scoping, namespace, set, macros, with, filter blocks
    "{% for x in l %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }};{% endfor %}",
    "{% for x in l %}[{{ loop.previtem }}|{{ loop.nextitem }}|{{ loop.cycle('a', 'b') }}]{% endfor %}",
    "{% for x in l if x > 1 %}{{ x }}{{ loop.index }}{{ loop.last }},{% else %}none{% endfor %}",
    "{% for x in empty %}x{% else %}was empty{% endfor %}|{% for x in undefined_name %}x{% endfor %}|",
    "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k in d %}{{ k }}{% endfor %}|{% for c in 'héllo' %}{{ c }}.{% endfor %}",
    "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %} {% for (a, b) in [('x', 'y')] %}{{ a ~ b }}{% endfor %}",
    "{% for x in l %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}",
    "{% for row in [[1, 2], [3]] %}{% for x in row %}{{ loop.index }}:{{ x }} {% endfor %}{{ loop.index }}|{% endfor %}",
    "{% set x = 1 %}{% for i in l %}{% set x = i %}{{ x }}{% endfor %}{{ x }}",
    "{% set x = 0 %}{% for i in l %}{{ x }}{% set x = i %}{% endfor %}{{ x }}",
    "{% if true %}{% set y = 'set in if' %}{% endif %}{{ y }}",
    "{% set ns = namespace(total=0, seen=[]) %}{% for i in l %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }} {{ ns.missing }}|{{ ns.seen }}",
    "{% set ns = namespace(d) %}{{ ns.a }}{% set ns.a = 5 %}{{ ns.a }}{{ d.a }}",
    "{% set a, b = 1, 2 %}{{ a }}{{ b }} {% set t = (1, 2) %}{{ t|length }}",
    "{% set block %}captured {{ n }}\n{% endset %}[{{ block }}]{% set up | upper %}shout{% endset %}{{ up }}",
    "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(punct='.', name='C') }} {{ greet() }}",
    "{% macro outer() %}{% for i in l %}{{ i }}{% endfor %}{% endmacro %}[{{ outer() }}] {{ outer()|length }}",
    "{% with a = 1, b = n %}{{ a + b }}{% endwith %}{{ a }}|",
    "{% filter upper %}shout {{ s }}{% endfilter %}",
    "{% set messages = messages[1:] %}{{ messages|length }}{% for m in messages %}{{ m.role[0] }}{% endfor %}",
    "{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(5, 0, -2)|list }} {{ dict(a=1, b='x') }} {{ namespace(a=1).a }}",
    "{{ strftime_now('%d %b %Y') }} {{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %j %I %p %y %a %e %%') }}",
    # Markup: |safe and |e make it; `+` escapes the plain side; most string filters keep it
    "{{ 'a<'|safe + '<b>' }}|{{ '<x>' + '&'|safe }}|{{ ('<'|e) + '<' }}|{{ '<'|e|e }}|{{ '<b>'|safe ~ '<i>' }}|{{ '<b>'|safe|length }}",
    "{{ '<b>'|safe == '<b>' }}|{{ '<b>'|safe is string }}|{{ ['<b>'|safe] }}|{{ {'k': '<'|safe}|tojson }}|{{ ('<b>'|safe)[1:] + '<' }}",
    "{{ ('a'|safe).upper() + '<' }}|{{ ('a<b'|safe).split('<')[0] + '>' }}|{{ ('ab'|safe)[0] + '<' }}|{{ ('<'|safe)|trim + '<' }}",
    "{{ ('x'|safe)|replace('x', 'y') + '<' }}|{{ ('x'|safe)|string + '<' }}|{{ 'x'|safe * 2 + '<' }}|{{ (('x'|safe) ~ 'y') + '<' }}",
    "{{ ('x'|safe).replace('x', '<') }}|{{ ('a b'|safe).split() }}|{{ ('<'|safe)|upper + '<' }}|{{ ['a'|safe, '<']|join + '<' }}",
    "{{ ('a'|safe).startswith('a') }}|{{ ('-'|safe).join(['<', 'b'|safe]) }}|{{ 'x\ny'|safe|indent(2) + '<' }}|{{ ('ab'|safe)|reverse + '<' }}",
    '{{ "Use the function \'"|safe + \'get<it>\' + "\' to \'"|safe + {\'a\': \'q\'}|tojson }}',
    # map/select walk their input only when it is truthy
    "{{ nothing|map('upper')|list }}{{ 0|select|list }}{{ ''|selectattr('a')|list }}{{ nothing|rejectattr('a')|list|length }}",
    "{{ 'ab'|selectattr('type', 'equalto', 'x')|list }} {{ people|map(attribute='age')|select('defined')|list }}",
    # dict() from pairs, and Python's `dict.anything(pairs)` generic-alias quirk (GigaChat 3.1 uses it)
    "{{ dict([['a', 1], ('b', [2])]) }} {{ dict.from_keys([['k', 'v']]) }} {{ dict(d, z=0)|length }}",
    # an unknown filter in an untaken branch is no error (jinja2 compiles it lazily)
    "{% if false %}{{ x|fromjson }}{% endif %}ok",
    # {% generation %} (transformers' assistant-mask marker) renders its body
    "{% for m in messages %}{% generation %}[{{ m.role }}]{% endgeneration %}{% endfor %}",
    # errors jinja2 raises
    "{{ raise_exception('custom message') }}",
    "{{ undefined_name.attr }}",
    "{{ undefined_name['k'] }}",
    "{{ undefined_name + 1 }}",
    "{{ undefined_name() }}",
    "{{ 'a' + 1 }}",
    "{{ 1 in 'abc' }}",
    "{{ 1 / 0 }}",
    "{{ 'a' < 1 }}",
    "{{ n() }}",
    "{{ undefined_name|tojson }}",
    "{% for x in n %}{% endfor %}",
    "{% set a, b = [1, 2, 3] %}",
    "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}",
    "{% set d.a = 1 %}",
    "{{ l.append(4) }}",
    "{{ 'Hello {}! {0}'.format('W') }}",
    "{{ people|sum(attribute='age') }}",
    "{{ people|selectattr('age', 'gt', 26)|list }}",
    "{{ '<'|safe + 1 }}",
]


def main():
    env = make_environment()
    results = []
    for source in SNIPPETS:
        entry = {"template": source}
        try:
            entry["expected"] = env.from_string(source).render(**VARIABLES)
        except Exception as error:  # each error case is one jinja2 raises on purpose
            entry["error"] = f"{type(error).__name__}: {error}"
        results.append(entry)
    document = {"variables": VARIABLES, "snippets": results}
    (FIXTURES / "snippets.json").write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(results)} snippets, {sum('error' in r for r in results)} expected errors")


if __name__ == "__main__":
    main()
