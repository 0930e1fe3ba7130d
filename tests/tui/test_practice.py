"""`tutor practice` and `tutor example --answers`: what the student sees when typing values and when
their own worksheet is marked, driven with Pilot."""

from __future__ import annotations

import copy

import pytest
from textual.widgets import Input
from tui_helpers import pilot_test, screen_text

from backprop_tutor.check.checker import check_answers
from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.practice import PracticeSession
from backprop_tutor.check.templates import render
from backprop_tutor.cli import main
from backprop_tutor.spec import load_spec, resolve_example
from backprop_tutor.tui.answers_overlay import WORKSHEET_ROWS, AnswersApp
from backprop_tutor.tui.marks import MarksPanel
from backprop_tutor.tui.messages import NeuronSelected
from backprop_tutor.tui.practice import PracticeApp


@pytest.fixture(scope="module")
def hand_ref():
    return reference_for(load_spec(resolve_example("hand-backprop")))


def marks(app) -> str:
    return " ".join(str(app.query_one(MarksPanel).content).split())


async def type_answer(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await pilot.pause()


@pilot_test
@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_practice_hides_each_value_until_typed_and_marks_right_wrong_and_carried(hand_ref, size):
    app = PracticeApp(PracticeSession(hand_ref))
    async with app.run_test(size=size) as pilot:
        await pilot.press("right")  # step 2: s(1), a(1), a'(1)
        await pilot.pause()
        screen = screen_text(app)
        assert "= [[1, -2, 1], [3, 4, -2]]·[1, -1, 1] + [1, -2]" in screen and "= ?" in screen
        assert "[5, -5]" not in screen and "s=5" not in screen  # not in the worksheet, not in the diagram
        assert app.query_one("#answer", Input).placeholder.startswith("s(1) = ?")
        await type_answer(pilot, "[5, -5]")  # right
        assert marks(app) == "s(1): ✓"
        # shown now: in the worksheet, and substituted in a(1)'s equation (the step panel keeps a(1)'s ? in view)
        assert "1  [5, -5]" in screen_text(app) and "relu([5, -5])" in screen_text(app)
        await type_answer(pilot, "[6, 0]")  # wrong: relu(5) = 5
        assert "a(1): ✗ root a(1)[1]: you wrote 6, it is 5" in marks(app)
        assert "next steps use the true values shown; a value from yours is ✗ carried" in screen_text(app)
        await type_answer(pilot, "1, 0")
        await pilot.press("right")  # the step is done: → goes on
        await pilot.pause()
        await type_answer(pilot, "[7, 18]")  # s(2) from their a(1) = [6, 0]: W(2)·[6, 0] + b(2)
        assert marks(app) == "s(2): ✗ carried s(2)[1]: you wrote 7, it is 6 (+1 more)"  # one short line
        await pilot.press("f2")  # the details: each value, why, the working
        await pilot.pause()
        text = marks(app)
        assert "s(2): ✗ carried s(2)[1]: you wrote 7, it is 6 · follows from your a(1)" in text
        assert "from your values: s(2)[1] = W(2)[1,·] a(1) + b(2)[1] = 1·6 + (-2)·0 + 1 = 7" in text
        assert "✗ root" not in text
        assert "practice · 5 ✓ 1 ✗ root 2 ✗ carried · 8 of 72 values" in screen_text(app)


@pilot_test
async def test_practice_does_not_go_past_an_unanswered_value_and_reveal_marks_it_revealed(hand_ref):
    app = PracticeApp(PracticeSession(hand_ref))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right")
        app.step = 5  # e.g. the end key: held at the step that asks s(1)
        await pilot.pause()
        assert app.step == 1
        await type_answer(pilot, "five")  # not a number: nothing judged, asked again
        assert app.session.current.name == "s(1)" and "five" in app.query_one("#answer", Input).value
        app.query_one("#answer", Input).value = ""
        app.set_focus(None)
        await pilot.press("f")  # every array of the step would show s(1): not while it is asked
        app.post_message(NeuronSelected(1, 0))  # nor the neuron's s, a, a'
        await pilot.pause()
        assert len(app.screen_stack) == 1
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "s(1): revealed s(1)[1] = 5 (+1 more)" in marks(app) and "= [5, -5]" in screen_text(app)
        await pilot.press("f2")
        await pilot.pause()
        assert "s(1): revealed s(1)[1] = 5 revealed s(1)[2] = -5" in marks(app)
        assert "missing" not in marks(app) and "practice · nothing typed yet 2 revealed · 2 of 72" in screen_text(app)


@pilot_test
async def test_a_revealed_update_is_said_revealed_not_a_missing_bias(hand_ref):
    app = near_the_end(hand_ref, 2)
    async with app.run_test(size=(100, 50)) as pilot:
        app.step = app.session.current_step
        await pilot.pause()
        await type_answer(pilot, "[[-0.5, -0.5, -0.5], [3, 4, -2]]")  # W(1) new typed, b(1) new revealed
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        text, screen = marks(app), screen_text(app)
        assert text == "W(1): ✓ b(1): revealed b(1)[1] = -0.5 revealed b(1)[2] = -2"
        assert "missing" not in screen and "revealed×2" in screen  # the worksheet cell's mark too
        assert "6 right, 0 root mistakes, 0 carried, 66 revealed (of 72 values)" in screen


def drawn_rows(app) -> list[str]:
    """The screen's lines, each with its runs of spaces made one."""
    return [" ".join(line.split()) for line in screen_text(app).splitlines()]


def asking(ref, name: str) -> PracticeApp:
    """Practice with every value before ``name`` revealed."""
    session = PracticeSession(ref)
    while session.current.name != name:
        session.reveal()
    return PracticeApp(session)


async def at_the_step_asked(pilot) -> None:
    pilot.app.step = pilot.app.session.current_step
    await pilot.pause()


def near_the_end(ref, left: int) -> PracticeApp:
    """Practice with every value but the last ``left`` revealed."""
    session = PracticeSession(ref)
    for _ in range(len(ref.slots) - left):
        session.reveal()
    return PracticeApp(session)


@pilot_test
async def test_practice_ends_with_a_summary_said_once(hand_ref):
    app = near_the_end(hand_ref, 1)
    async with app.run_test(size=(100, 30)) as pilot:
        app.step = app.session.current_step
        await pilot.pause()
        await type_answer(pilot, "[-0.5, -2]")  # b(1) after the update, the last value
        assert app.session.finished
        screen = screen_text(app)
        assert "0 right" not in screen and screen.count("2 right, 0 root mistakes, 0 carried, 70 revealed") == 1
        assert [n.title for n in app._notifications] == ["practice done"]  # one notice, not two
        await pilot.press("left", "right", "ctrl+r")
        await pilot.pause()
        assert [n.title for n in app._notifications] == ["practice done"]


@pilot_test
@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_while_typing_the_footer_says_how_to_look_back_get_help_and_quit(hand_ref, size):
    app = PracticeApp(PracticeSession(hand_ref))
    async with app.run_test(size=size) as pilot:
        await pilot.press("right")
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert app.focused.id == "answer"
        assert "esc Leave box, then ← back" in footer and "F1 Help" in footer and "^q Quit" in footer
        assert "q Quit" not in footer.replace("^q Quit", "") and "? Help" not in footer  # q and ? are typed here
        await pilot.press("q", "f1")
        await pilot.pause()
        assert app.query_one("#answer", Input).value == "q" and len(app.screen_stack) == 2  # F1: the help
        await pilot.press("escape", "escape", "left")  # close the help, leave the box, look back
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert app.step == 0 and "? Help" in footer and "^q Quit" in footer  # the same key quits everywhere
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


@pilot_test
async def test_example_answers_marks_the_students_cells_step_by_step(hand_ref, hand_float64, tmp_path):
    key = render(hand_ref, "hand-backprop", "md", key=True)
    # s(1) = [4, -5] instead of [5, -5], and a(1) = relu of it: one root mistake, one carried value
    sheet = tmp_path / "mine.md"
    sheet.write_text(key.replace("| 1 | [5, -5] | [5, 0] | [1, 0] |", "| 1 | [4, -5] | [4, 0] | [1, 0] |"))
    app = AnswersApp(hand_float64, check_answers(sheet))
    async with app.run_test(size=(100, 30)) as pilot:
        assert "(nothing to write at this step)" in marks(app)
        await pilot.press("right")
        await pilot.pause()
        text = marks(app)
        assert "s(1): ✗ root s(1)[1]: you wrote 4, it is 5" in text
        assert "a(1): ✗ carried a(1)[1]: you wrote 4, it is 5 · follows from your s(1)" in text and "a'(1): ✓" in text
        assert "your answers: 70 right, 1 root mistake, 1 carried" in screen_text(app)
        assert len(below(drawn_rows(app), "─worksheet")) >= WORKSHEET_ROWS - 1  # not squeezed by the marks
    app = AnswersApp(hand_float64, check_answers(sheet))
    async with app.run_test(size=(100, 50)) as pilot:  # tall enough for the worksheet's marks
        await pilot.press("right", "right")
        await pilot.pause()
        rows = drawn_rows(app)
        assert "1 [5, -5] [5, 0] [1, 0]" in rows and "✓×1 ✗ root×1 ✓×1 ✗ carried×1 ✓" in rows
        assert "you: [4, -5] you: [4, 0]" in rows  # the student's own value beside the true one
        assert "2 [6, 15] [6, 15] [1, 1]" in rows and "✓ ✓ ✓" in rows


def test_without_a_terminal_practice_and_answers_say_what_to_run(tmp_path, capsys):
    assert main(["practice", "--random", "--seed", "3"]) == 2
    assert "practice is interactive" in capsys.readouterr().err
    assert main(["example", "hand-backprop", "--answers", str(tmp_path / "a.md")]) == 2
    assert "tutor check" in capsys.readouterr().err
    assert main(["practice", "hand-backprop", "--seed", "3"]) == 2
    assert "add --random" in capsys.readouterr().err


def test_a_practice_session_judges_in_order_like_check(hand_ref):
    spec = copy.deepcopy(load_spec(resolve_example("hand-backprop")))
    session = PracticeSession(reference_for(spec))
    assert [m.verdict.value for m in session.answer("[5, -4]")] == ["right", "root"]
    assert [m.verdict.value for m in session.answer("[5, 0]")] == ["right", "right"]  # relu(-4) = 0 = relu(-5)
    assert session.current.name == "a'(1)" and session.current_step == 1


@pytest.mark.parametrize("example", ["hand-backprop", "mazur-sigmoid"])
def test_typing_the_engines_own_values_is_all_right_and_each_is_asked_at_its_step(example):
    from backprop_tutor.numbers.format import fmt_array

    ref = reference_for(load_spec(resolve_example(example)))
    session = PracticeSession(ref)
    steps = []
    while not session.finished:
        slot = session.current
        steps.append(session.current_step)
        assert slot in session.asked_at(session.current_step)
        assert all(m.verdict.value == "right" for m in session.answer(fmt_array(ref.expected[(slot.quantity,
                                                                                               slot.layer)], 8)))
    assert steps == sorted(steps) and len(steps) == len(ref.slots)
    assert session.summary() == f"{session.total} right, 0 root mistakes, 0 carried, 0 revealed " \
                                f"(of {session.total} values)"


@pilot_test
async def test_ctrl_s_saves_the_typed_values_as_an_answer_file_that_check_reads(hand_ref, tmp_path):
    for session, s1 in ((1, "[5, -5]"), (2, "[5, -4]")):  # a second session never replaces the first one's file
        app = PracticeApp(PracticeSession(hand_ref, spec="hand-backprop"), save_dir=tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("right")
            await type_answer(pilot, s1)  # s(1): the second time one right, one root mistake
            await type_answer(pilot, "[5, 0]")  # a(1)
            await pilot.press("ctrl+r", "ctrl+s")  # a'(1) revealed, then saved
            await pilot.pause()
            assert [n.title for n in app._notifications][-1] == "answers saved"
        saved = tmp_path / ("hand-backprop-practice.json" if session == 1 else "hand-backprop-practice-2.json")
        assert app.session.saved_to == saved and not app.session.unsaved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hand-backprop-practice-2.json",
                                                          "hand-backprop-practice.json"]
    marking = check_answers(saved)
    verdicts = {m.name: m.verdict.value for m in marking.cells if m.layer == 1 and m.quantity.value in "s a a'"}
    assert verdicts == {"s(1)[1]": "right", "s(1)[2]": "root", "a(1)[1]": "right", "a(1)[2]": "right",
                        "a'(1)[1]": "missing", "a'(1)[2]": "missing"}


def test_a_random_problems_answers_are_saved_with_its_spec_beside_them(tmp_path):
    from backprop_tutor.check.problems import problem_spec, random_problem, spec_toml

    problem = random_problem(3)
    session = PracticeSession(reference_for(problem_spec(problem, "<practice problem 3>")),
                              spec="practice-problem-3", spec_text=spec_toml(problem))
    slot = session.current
    from backprop_tutor.numbers.format import fmt_array

    session.answer(fmt_array(session.ref.expected[(slot.quantity, slot.layer)], 8))
    (tmp_path / "practice-problem-3-spec.toml").write_text("# the student's own file\n")
    path = session.save(tmp_path)
    assert path.name == "practice-problem-3-practice.json"
    assert (tmp_path / "practice-problem-3-spec.toml").read_text() == "# the student's own file\n"  # not replaced
    assert (tmp_path / "practice-problem-3-spec-2.toml").read_text() == spec_toml(problem)
    cells = check_answers(path).cells
    assert {m.verdict.value for m in cells if (m.quantity, m.layer) == (slot.quantity, slot.layer)} == {"right"}


def test_a_saved_session_resumes_where_it_stopped_with_the_same_marks(hand_ref, tmp_path, capsys):
    session = PracticeSession(hand_ref, spec="hand-backprop")
    session.answer("[5, -4]")  # s(1): a root mistake
    session.reveal()  # a(1)
    session.answer("[1, 0]")  # a'(1)
    path = session.save(tmp_path)
    again = PracticeSession(hand_ref, spec="hand-backprop")
    assert again.resume(path) == 2
    assert again.marks == session.marks and again.current.name == "s(2)" and again.revealed == 2
    assert again.summary() == session.summary()
    assert main(["practice", "hand-backprop", "--resume", str(tmp_path / "nothing.json")]) == 2
    assert "--resume" in capsys.readouterr().err


def test_example_answers_shows_the_exact_numbers_check_judges_by(hand_ref, tmp_path, monkeypatch):
    import backprop_tutor.cli.example as example_cli
    import backprop_tutor.tui.answers_overlay as overlay

    sheet = tmp_path / "key.md"
    sheet.write_text(render(hand_ref, "hand-backprop", "md", key=True))
    opened = {}
    monkeypatch.setattr(example_cli, "is_terminal", lambda: True)
    monkeypatch.setattr(overlay, "run_answers_app", lambda trace, marking, **kw: opened.update(trace=trace) or 0)
    assert main(["example", "hand-backprop", "--answers", str(sheet)]) == 0
    assert opened["trace"].header.precision == "exact"  # δ(2)[1] is 0, not -2.22e-16 beside the student's "0 ✓"


@pilot_test
async def test_the_delta_prompt_does_not_give_away_w_transposed_delta(hand_ref):
    app = asking(hand_ref, "δ(2)")
    async with app.run_test(size=(100, 30)) as pilot:
        await at_the_step_asked(pilot)
        rows = drawn_rows(app)
        assert "= ? (part of the value asked below)" in rows and "= [1, 1] ⊙ (W(3)ᵀ δ(3))" in rows
        assert not any("[1.98e-32, 1.0]" in row for row in rows)  # W(3)ᵀ δ(3) worked out: the hard part
        await type_answer(pilot, "[0, 1]")
        assert "= [1, 1] ⊙ [1.98e-32, 1.0]" in drawn_rows(app)


@pilot_test
async def test_the_newest_verdict_stays_in_view_at_100x30(hand_ref):
    app = PracticeApp(PracticeSession(hand_ref))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right")
        for wrong in ("[4, -4]", "[6, 1]", "[0, 1]"):  # three quantities, each with long working
            await type_answer(pilot, wrong)
        await pilot.pause()
        assert "a'(1): ✗ root a'(1)[1]: you wrote 0, it is 1" in screen_text(app)


def below(rows: list[str], rule: str) -> list[str]:
    """The lines drawn under the pane whose title rule starts with ``rule``, down to the footer."""
    start = next(i for i, row in enumerate(rows) if row.startswith(rule))
    return rows[start + 1:-1]


@pilot_test
@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 48)])
async def test_many_wrong_values_never_squeeze_the_worksheet_below_a_few_rows(hand_ref, size):
    app = PracticeApp(PracticeSession(hand_ref))
    async with app.run_test(size=size) as pilot:
        await pilot.press("right")
        for wrong in ("[4, -4]", "[6, 1]", "[0, 1]"):  # every value of step 2 wrong, each with its working
            await type_answer(pilot, wrong)
        await pilot.press("f2", "right")  # every wrong value in full, on to step 3
        await type_answer(pilot, "[1, 2]")  # s(2) wrong too: a(2) is asked
        rows = screen_text(app).splitlines()
        sheet = below(rows, "─worksheet")
        # the table's title, or at 80×24 its column header kept on top, then the row asked about (s(2))
        header = next(i for i, row in enumerate(sheet) if row.split()[:4] == ["l", "s(l)", "a(l)", "a'(l)"])
        assert len(sheet) >= WORKSHEET_ROWS - 1 and (header == 0 or sheet[0].split() == ["feed-forward"])
        assert any(row.split()[:2] == ["2", "[6,"] for row in sheet[header + 1:])
        assert any(row.split()[:2] == ["s(2):", "✗"] for row in rows)  # the newest verdict
        assert any(row.split() == ["=", "?", "(type", "it", "below)"] for row in below(rows, "─step 3"))
        assert "a(2) = ?" in app.query_one("#answer", Input).placeholder


