"""Themes: `--theme NAME` on the command line, the palette's theme picker, and the theme kept in the
store's settings for the next start (issue 15, part 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import quizapp.ui
from quizapp.cli import main
from quizapp.store import Store
from quizapp.ui import make_app
from quizapp.ui.palette import system_commands
from quizapp.ui.theme import THEME_KEY, theme_names, unknown_theme
from quizapp.ui.widgets.plot_colours import contrast, readable_on

from .test_ui import FIXTURE, wait_until
from .test_ui_exam import notices, recording

SMALL = (80, 24)
DEFAULT = "textual-dark"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def stored(data_dir: Path) -> str | None:
    """The theme setting as another process would read it from the data file."""
    store = Store.in_dir(data_dir)
    try:
        return store.setting(THEME_KEY)
    finally:
        store.close()


def store_theme(data_dir: Path, name: str) -> None:
    store = Store.in_dir(data_dir)
    try:
        store.set_setting(THEME_KEY, name)
    finally:
        store.close()


# -- the command line ------------------------------------------------------------------------------


class FakeApp:
    """Stands in for the TUI: what `quizapp` would have run it with."""

    return_code = 0

    def run(self) -> None:
        pass

    def exit(self) -> None:
        pass


@pytest.mark.parametrize(
    "argv",
    [
        ["--theme", "nord"],
        ["study", "--theme", "nord"],
        ["--theme", "nord", "exam"],
    ],
)
def test_theme_option_reaches_the_app_before_or_after_the_command(
    argv: list[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: dict[str, Any] = {}

    def fake_make_app(*args: Any, **kwargs: Any) -> FakeApp:
        built.update(kwargs)
        return FakeApp()

    monkeypatch.setattr(quizapp.ui, "make_app", fake_make_app)
    assert main(["--bank", str(FIXTURE), "--data-dir", str(data_dir), *argv]) == 0
    assert built["theme"] == "nord"


def test_an_unknown_theme_exits_2_with_one_line_naming_every_theme(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--theme", "nrod"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "--theme 'nrod' is not a theme: did you mean 'nord'?" in err
    assert all(name in err for name in theme_names())
    assert "Traceback" not in err
    assert unknown_theme("textual-light") is None


def test_theme_is_harmless_without_the_tui(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["domains", "--bank", str(FIXTURE), "--theme", "no-such-theme"]) == 0
    assert "no-such-theme" not in capsys.readouterr().err


# -- the app ---------------------------------------------------------------------------------------


async def test_theme_sets_the_theme_and_keeps_it_for_the_next_start(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir, theme="textual-light")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert app.theme == "textual-light" and not app.current_theme.dark
    assert stored(data_dir) == "textual-light"  # a choice, as a pick in the palette is
    again = make_app(FIXTURE, data_dir)
    assert again.theme == "textual-light"
    again.store.close()
    with pytest.raises(ValueError, match="did you mean 'nord'"):
        make_app(FIXTURE, data_dir, theme="nrod")


async def test_a_picked_theme_is_stored_at_once_and_the_next_start_uses_it(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SMALL) as pilot:
        assert app.theme == DEFAULT
        app.theme = "nord"  # what the palette's theme picker does
        await pilot.pause()
        assert stored(data_dir) == "nord"  # on disk while the app still runs
    again = make_app(FIXTURE, data_dir)
    assert again.theme == "nord"
    again.store.close()
    # --theme wins over the stored choice, and replaces it
    app = make_app(FIXTURE, data_dir, theme="textual-light")
    async with app.run_test(size=SMALL) as pilot:
        assert app.theme == "textual-light"
    assert stored(data_dir) == "textual-light"


async def test_the_palette_picker_stores_the_theme_and_says_how(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SMALL) as pilot:
        entry = next(c for c in system_commands(app, app.screen) if c.title == "Theme")
        assert "now textual-dark" in entry.help and "kept for the next start" in entry.help
        await pilot.press("ctrl+p", *"theme", "enter")
        await pilot.pause()
        await pilot.press(*"gruvbox")
        await pilot.pause(0.3)  # the palette searches in a worker
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "gruvbox")
    assert stored(data_dir) == "gruvbox"


async def test_an_unknown_stored_theme_falls_back_to_the_default_and_says_so(data_dir: Path) -> None:
    store_theme(data_dir, "from-a-newer-version")
    app = recording(make_app(FIXTURE, data_dir))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: "from-a-newer-version" in notices(app))
        assert app.theme == DEFAULT
        assert f"so {DEFAULT} is used" in notices(app)
    assert stored(data_dir) == "from-a-newer-version"  # left for the version that knows it


async def test_a_data_file_that_cannot_be_written_keeps_the_theme_for_the_session(data_dir: Path) -> None:
    app = recording(make_app(FIXTURE, data_dir))
    async with app.run_test(size=SMALL) as pilot:
        app.store.db.execute("PRAGMA query_only = ON")  # every write now fails, as on a read-only file
        app.theme = "textual-light"
        await pilot.pause()
        assert app.theme == "textual-light" and not app.current_theme.dark
        assert "The theme is on, but not kept" in notices(app)
        await pilot.press("question_mark")  # the app goes on as before
        await pilot.pause()
        assert app.screen.__class__.__name__ == "KeyGuide"
    assert stored(data_dir) is None


# -- plot colours ----------------------------------------------------------------------------------


@pytest.mark.parametrize("background", [(0xD8, 0xD8, 0xD8), (0x1E, 0x1E, 0x1E), (0xFD, 0xF6, 0xE3)])
def test_plot_colours_stand_out_on_the_canvas_and_keep_those_that_already_do(
    background: tuple[int, int, int],
) -> None:
    from quizapp.ui.widgets.sim_plot import COLORS
    from quizapp.ui.widgets.stats_plots import PALETTE

    for rgb in (*COLORS, *PALETTE):
        shown = readable_on(rgb, background)
        assert contrast(shown, background) >= 3.0, (rgb, shown)
        if contrast(rgb, background) >= 3.0:
            assert shown == rgb


async def test_the_simulation_plot_and_legend_take_the_new_theme_s_colours() -> None:
    """Picking a light theme over a drawn plot redraws its lines and legend darker where they must be."""
    from textual.app import App, ComposeResult

    from quizapp.ui.widgets.plot_colours import canvas, hex_colour
    from quizapp.ui.widgets.sim_plot import PlotLegend, SimPlotPanel, style_of
    from sims import PlotSpec, Series

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield SimPlotPanel(PlotSpec())

    series = [Series.of("blue", [0, 1], [0, 1]), Series.of("green", [0, 1], [1, 0])]
    app = Host()
    async with app.run_test(size=SMALL) as pilot:
        app.query_one(SimPlotPanel).draw(series)
        await pilot.pause()
        green = style_of(1).color
        legend = app.query_one(PlotLegend)
        assert green in str(legend.entries[1].spans)  # bright enough on the dark canvas: as it is
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        drawn = [span.style for span in legend.entries[1].spans]
        assert green not in str(drawn)
        shown = readable_on(style_of(1).rgb, canvas(app))
        assert hex_colour(shown) in str(drawn) and contrast(shown, canvas(app)) >= 3.0


def test_a_theme_option_that_cannot_be_kept_is_still_on_and_says_why(data_dir: Path) -> None:
    from textual.app import App

    from quizapp.ui.theme import start_theme

    store = Store.in_dir(data_dir)
    store.db.execute("PRAGMA query_only = ON")  # every write fails, as on a read-only file
    app: App[None] = App()
    note = start_theme(app, store, "nord")
    assert app.theme == "nord"
    assert note is not None and note.startswith("The theme is on, but not kept for the next start")
    store.close()
