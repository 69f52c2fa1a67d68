"""Conversations to render with each fixture template: seeded random chats over awkward
texts (edge whitespace, unicode, quotes, Jinja-looking text), plus each family's own
features: tools and tool calls, reasoning, template switches, and the conversations its
template rejects with raise_exception."""
import random

TEXTS = [
    "Hello!",
    "What is the capital of France?",
    "  leading and trailing spaces  ",
    "\n\nnewlines around\n\n",
    "Multi-line\ntext with\ttabs\nand more lines",
    "Unicode: héllo wörld — “quotes” ‘single’ 你好 🌍🚀",
    "Quotes: \"double\" and 'single' and \\backslash\\",
    "Looks like Jinja: {{ messages }} {% if x %} {# comment #}",
    'JSON: {"a": [1, 2, {"b": null}], "c": "d"}',
    "",
    " ",
    "Code:\n```python\ndef f(x):\n    return x * 2\n```\n",
    "<|im_start|>fake tokens<|im_end|> <|eot_id|>",
    "[INST] not really [/INST] </s>",
    "Emoji only 😀😃😄",
    "Tab\tseparated\tvalues\n1\t2\t3",
    "Zero-width\u200bspace and no-break\u00a0space",
    "\u00a0no-break spaces at the edges\u00a0",
    "\u3000ideographic spaces\u3000",
    "Ends with a newline\n",
    "Carriage\r\nreturn line ends\r\n",
    "Ünïcödé Çàpïtàls ÅND ſ ß ǆ",
    "A fairly long message that goes on for a while to make sure nothing depends on short "
    "strings: the quick brown fox jumps over the lazy dog, again and again, 1234567890.",
    "<think>\nhidden reasoning\n</think>\n\nvisible answer",
    "Tool-ish: <tool_call>{\"name\": \"x\"}</tool_call>",
    "%s %d {0} {name} %%",
]

SYSTEMS = [
    "You are a helpful assistant.",
    "  You are terse. Answer in one word.  ",
    "Système: réponds en français.\nToujours.",
    "",
    "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
    "Be careful with {{ braces }} and {% tags %}.",
]

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}

CALCULATOR_TOOL = {
    "type": "function",
    "function": {
        "name": "calculate",
        "description": "Évalue une expression — exactly, with \"quotes\" & <brackets>",
        "parameters": {
            "type": "object",
            "properties": {
                "expression": {"type": "string"},
                "precision": {"type": "integer", "default": 2, "minimum": 0, "maximum": 10},
                "scale": {"type": "number", "default": 0.5, "examples": [1e-05, 1e+20, 123456789.125, -0.0]},
                "strict": {"type": "boolean", "default": False},
                "tags": {"type": "array", "items": {"type": "string"}, "default": []},
                "options": {"type": "object", "properties": {}, "nullable": True, "default": None},
            },
            "required": ["expression"],
        },
        "return": {"type": "number"},
    },
}

SEARCH_TOOL = {
    "type": "function",
    "function": {"name": "search", "description": "Search the web 🔍", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}},
}

TOOL_SETS = [[WEATHER_TOOL], [WEATHER_TOOL, CALCULATOR_TOOL], [SEARCH_TOOL, CALCULATOR_TOOL, WEATHER_TOOL]]


def call(name, arguments, call_id=None):
    entry = {}
    if call_id is not None:
        entry["id"] = call_id
    entry["type"] = "function"
    entry["function"] = {"name": name, "arguments": arguments}
    return entry


WEATHER_CALL = call("get_current_weather", {"location": "Paris, France", "unit": "celsius"}, "call12345")
CALC_CALL = call("calculate", {"expression": "2 * (3 + 4)", "precision": 3, "scale": 0.25, "strict": True, "tags": ["a", "ü"]}, "abcDEF789")
SEARCH_CALL = call("search", {"q": "Swift \"typed throws\""}, "q1w2e3r4t")


def random_chat(rng, system_chance=0.5, end_with_assistant_chance=0.25, max_turns=5):
    messages = []
    if rng.random() < system_chance:
        messages.append({"role": "system", "content": rng.choice(SYSTEMS)})
    turns = rng.randint(1, max_turns)
    for turn in range(turns):
        messages.append({"role": "user", "content": rng.choice(TEXTS)})
        if turn < turns - 1 or rng.random() < end_with_assistant_chance:
            messages.append({"role": "assistant", "content": rng.choice(TEXTS)})
    return messages


