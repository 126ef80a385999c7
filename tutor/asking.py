"""What the learner answers: a choice among (value, label) pairs, ticks, a line of text, a
yes or no, a key press. The arrow-key menus are menu.py's, questionary's and prompt_toolkit's;
in plain mode (plain.py) the same functions ask with plain_prompts.py's numbered prompts.
Ctrl-C or the end of input at any prompt is `Cancelled`.
"""

from __future__ import annotations

from . import plain
from .markup import printable
from .menu import Menu, Typed

class Cancelled(Exception):
    """The learner pressed Ctrl-C or Ctrl-D at a prompt."""


def _answer(question):
    try:
        answer = question.ask()  # questionary returns None on Ctrl-C
    except EOFError:  # Ctrl-D at an empty prompt (prompt_toolkit's end of input)
        raise Cancelled() from None
    if answer is None:
        raise Cancelled()
    return answer


def _plainly(ask, *args):
    """Ask in plain mode (plain_prompts.py): Ctrl-C or the end of input cancels, as at a menu."""
    from . import plain_prompts

    try:
        return getattr(plain_prompts, ask)(*args)
    except (KeyboardInterrupt, EOFError):
        raise Cancelled() from None


def ask_choice(message: str, choices: list[tuple[str, str]],
               takes_text: bool = False) -> str | Typed:
    """Pick one of (value, label) choices; returns the value. The arrow keys move and Enter
    picks; letters move nothing. With `takes_text`, text typed and then Enter returns
    `Typed(text)`; elsewhere that Enter picks nothing: the typed text is erased, and the
    learner told so. In plain mode, a number picks (typed text is no command there)."""
    if plain.on():
        return choices[_plainly("choose", message, [label for _, label in choices])][0]
    return _answer(Menu(message, choices, multiple=False, takes_text=takes_text).question())


def ask_checkbox(message: str, choices: list[str]) -> list[str]:
    """Tick any of `choices`: the arrow keys move, space ticks, Enter answers. Letters tick
    nothing, and an Enter after typed text answers nothing (the text is erased). In plain
    mode: their numbers."""
    if plain.on():
        return [choices[index] for index in _plainly("choose_many", message, choices)]
    return _answer(Menu(message, [(choice, choice) for choice in choices],
                        multiple=True).question())


def ask_text(message: str, default: str = "") -> str:
    """A line of text; `default` is there already, to confirm with Enter or edit (in plain
    mode, Enter alone takes it)."""
    if plain.on():
        return _plainly("line", message, default)
    import questionary

    return _answer(questionary.text(printable(message), default=default))


def ask_confirm(message: str, default: bool = True) -> bool:
    if plain.on():
        return _plainly("confirm", message, default)
    import questionary

    return _answer(questionary.confirm(printable(message), default=default))


def ask_key(message: str, keys: dict[str, str]) -> str:
    """Wait for one key press among `keys` (prompt_toolkit key names, e.g. "enter", to the
    value returned); other keys are ignored, Ctrl-C and Ctrl-D cancel. No Enter is needed
    after a letter: an instructor at a projector presses one key (in plain mode, a letter
    is typed then Enter)."""
    if plain.on():
        return _plainly("key", message, keys)
    from prompt_toolkit.application import Application
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import FormattedTextControl, Layout, Window

    bindings = KeyBindings()
    for key, value in keys.items():
        bindings.add(key)(lambda event, value=value: event.app.exit(result=value))
    for key in ("c-c", "c-d"):
        bindings.add(key)(lambda event: event.app.exit(result=None))
    prompt = Window(FormattedTextControl([("bold", message + " ")]), height=1)
    answer = Application(layout=Layout(prompt), key_bindings=bindings).run()
    if answer is None:
        raise Cancelled()
    return answer
