"""Reading a model's text: the final answer it gives, and math in LaTeX or plain text as our expression tree.

Why our own: model text is a stranger's text, so it is never given to ``eval`` or ``sympify``. LaTeX is
rewritten into our infix grammar by the small converter below (``\\frac``, ``\\sqrt``, ``\\sqrt[n]``, ``^``,
``\\cdot``, ``\\times``, ``\\left( \\right)``, ``\\ln``, ``\\sin x``, ``\\sin^2 x``, ``e^{u}``, implicit
multiplication such as ``2x`` or ``x\\sin(x)``, decimals as fractions) and then read by
:func:`rpsdg.expr.parse.parse`; whatever the converter does not know makes the piece unreadable (``None``),
never an exception.

Every read is bounded: text length (:data:`MAX_ANSWER_CHARS`, :data:`MAX_PIECE_CHARS`), brace nesting,
tree size (:data:`MAX_NODES`), literal size (:data:`MAX_LITERAL`) and literal exponents (:data:`MAX_EXPONENT`),
so the canonical form and the numeric checks that follow stay fast on hostile input.

The kinds' scorers (``kinds/<kind>/score.py``) receive a :class:`Reader` and decide what the pieces of an answer
mean (a root, a tuple, an antiderivative, a chain of equalities). To read a new notation, add it to
:data:`_COMMANDS` (LaTeX commands) or :func:`_tokens_to_infix` (token rules) and a case in
``tests/test_env_reading.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rpsdg.errors import RpsdgError
from rpsdg.expr.parse import parse
from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import FUNCTIONS, Expr

MAX_TEXT_CHARS = 20_000
"""Model text longer than this is not read at all (it scores 0)."""
MAX_ANSWER_CHARS = 4_000
"""The final answer segment may be at most this long."""
MAX_PIECE_CHARS = 1_500
"""One expression piece may be at most this long."""
MAX_NODES = 400
"""An expression read from model text may have at most this many nodes."""
MAX_LITERAL = 10 ** 15
"""Integer literals larger than this (in absolute value) are refused."""
MAX_EXPONENT = 64
"""A literal exponent larger than this (in absolute value) is refused."""
MAX_NESTING = 60

_FUNCTION_NAMES = {name: name for name in FUNCTIONS} | {
    "ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arsinh": "asinh", "arcsinh": "asinh",
    "arcosh": "acosh", "arccosh": "acosh", "artanh": "atanh", "arctanh": "atanh", "tg": "tan"}
_COMMANDS = {
    "cdot": "*", "times": "*", "div": "/", "ast": "*", "left": "", "right": "", "big": "", "Big": "", "bigg": "",
    "Bigg": "", "bigl": "", "bigr": "", "Bigl": "", "Bigr": "", "displaystyle": "", "textstyle": "", ",": " ",
    ";": " ", "!": "", ":": " ", " ": " ", "quad": " ", "qquad": " ", "cdotp": "*", "pm": "±", "mp": "∓",
    "le": "<=", "leq": "<=", "ge": ">=", "geq": ">=", "ne": "!=", "neq": "!=", "lt": "<", "gt": ">",
    "infty": "oo", "pi": "pi", "{": "{", "}": "}", "lbrace": "{", "rbrace": "}", "in": " in ", "lor": " or ",
    "vee": " or ", "land": " and ", "wedge": " and ", "emptyset": " emptyset ", "varnothing": " emptyset ",
    "varepsilon": "epsilon", "lvert": "|", "rvert": "|", "vert": "|", "mid": "|",
} | {name: f" {target} " for name, target in _FUNCTION_NAMES.items()}
_UNICODE = {"−": "-", "–": "-", "·": "*", "×": "*", "⋅": "*", "÷": "/", "√": "sqrt", "≤": "<=", "≥": ">=",
            "≠": "!=", "∈": " in ", "∨": " or ", "∧": " and ", "∅": " emptyset ", "²": "^2", "³": "^3",
            "π": "pi", "∫": "\\int "}
_INFIX_TOKEN = re.compile(r"\d+\.\d*|\.\d+|\d+|[A-Za-z_][A-Za-z0-9_]*|\*\*|==|!=|<=|>=|[-+*/^(),<>=\[\]]|\S")


class Unreadable(RpsdgError):
    """Model text our reader does not understand (scored 0 or labelled ``unparsed``, never raised to users)."""


# -- the final answer -----------------------------------------------------------------------------------------

_ANSWER_IS = re.compile(r"(?:final answer|the answer|answer)\s*(?:is|:)\s*[:]?\s*", re.IGNORECASE)


def final_answer(text: str) -> str | None:
    """The final answer in model ``text``: the last ``\\boxed{...}`` (or ``\\fbox``), else what follows the last
    "the answer is" / "Answer:" up to the end of its line, else the last non-empty line. Dollar signs and
    ``\\( \\)``/``\\[ \\]`` around it are removed. ``None`` for text that is empty, not a string or longer than
    :data:`MAX_TEXT_CHARS`."""
    if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS or not text.strip():
        return None
    boxed = _last_command_argument(text, ("\\boxed", "\\fbox"))
    if boxed is not None:
        answer = boxed
    else:
        matches = list(_ANSWER_IS.finditer(text))
        if matches:
            rest = text[matches[-1].end():]
            answer = rest.split("\n", 1)[0] if rest.strip() else ""
            if not answer.strip():
                answer = rest.strip().split("\n", 1)[0]
        else:
            lines = [line for line in text.splitlines() if line.strip()]
            answer = lines[-1]
    answer = _math_of_prose(answer.strip().strip("*").strip())
    answer = _strip_math_delimiters(answer)
    if not answer or len(answer) > MAX_ANSWER_CHARS:
        return None
    return answer


_WORD = re.compile(r"[A-Za-z]{3,}")


def _math_of_prose(text: str) -> str:
    """The math segments of a line that mixes prose and ``$...$`` math, joined by commas (``The solutions are $x =
    2$ and $x = 3$`` gives ``x = 2, x = 3``); other text unchanged."""
    if "$" not in text and "\\(" not in text:
        return text
    segments = math_segments(text)
    prose = _MATH.sub(" ", text)
    if segments and _WORD.search(prose) and segments != [text.strip()]:
        return ", ".join(segments)
    return text


def _strip_math_delimiters(text: str) -> str:
    text = text.strip().rstrip(".").strip()
    for left, right in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if text.startswith(left) and text.endswith(right) and len(text) >= len(left) + len(right):
            text = text[len(left):len(text) - len(right)].strip()
    text = text.replace("$", " ")
    return text.strip().rstrip(".").strip()


def _last_command_argument(text: str, commands: tuple[str, ...]) -> str | None:
    best = -1
    for command in commands:
        best = max(best, text.rfind(command + "{"))
    if best < 0:
        return None
    start = text.index("{", best)
    content, _ = _braced(text, start)
    return content


def _braced(text: str, start: int) -> tuple[str, int]:
    """The content of the brace group opening at ``start`` and the index after it (unclosed: up to the end)."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in "{}":
            continue
        if char == "{" and (index == 0 or text[index - 1] != "\\"):
            depth += 1
        elif char == "}" and (index == 0 or text[index - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return text[start + 1:index], index + 1
    return text[start + 1:], len(text)


_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|\$(.+?)\$", re.DOTALL)


def math_segments(text: str) -> list[str]:
    """The math segments of ``text`` in order; ``[text]`` when it has none."""
    found = [next(group for group in match.groups() if group is not None) for match in _MATH.finditer(text)]
    return [segment.strip() for segment in found if segment.strip()] or [text.strip()]


# -- splitting --------------------------------------------------------------------------------------------------

def split_top(text: str, separators: tuple[str, ...]) -> list[str]:
    """``text`` cut at every separator that is outside (), [] and {} (and not part of ``<=``, ``>=``, ``!=``,
    ``==`` when the separator is ``=``); pieces are stripped, empty ones dropped."""
    pieces: list[str] = []
    depth = 0
    start = 0
    index = 0
    ordered = sorted(separators, key=len, reverse=True)
    while index < len(text):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0:
            for separator in ordered:
                if text.startswith(separator, index):
                    if separator == "=" and (text[index - 1:index] in ("<", ">", "!", "=")
                                             or text[index + 1:index + 2] == "="):
                        continue
                    pieces.append(text[start:index])
                    index += len(separator)
                    start = index
                    break
            else:
                index += 1
                continue
            continue
        index += 1
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


# -- LaTeX to our infix -----------------------------------------------------------------------------------------

def normalize(text: str) -> str:
    """LaTeX and Unicode notation rewritten into plain tokens, structure kept: ``\\frac{a}{b}`` → ``((a)/(b))``,
    ``\\sqrt{a}`` → ``sqrt(a)``, ``^{a}`` → ``^(a)``, ``\\text{or}`` → ``or``, ``\\{``/``\\}`` → ``{``/``}``,
    ``\\int f \\, dx`` kept as the word ``\\int``. Raises :class:`Unreadable` on an unknown command."""
    if len(text) > MAX_ANSWER_CHARS * 4:
        raise Unreadable("text too long")
    for old, new in _UNICODE.items():
        text = text.replace(old, new)
    return _convert(text, 0).replace("$", " ")


def _convert(text: str, nesting: int) -> str:
    if nesting > MAX_NESTING:
        raise Unreadable("nesting too deep")
    out: list[str] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            name, index = _command_name(text, index + 1)
            if name in ("frac", "dfrac", "tfrac", "cfrac"):
                top, index = _argument(text, index)
                bottom, index = _argument(text, index)
                out.append(f" (({_convert(top, nesting + 1)})/({_convert(bottom, nesting + 1)})) ")
            elif name == "sqrt":
                degree = None
                if text[index:index + 1] == "[":
                    close = text.find("]", index)
                    if close < 0:
                        raise Unreadable("unclosed \\sqrt[")
                    degree, index = text[index + 1:close], close + 1
                inner, index = _argument(text, index)
                inner = _convert(inner, nesting + 1)
                out.append(f" sqrt({inner}) " if degree is None else
                           f" (({inner})^(1/({_convert(degree, nesting + 1)}))) ")
            elif name in ("text", "mathrm", "textrm", "operatorname", "mathit", "mathbf", "textbf", "mbox", "mathcal",
                          "boxed", "fbox"):
                inner, index = _argument(text, index)
                converted = _convert(inner, nesting + 1)
                out.append(f" {converted} " if name not in ("boxed", "fbox") else f"({converted})")
            elif name == "int":
                out.append(" \\int ")
            elif name in ("mathrm", "mathbb"):
                _, index = _argument(text, index)
            elif name in _COMMANDS:
                out.append(_COMMANDS[name])
            else:
                raise Unreadable(f"unknown LaTeX command \\{name}")
        elif char == "^" and text[index + 1:].lstrip()[:1] == "(":
            out.append("^")
            index += 1
        elif char == "^":
            argument, index = _argument(text, index + 1)
            out.append(f"^({_convert(argument, nesting + 1)})")
        elif char == "_":
            argument, index = _argument(text, index + 1)
            out.append("_" + re.sub(r"[^A-Za-z0-9]", "", argument))
        elif char == "{":
            inner, index = _braced(text, index)
            out.append(f"{{{_convert(inner, nesting + 1)}}}")
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _command_name(text: str, index: int) -> tuple[str, int]:
    if index >= len(text):
        return " ", index
    if not text[index].isalpha():
        return text[index], index + 1
    end = index
    while end < len(text) and text[end].isalpha():
        end += 1
    return text[index:end], end


def _argument(text: str, index: int) -> tuple[str, int]:
    """One TeX argument at ``index``: a brace group, a command (``\\pi``) or one character."""
    while index < len(text) and text[index] == " ":
        index += 1
    if index >= len(text):
        raise Unreadable("missing argument")
    if text[index] == "{":
        return _braced(text, index)
    if text[index] == "\\":
        name, end = _command_name(text, index + 1)
        return "\\" + name, end
    return text[index], index + 1


def _infix_tokens(text: str) -> list[str]:
    return _INFIX_TOKEN.findall(text)


def _is_atom_end(token: str) -> bool:
    return token == ")" or token[:1].isdigit() or token[:1] == "." or (
        token[:1].isalpha() or token[:1] == "_") and token not in _FUNCTION_NAMES


def _is_atom_start(token: str) -> bool:
    return token == "(" or token[:1].isdigit() or token[:1] == "." or token[:1].isalpha() or token[:1] == "_"


def _decimal(token: str) -> list[str]:
    whole, _, fraction = token.partition(".")
    if len(token) > 40:
        raise Unreadable("decimal too long")
    value = Fraction(int(whole or "0") * 10 ** len(fraction) + int(fraction or "0"), 10 ** len(fraction))
    return ["(", str(value.numerator), "/", str(value.denominator), ")"] if value.denominator != 1 else \
        [str(value.numerator)]


def _split_name(token: str) -> list[str]:
    """A LaTeX run of letters is a product of one-letter variables (``xy`` is ``x*y``) unless it is a function
    name, a constant name, or carries a subscript (``x_1``)."""
    if token in _FUNCTION_NAMES or "_" in token or len(token) == 1 or any(c.isdigit() for c in token):
        return [token]
    if token in ("pi", "oo", "or", "and", "in", "emptyset", "const"):
        return [token]
    return list(token)


def _tokens_to_infix(tokens: list[str]) -> str:
    """Implicit multiplication, function calls without brackets (``sin x``, ``sin^2 x``), ``e^u`` as ``exp(u)``,
    decimals as fractions; the result is text for :func:`rpsdg.expr.parse.parse`."""
    expanded: list[str] = []
    for token in tokens:
        if token[:1].isalpha():
            expanded.extend(_split_name(token))
        elif token[:1].isdigit() or token[:1] == ".":
            expanded.extend(_decimal(token) if "." in token else [token])
        else:
            expanded.append(token)
    tokens = ["**" if t == "^" else t for t in expanded]
    if "|" in tokens:  # |u| is sqrt(u^2): bars pair up left to right
        bars = [position for position, t in enumerate(tokens) if t == "|"]
        if len(bars) % 2:
            raise Unreadable("unpaired |")
        rebuilt: list[str] = []
        opening = True
        for t in tokens:
            if t == "|":
                rebuilt.extend(["sqrt", "(", "("] if opening else [")", "**", "2", ")"])
                opening = not opening
            else:
                rebuilt.append(t)
        tokens = rebuilt
    out: list[str] = []
    index = 0

    def atom(start: int) -> tuple[list[str], int]:
        """One operand starting at ``start``: a bracket group, or a number / name, with a following power."""
        if start >= len(tokens):
            raise Unreadable("missing operand")
        if tokens[start] == "(":
            depth, end = 0, start
            while end < len(tokens):
                depth += tokens[end] == "("
                depth -= tokens[end] == ")"
                end += 1
                if depth == 0:
                    break
            piece = tokens[start:end]
        elif tokens[start] in ("-", "+"):
            inner, end = atom(start + 1)
            piece = [tokens[start]] + inner
        else:
            piece, end = [tokens[start]], start + 1
        if end < len(tokens) and tokens[end] == "**":
            power, end = atom(end + 1)
            piece = piece + ["**"] + power
        return piece, end

    while index < len(tokens):
        token = tokens[index]
        if out and _is_atom_end(out[-1]) and _is_atom_start(token):
            out.append("*")
        if token == "e" and index + 1 < len(tokens) and tokens[index + 1] == "**":
            exponent, index = atom(index + 2)
            out.extend(["exp", "(", _tokens_to_infix(exponent), ")"])
            continue
        if token == "e" and not (index + 1 < len(tokens) and tokens[index + 1] == "("):
            out.extend(["exp", "(", "1", ")"])
            index += 1
            continue
        if token in _FUNCTION_NAMES:
            name = _FUNCTION_NAMES[token]
            index += 1
            power: list[str] = []
            if index < len(tokens) and tokens[index] == "**":
                power, index = atom(index + 1)
            if index < len(tokens) and tokens[index] == "(":
                end = index + _balanced_prefix(tokens[index:])
                call = [name, "(", _tokens_to_infix(tokens[index + 1:end - 1]), ")"]
                index = end
            else:
                argument = []
                if index + 1 < len(tokens) and tokens[index] in _FUNCTION_NAMES and tokens[index + 1] == "(":
                    end = index + 1 + _balanced_prefix(tokens[index + 1:])
                    argument, index = tokens[index:end], end
                while index < len(tokens) and (tokens[index][:1].isalnum() or tokens[index] == "(") \
                        and tokens[index] not in _FUNCTION_NAMES and tokens[index] not in ("or", "and", "in"):
                    piece, index = atom(index)
                    if argument:
                        argument.append("*")
                    argument.extend(piece)
                if not argument:
                    raise Unreadable(f"{token} without an argument")
                call = [name, "(", _tokens_to_infix(argument), ")"]
            if power:
                out.extend(["(", *call, ")", "**", "(", _tokens_to_infix(power), ")"])
            else:
                out.extend(call)
            continue
        out.append(token)
        index += 1
    return " ".join(out)


def _balanced_prefix(tokens: list[str]) -> int:
    depth = 0
    for position, token in enumerate(tokens):
        depth += token == "("
        depth -= token == ")"
        if depth == 0:
            return position + 1
    return len(tokens)


def to_infix(text: str) -> str:
    """LaTeX or plain math ``text`` (one expression or relation) as text in our grammar; raises
    :class:`Unreadable`."""
    if len(text) > MAX_PIECE_CHARS:
        raise Unreadable("expression too long")
    plain = normalize(text).replace("{", "(").replace("}", ")").replace("[", "(").replace("]", ")")
    return _tokens_to_infix(_infix_tokens(plain))


def read_expr(text: str, what: str = "answer") -> Expr | None:
    """``text`` (LaTeX or plain) as a bounded expression tree, or ``None`` if it cannot be read or is too big."""
    try:
        tree = parse(to_infix(text), what)
    except (RpsdgError, RecursionError, ValueError, IndexError):
        return None
    return tree if bounded(tree) else None


def bounded(tree: Expr) -> bool:
    """Whether ``tree`` is within the size, literal and exponent bounds (iterative: the tree is a stranger's)."""
    count = 0
    stack = [tree]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            return False
        if node.op == "num" and abs(node.value) > MAX_LITERAL:  # type: ignore[arg-type]
            return False
        if node.op == "pow":
            exponent = node.args[1]
            if not _has_variable(exponent):
                value = _constant_value(exponent)
                if value is None or abs(value) > MAX_EXPONENT or value.denominator > MAX_EXPONENT:
                    return False  # 2^(2^(2^2)), 10^(10^10), x^(10^12): refused before anything expands them
            if node.args[0].op == "pow" and _literal_exponent(node) * _literal_exponent(node.args[0]) > 512:
                return False
        stack.extend(node.args)
    return True


def _constant_value(e: Expr) -> Fraction | None:
    """The value of a constant built from literals with + - * / and negation (no powers, no functions); ``None``
    for anything else."""
    if e.op == "num":
        return Fraction(e.value)  # type: ignore[arg-type]
    if e.op == "neg":
        inner = _constant_value(e.args[0])
        return None if inner is None else -inner
    if e.op in ("add", "sub", "mul", "div"):
        a, b = _constant_value(e.args[0]), _constant_value(e.args[1])
        if a is None or b is None or (e.op == "div" and b == 0):
            return None
        if max(abs(a.numerator), a.denominator, abs(b.numerator), b.denominator) > MAX_LITERAL:
            return None
        return {"add": a + b, "sub": a - b, "mul": a * b}[e.op] if e.op != "div" else a / b
    return None


def _literal_exponent(node: Expr) -> int:
    exponent = node.args[1]
    if exponent.op == "num":
        return abs(exponent.value)  # type: ignore[arg-type]
    return 1


def _has_variable(e: Expr) -> bool:
    return any(node.op == "sym" for _, node in e.positions())


@dataclass(frozen=True)
class Reader:
    """What a kind's scorer gets to read model text with (the kind never sees our LaTeX tables); stateless."""

    def expr(self, text: str, what: str = "answer") -> Expr | None:
        """One expression or relation, LaTeX or plain, bounded; ``None`` if unreadable."""
        return read_expr(text, what)

    def normalize(self, text: str) -> str | None:
        """LaTeX structure rewritten as plain tokens (see :func:`normalize`); ``None`` if unreadable."""
        try:
            return normalize(text)
        except (Unreadable, RecursionError, IndexError, ValueError):
            return None

    def split(self, text: str, separators: tuple[str, ...]) -> list[str]:
        """Top-level pieces of ``text`` (see :func:`split_top`)."""
        return split_top(text, separators)

    def math(self, text: str) -> list[str]:
        """The math segments of a line (``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``); the whole line when it
        has none."""
        return math_segments(text)


READER = Reader()
"""The reader every scorer uses (stateless)."""
