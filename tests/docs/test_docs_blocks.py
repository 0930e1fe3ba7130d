"""Every command and code block of the README and of docs/ runs as printed.

Each page's ```sh, ```python and ```toml blocks run in order in one temporary folder (with a copy of
`examples/`, and the shared data of ../shared/data, un-gzipped once by tests/shared_data.py, as
$BACKPROP_TUTOR_DATA): a shell line is one command (`\\` continues it; `&&` chains), a Python block is a
script, a TOML block is a spec that `tutor example FILE --print` must accept. `tutor …` runs in this process
(as the CLI tests call it), anything else (`cp`) in bash. A command passes when it exits 0 and prints no
traceback.

A block is marked by an HTML comment on the line before it:
    <!-- docs-test: skip: REASON -->        not run (needs the internet, a terminal, hours, …)
    <!-- docs-test: may-exit-1: REASON -->  exit code 1 is the documented answer (e.g. `tutor check` on a
                                            blank worksheet), 0 also passes; 2 (bad input) never does
"""

from __future__ import annotations

import contextlib
import io
import re
import runpy
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from shared_data import SHARED_DATA, unpacked_shared_data

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), ROOT / "benchmarks" / "README.md"]
RUN = ("sh", "python", "toml")
#: where the docs' commands write: files under out/, run and sweep folders under runs/ (`tutor train`'s and
#: `tutor sweep`'s own default), both ignored by git, so a clone stays clean however many examples are run
OUTPUT_FOLDERS = ("out", "runs")
MARK = re.compile(r"<!--\s*docs-test:\s*(?P<kind>[\w-]+):\s*(?P<reason>.*?)\s*-->")
KINDS = ("skip", "may-exit-1")
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\s*$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, from 1
    lang: str
    text: str
    mark: str | None = None  # skip | may-exit-1
    reason: str = ""

    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, each with the docs-test mark on the line before it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        mark = MARK.search(lines[i - 1]) if i else None
        found.append(Block(page, i + 1, fence["lang"], "\n".join(lines[i + 1:end]) + "\n",
                           mark["kind"] if mark else None, mark["reason"] if mark else ""))
        i = end + 1
    return found


def commands(sh: str) -> list[str]:
    """A shell block's commands: one a line, `\\` joining lines, comment lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", sh)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def run_tutor(argv: list[str], stdout_file: Path | None) -> tuple[int, str]:
    """`tutor ARGV [> FILE]` in this process: (exit code, what it printed)."""
    from backprop_tutor.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        if stdout_file is None:
            with contextlib.redirect_stdout(out):
                code = main(argv)
        else:
            with stdout_file.open("w", encoding="utf-8") as file, contextlib.redirect_stdout(file):
                code = main(argv)
    return code, out.getvalue() + err.getvalue()


def run_command(command: str) -> tuple[int, str]:
    """One shell line in the current folder: `tutor …` (optionally `> FILE`) in-process, the rest in bash."""
    for part in command.split(" && "):
        words = shlex.split(part, comments=True)
        if words and words[0] == "tutor" and not set(words) & {"|", ";", "<", ">>", "&"}:
            target = None
            if ">" in words:
                target = Path(words[words.index(">") + 1])
                words = words[:words.index(">")]
            code, printed = run_tutor(words[1:], target)
        else:
            done = subprocess.run(["bash", "-c", part], capture_output=True, text=True, timeout=120)
            code, printed = done.returncode, done.stdout + done.stderr
        if code != 0:
            return code, printed
    return 0, printed


def run_block(block: Block, folder: Path, index: int) -> None:
    allowed = {0, 1} if block.mark == "may-exit-1" else {0}
    if block.lang == "sh":
        for command in commands(block.text):
            code, printed = run_command(command)
            assert code in allowed and "Traceback" not in printed, (
                f"{block.where()}: `{command}` exited {code}:\n{printed[-3000:]}")
    elif block.lang == "python":
        script = folder / f"block-{index}.py"
        script.write_text(block.text, encoding="utf-8")
        with contextlib.redirect_stdout(io.StringIO()):
            runpy.run_path(str(script), run_name="__main__")
    else:
        spec = folder / f"block-{index}.toml"
        spec.write_text(block.text, encoding="utf-8")
        code, printed = run_tutor(["example", str(spec), "--print"], None)
        assert code == 0, f"{block.where()}: the spec does not run:\n{printed[-3000:]}"


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_block_of_the_page_runs_as_printed(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runnable = [b for b in blocks(page) if b.lang in RUN and b.mark != "skip"]
    if not runnable:
        pytest.skip(f"{page_id(page)}: no block to run")
    text = "".join(b.text for b in runnable)
    if "fashion-mnist" in text and not (SHARED_DATA / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"{page_id(page)} uses Fashion-MNIST, not found in {SHARED_DATA}")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKPROP_TUTOR_DATA", str(unpacked_shared_data()))  # the shared data, un-gzipped once
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "120")
    for index, block in enumerate(runnable):
        run_block(block, tmp_path, index)
    ours = {"examples", "cache"}  # the test's own: the copy of examples/, the cache, each block's script
    left = {p.name for p in tmp_path.iterdir() if p.name not in ours and not re.fullmatch(r"block-\d+\.\w+", p.name)}
    assert left <= set(OUTPUT_FOLDERS), (
        f"{page_id(page)}: its commands leave {sorted(left - set(OUTPUT_FOLDERS))} in the folder they run in; "
        f"write them under {' or '.join(OUTPUT_FOLDERS)}")


def test_the_output_folders_are_ignored_by_git() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert all(f"{folder}/" in ignored for folder in OUTPUT_FOLDERS)


def test_every_mark_names_a_known_kind_and_a_reason() -> None:
    for page in PAGES:
        for block in blocks(page):
            if block.mark is not None:
                assert block.mark in KINDS and block.reason, f"{block.where()}: `{block.mark}: {block.reason}`"
        text = page.read_text(encoding="utf-8")
        assert text.count("docs-test:") == sum(b.mark is not None for b in blocks(page)), (
            f"{page_id(page)}: a docs-test mark that is not on the line before a block")


def test_the_readme_is_a_front_door_with_its_picture() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    picture = re.search(r"!\[[^\]]+\]\((docs/images/[\w.-]+\.svg)\)", readme)
    assert picture and (ROOT / picture[1]).is_file()
    assert "<svg" in (ROOT / picture[1]).read_text(encoding="utf-8")[:2000]


def test_the_readme_notation_table_is_the_reference_table() -> None:
    def table(path: Path) -> list[str]:
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]

    readme, reference = table(ROOT / "README.md"), table(ROOT / "docs" / "reference" / "notation.md")
    assert readme and readme == reference[:len(readme)]


def test_every_relative_link_points_to_a_file() -> None:
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if not re.match(r"\w+:", target):
                assert (page.parent / target).exists(), f"{page_id(page)}: a link to {target}, which does not exist"


def test_fresh_machine_commands_are_what_ci_runs() -> None:
    """.ci/run installs and tests exactly as the README's quick start says."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && pytest" in readme
    assert "pip install -e '.[test]'" in ci and re.search(r"^pytest\b", ci, re.M)



def test_every_shell_command_can_be_pasted_as_printed() -> None:
    """Also in blocks that are not run: no `[--flag]` of a usage line, no `…` standing for settings (issue 18)."""
    for page in PAGES:
        for block in blocks(page):
            if block.lang == "sh":
                for command in commands(block.text):
                    words = shlex.split(command, comments=True)
                    assert not [w for w in words if w.startswith("[") or w == "…"], (
                        f"{block.where()}: `{command}` cannot be pasted: write the options as they are typed")
