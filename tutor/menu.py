"""The arrow-key menu: a select (or a checkbox) made of questionary's pieces with keys of our
own. questionary's j/k (and the checkbox's a/i) would act on the letters of a command typed
at the menu, and its Enter would then pick or answer whatever they left pointed at.

Printable keys are kept as typed text and shown in the instruction line; an arrow key,
Backspace to its start, or Esc drops it. Enter with typed text returns `Typed` when the menu
`takes_text`, else drops the text and says so in a line above the menu (a line, not the
instruction, so that a transcript has it whole), picking or answering nothing.

asking.py asks through it (`ask_choice`, `ask_checkbox`); prompt_toolkit and questionary are
imported when a menu is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from .markup import printable, say


@dataclass(frozen=True)
class Typed:
    """What the learner typed at a menu and confirmed with Enter, instead of choosing: most
    likely a command, typed as at a shell prompt. Returned by `ask_choice(takes_text=True)`."""

    text: str


# A menu's instruction line: its keys, or (_TYPED, after "(typed: TEXT") what typing does.
_SELECT_KEYS = "(Use arrow keys)"
_CHECKBOX_KEYS = "(Use arrow keys to move, <space> to select, <enter> to answer)"
_TYPED = {
    "command": " - Enter puts it in the Command prompt, Esc erases it)",
    "select": " - this menu takes the arrow keys and Enter, not text; Esc erases it)",
    "checkbox": " - choices are ticked with <space>, not typed; Esc erases it)",
}
# Said above the menu when Enter finds typed text that it takes for nothing.
_ERASED = {
    "select": "Typed text is not a choice, and was erased: use the arrow keys, then Enter.",
    "checkbox": "Not answered: typed text is not an answer, and was erased. Use the arrow keys "
                "to move, space to select, Enter to answer.",
}


class Menu:
    """One menu on the screen: its choices (questionary's `InquirerControl`), the text typed
    at it so far, and the keys that move, tick, type and answer.

    `question()` is the questionary `Question` to ask; its answer is the chosen value, the
    ticked values (`multiple`), or `Typed` (`takes_text`).
    """

    def __init__(self, message: str, choices: list[tuple[str, str]], multiple: bool,
                 takes_text: bool = False):
        from questionary import Choice
        from questionary.prompts.common import InquirerControl

        # A choice can be a name from the sandbox: shown, never acted on by the terminal.
        self.message = printable(message)
        self.control = InquirerControl(
            [Choice(printable(label), value=value) for value, label in choices],
            use_indicator=multiple)
        self.multiple = multiple
        self.takes_text = takes_text
        self.kind = "checkbox" if multiple else ("command" if takes_text else "select")
        self.typed = ""  # typed so far
        self.taken: str | None = None  # the typed text Enter took

    def tokens(self):
        """The question line: the message, then the instruction, the typed text or the
        answer."""
        from questionary.constants import DEFAULT_QUESTION_PREFIX

        control = self.control
        line = [("class:qmark", DEFAULT_QUESTION_PREFIX), ("class:question", f" {self.message} ")]
        if self.taken is not None:
            return line + [("class:answer", self.taken)]
        if control.is_answered:
            if not self.multiple:
                return line + [("class:answer", control.get_pointed_at().title)]
            ticked = control.get_selected_values()
            answer = (f"[{ticked[0].title}]" if len(ticked) == 1
                      else f"done ({len(ticked)} selections)" if ticked else "done")
            return line + [("class:answer", answer)]
        if self.typed:
            return line + [("class:instruction", "(typed: "), ("class:answer", self.typed),
                           ("class:instruction", _TYPED[self.kind])]
        return line + [("class:instruction",
                        _CHECKBOX_KEYS if self.multiple else _SELECT_KEYS)]

    def type_text(self, text: str) -> None:
        if self.typed or text.strip():  # no typed text begins with a space
            self.typed += text

    def erase(self) -> None:
        self.typed = ""

    def move(self, step: int):
        def handler(event):
            self.erase()  # back to the menu: what was typed is dropped
            control = self.control
            control.pointed_at = (control.pointed_at + step) % len(control.choices)
        return handler

    def space(self, event) -> None:
        if self.typed or not self.multiple:
            self.type_text(" ")
            return
        control = self.control
        pointed = control.get_pointed_at().value
        if pointed in control.selected_options:
            control.selected_options.remove(pointed)
        else:
            control.selected_options.append(pointed)

    def enter(self, event) -> None:
        from prompt_toolkit.application import run_in_terminal

        text = self.typed.strip()
        control = self.control
        if text and self.takes_text:
            self.taken = text
            control.is_answered = True
            event.app.exit(result=Typed(text))
        elif text:  # typed text is neither a choice nor an answer
            self.erase()
            notice = _ERASED["checkbox" if self.multiple else "select"]
            run_in_terminal(lambda: say(notice, style="yellow"))
        else:
            control.is_answered = True
            event.app.exit(result=[c.value for c in control.get_selected_values()]
                           if self.multiple else control.get_pointed_at().value)

    def key_bindings(self):
        from prompt_toolkit.key_binding import KeyBindings
        from prompt_toolkit.keys import Keys

        bindings = KeyBindings()

        @bindings.add(Keys.ControlC, eager=True)
        @bindings.add(Keys.ControlD, eager=True)  # end of input: as Ctrl-C, at every prompt
        @bindings.add(Keys.ControlQ, eager=True)
        def cancel(event):
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

        for key in (Keys.Down, Keys.ControlN):
            bindings.add(key, eager=True)(self.move(1))
        for key in (Keys.Up, Keys.ControlP):
            bindings.add(key, eager=True)(self.move(-1))
        bindings.add(" ", eager=True)(self.space)

        @bindings.add(Keys.Backspace, eager=True)
        def backspace(event):
            self.typed = self.typed[:-1]

        # eager: Esc never begins an Alt- sequence here
        bindings.add(Keys.Escape, eager=True)(lambda event: self.erase())

        @bindings.add(Keys.BracketedPaste)
        def paste(event):  # a pasted command is typed text; a newline in it is not an Enter
            self.type_text(" ".join(event.data.split()))

        @bindings.add(Keys.Any)
        def other(event):
            if event.data.isprintable():
                self.type_text(event.data)

        bindings.add(Keys.ControlM, eager=True)(self.enter)
        return bindings

    def question(self):
        from prompt_toolkit.application import Application
        from prompt_toolkit.layout.controls import BufferControl
        from questionary.constants import DEFAULT_STYLE
        from questionary.prompts.common import create_inquirer_layout
        from questionary.question import Question

        layout = create_inquirer_layout(self.control, self.tokens)
        for window in layout.find_all_windows():
            # The layout's hidden line buffer must not answer for the menu: prompt_toolkit's
            # own Emacs keys (Alt-Enter, an Esc then Enter) would end the menu with its empty
            # text.
            if isinstance(window.content, BufferControl):
                window.content.buffer.accept_handler = None
        application = Application(layout=layout, key_bindings=self.key_bindings(),
                                  style=DEFAULT_STYLE)
        return Question(application)