def plain_cases(rng, count, **chat_options):
    cases = [{"messages": random_chat(rng, **chat_options)} for _ in range(count)]
    cases.append({"messages": [{"role": "user", "content": "Hi"}]})
    cases.append({"messages": [{"role": "system", "content": "Only a system message."}]})
    return cases


def llama_cases(rng, version):
    cases = plain_cases(rng, 40)
    for tools in TOOL_SETS:
        for in_user in (True, False):
            chat = random_chat(rng, max_turns=2)
            cases.append({"messages": chat, "tools": tools, "extra": {"tools_in_user_message": in_user}})
    tool_turns = [
        {"role": "system", "content": "You can call tools."},
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [WEATHER_CALL]},
        {"role": "tool", "content": '{"temperature": 22.5, "unit": "celsius"}', "tool_call_id": "call12345"},
        {"role": "assistant", "content": "It is 22.5 °C in Paris."},
        {"role": "user", "content": "Thanks!"},
    ]
    cases.append({"messages": tool_turns, "tools": [WEATHER_TOOL]})
    cases.append({"messages": tool_turns})
    cases.append({"messages": tool_turns[:4], "tools": [WEATHER_TOOL, CALCULATOR_TOOL], "extra": {"tools_in_user_message": False}})
    cases.append({"messages": [{"role": "user", "content": "Compute"}, {"role": "assistant", "tool_calls": [CALC_CALL]},
                               {"role": "ipython", "content": {"result": 14, "exact": True}}]})
    cases.append({"messages": [{"role": "user", "content": "List"}, {"role": "tool", "content": ["a", 1, None]}]})
    cases.append({"messages": [{"role": "user", "content": "Two calls"}, {"role": "assistant", "tool_calls": [WEATHER_CALL, CALC_CALL]}]})
    cases.append({"messages": [{"role": "system", "content": "Tools but no user turn."}], "tools": [WEATHER_TOOL]})
    cases.append({"messages": random_chat(rng), "extra": {"date_string": "01 Jan 2030"}})
    cases.append({"messages": random_chat(rng), "extra": {"custom_tools": [SEARCH_TOOL]}})
    if version == "3.1":
        cases.append({"messages": random_chat(rng), "extra": {"builtin_tools": ["brave_search", "wolfram_alpha"]}})
        cases.append({"messages": random_chat(rng), "tools": [WEATHER_TOOL], "extra": {"builtin_tools": ["code_interpreter", "brave_search"]}})
        cases.append({"messages": [{"role": "user", "content": "Search"},
                                   {"role": "assistant", "tool_calls": [call("brave_search", {"query": "jinja2", "lang": "en"})]},
                                   {"role": "ipython", "content": "results..."}],
                      "extra": {"builtin_tools": ["brave_search"]}})
    return cases


def qwen_tool_cases(rng):
    cases = []
    for tools in TOOL_SETS:
        cases.append({"messages": random_chat(rng, max_turns=3), "tools": tools})
    multi_step = [
        {"role": "system", "content": "Use tools when needed."},
        {"role": "user", "content": "Weather in Paris, and 2*(3+4)?"},
        {"role": "assistant", "content": "Let me check both.", "tool_calls": [WEATHER_CALL, CALC_CALL]},
        {"role": "tool", "content": '{"temperature": 22.5}'},
        {"role": "tool", "content": "14"},
        {"role": "assistant", "content": None, "tool_calls": [SEARCH_CALL]},
        {"role": "tool", "content": "<tool_response>nested</tool_response>"},
        {"role": "assistant", "content": "Paris is 22.5 °C; the result is 14."},
    ]
    cases.append({"messages": multi_step, "tools": [WEATHER_TOOL, CALCULATOR_TOOL, SEARCH_TOOL]})
    cases.append({"messages": multi_step})
    cases.append({"messages": multi_step[1:5], "tools": [WEATHER_TOOL]})
    cases.append({"messages": [{"role": "user", "content": "Go"},
                               {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {}}}]}]})
    cases.append({"messages": [{"role": "user", "content": "Raw"},
                               {"role": "assistant", "content": None, "tool_calls": [{"name": "g", "arguments": {"x": [1, 2.5, None, "é"]}}]}]})
    cases.append({"messages": [{"role": "tool", "content": "a leading tool message"}, {"role": "user", "content": "ok"}]})
    cases.append({"messages": [{"role": "user", "content": "a"}, {"role": "system", "content": "a later system message"}]})
    return cases


def qwen25_cases(rng):
    return plain_cases(rng, 40) + qwen_tool_cases(rng)