@pilot_test
async def test_a_wrong_matrix_shows_the_students_own_matrix_and_what_the_next_steps_use(hand_ref):
    app = asking(hand_ref, "∇W(3)")
    async with app.run_test(size=(160, 48)) as pilot:
        await at_the_step_asked(pilot)
        session = app.session
        await type_answer(pilot, "[[6, 15], [0, 0], [6, 15]]")  # row 3's sign slipped: it is [-6, -15]
        rows = drawn_rows(app)
        # under the true ∇W(3) in the worksheet, one row a line as the true one: [6.0, 15.0] / … / [-6.0, -15.0]
        at = rows.index("3 [1.0, 1.98e-32, -1.0] [6.0, 15.0]")
        assert rows[at + 3:at + 7] == ["✓×4 ✗ root×2", "you: [6, 15]", "[0, 0]", "[6, 15]"]
        assert "∇W(3): ✗ root ∇W(3)[3,1]: you wrote 6, it is -6.0 (+1 more)" in rows
        assert "next steps use the true values shown; a value from yours is ✗ carried" in screen_text(app)
        await type_answer(pilot, "[1, 0, -1]")  # ∇b(3)
        while session.current.name != "W(3)":
            session.reveal()
        app.step = session.current_step
        await pilot.pause()
        # the update substitutes the true ∇W(3) (shown), but W(3) from the student's own ∇W(3) is carried
        assert "[[6.0, 15.0], [1.19e-31, 2.97e-31], [-6.0, -15.0]]" in screen_text(app)
        await type_answer(pilot, "[[-1, -5.5], [3, -3], [-1, -6.5]]")
        rows = drawn_rows(app)
        assert "W(3): ✗ carried W(3)[3,1]: you wrote -1, it is 5.0 (+1 more)" in rows
        at = rows.index("3 [-1.0, -5.5]")
        assert rows[at + 3:at + 7] == ["✓×4 ✗ carried×2", "you: [-1, -5.5]", "[3, -3]", "[-1, -6.5]"]


@pilot_test
async def test_play_stops_at_the_value_asked(hand_ref):
    app = PracticeApp(PracticeSession(hand_ref))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")  # step 1, the givens: play goes on to step 2, which asks s(1)
        assert app.playing
        for _ in range(3):
            app._tick()  # the play timer's ticks, without waiting for them
            await pilot.pause()
        assert app.step == 1 and not app.playing and not app._notifications  # no "type s(1) first" each tick
        assert "▶ playing" not in screen_text(app)