def qwen3_cases(rng):
    cases = plain_cases(rng, 36) + qwen_tool_cases(rng)
    thinking = [
        {"role": "user", "content": "Think first."},
        {"role": "assistant", "content": "<think>\nstep 1\nstep 2\n</think>\n\nThe answer is 4."},
        {"role": "user", "content": "And again?"},
        {"role": "assistant", "content": "Still 4.", "reasoning_content": "\nrecall the last answer\n"},
    ]
    cases.append({"messages": thinking})
    cases.append({"messages": thinking[:2]})
    cases.append({"messages": thinking[:3]})
    cases.append({"messages": thinking, "extra": {"enable_thinking": False}})
    cases.append({"messages": thinking[:3], "extra": {"enable_thinking": True}})
    cases.append({"messages": thinking[:1], "extra": {"enable_thinking": False}})
    cases.append({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "no think tags", "reasoning_content": ""}]})
    cases.append({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "</think>only a closing tag"}]})
    cases.append({"messages": [{"role": "user", "content": ["not", "a", "string"]}, {"role": "assistant", "content": None}]})
    for _ in range(6):
        chat = random_chat(rng)
        chat.append({"role": "assistant", "content": "<think>" + rng.choice(TEXTS) + "</think>" + rng.choice(TEXTS)})
        cases.append({"messages": chat, "extra": {"enable_thinking": rng.random() < 0.5}})
    return cases


def mistral_cases(rng, version):
    cases = [{"messages": random_chat(rng)} for _ in range(46)]
    cases.append({"messages": [{"role": "assistant", "content": "starts with assistant"}]})
    cases.append({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]})
    cases.append({"messages": [{"role": "system", "content": "s"}, {"role": "system", "content": "s2"}, {"role": "user", "content": "u"}]})
    cases.append({"messages": [{"role": "user", "content": "a"}, {"role": "narrator", "content": "b"}]})
    if version == "v0.3":
        for tools in TOOL_SETS:
            cases.append({"messages": random_chat(rng, max_turns=3), "tools": tools})
        tool_turns = [
            {"role": "system", "content": "You are a tool user."},
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": None, "tool_calls": [call("get_current_weather", {"location": "Paris"}, "abcdefghi")]},
            {"role": "tool", "content": '{"temperature": 22}', "tool_call_id": "abcdefghi"},
            {"role": "assistant", "content": "22 degrees."},
            {"role": "user", "content": "Weather?"},
        ]
        cases.append({"messages": tool_turns, "tools": [WEATHER_TOOL]})
        cases.append({"messages": tool_turns})
        cases.append({"messages": tool_turns[:4], "tools": [WEATHER_TOOL, CALCULATOR_TOOL]})
        cases.append({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [WEATHER_CALL, CALC_CALL]}]})
        cases.append({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [call("f", {}, "short")]}]})
        cases.append({"messages": [{"role": "user", "content": "x"}, {"role": "tool", "content": "r", "tool_call_id": "toolong123"}]})
        cases.append({"messages": [{"role": "user", "content": "x"}, {"role": "tool_results", "content": {"content": "nested"}, "tool_call_id": "123456789"}]})
    return cases


def smollm2_cases(rng):
    return plain_cases(rng, 50) + [{"messages": [{"role": "system", "content": "Custom system."}, {"role": "user", "content": "Hi"}]}]


# fixture name -> (template file, special tokens transformers would pass, case builder)
FAMILIES = {
    "llama-3-8b-instruct": ("llama-3-8b-instruct.jinja", {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
                            lambda rng: plain_cases(rng, 50)),
    "llama-3.1-8b-instruct": ("llama-3.1-8b-instruct.jinja", {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
                              lambda rng: llama_cases(rng, "3.1")),
    "llama-3.2-3b-instruct": ("llama-3.2-3b-instruct.jinja", {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
                              lambda rng: llama_cases(rng, "3.2")),
    "qwen2.5-instruct": ("qwen2.5-instruct.jinja", {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}, qwen25_cases),
    "qwen3": ("qwen3.jinja", {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}, qwen3_cases),
    "mistral-7b-instruct-v0.2": ("mistral-7b-instruct-v0.2.jinja", {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
                                 lambda rng: mistral_cases(rng, "v0.2")),
    "mistral-7b-instruct-v0.3": ("mistral-7b-instruct-v0.3.jinja", {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"},
                                 lambda rng: mistral_cases(rng, "v0.3")),
    "smollm2-135m-instruct": ("smollm2-135m-instruct.jinja",
                              {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "unk_token": "<|endoftext|>", "pad_token": "<|im_end|>"},
                              smollm2_cases),
}


def conversations(family, seed):
    template, tokens, build = FAMILIES[family]
    return template, tokens, build(random.Random(seed))
