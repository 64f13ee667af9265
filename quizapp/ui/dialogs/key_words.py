"""The words of the key guide (`?`): for each screen, its name, what it is for, and what each of its
keys does there, keyed by binding id (or ``Class.action`` for Textual's own widgets). Plain data: the
guide itself, which reads the live bindings, is in ``keys.py``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Guide:
    """The words for one screen: its name, what it is for, and what each of its keys does there."""

    title: str
    intro: str
    keys: Mapping[str, str] = field(default_factory=dict)


MOVE_OPTIONS = "move the cursor between the options"
CHOOSE = (
    "choose an option by its letter or its number (c or 3 is the third); on a 'choose N' question"
    " each press ticks or unticks, and a tick past N is refused"
)
RATE = (
    "after the feedback: rate the answer yourself, 1 Again, 2 Hard, 3 Good, 4 Easy; the next review"
    " moves with it (the automatic rating's own number puts it back)"
)
SURE = (
    "say how sure you are of your choice: unsure, fairly sure, sure, or not said (each press goes on"
    " to the next)"
)
SIMULATION = (
    "open the simulation of the option under the cursor; when that option has none, say so and offer"
    " the question's own simulations"
)

PREDICT = (
    "predict, then run: say whether the claim holds or fails at the form's setting (and estimate its"
    " headline number, when it has one); the run grades it and the stats count it"
)

COMMON: dict[str, str] = {
    "app.quit": "quit quizapp (every answer is already saved)",
    "app.keys": "this key guide (? or esc closes it)",
    "dialog.keys": "this key guide (? or esc closes it)",
    "QuizApp.command_palette": (
        "the command palette: every mode, this guide and the colour themes, by name (a theme picked"
        " there is kept for the next start)"
    ),
    "QuizApp.quit": "quit at once, whatever is open",
    "options.up": MOVE_OPTIONS,
    "options.down": MOVE_OPTIONS,
    "options.first": "the first option",
    "options.last": "the last option",
    "options.toggle": "choose (or un-choose) the option under the cursor",
}
"""Words for keys that mean the same on every screen they are live on."""

GUIDES: dict[str, Guide] = {
    "HomeScreen": Guide(
        "Home",
        "Pick what to do: study (what is due, every question, the highlighted domain with Enter, one"
        " tag, or the ones you got wrong), take a timed practice exam, look at your history, or browse"
        " the simulations.",
        {
            "DataTable.select_cursor": "study the highlighted domain (or, on 'All domains', every question)",
            "DataTable.cursor_up": "move between the domains",
            "DataTable.cursor_down": "move between the domains",
            "home.study": "study every question (within the tag filter, if one is set), with feedback after each",
            "home.due": "study what is due today, then questions never answered, taking turns across the"
            " domains (the schedule's order: these answers count as reviews it asked for)",
            "home.exam": "a timed practice exam: a start page says how many questions and minutes first",
            "home.missed": "study only the questions whose latest answer was wrong",
            "home.tag": "pick a tag: study it now, and keep it as the filter of the domain rows",
            "home.history": "your past exams and study totals",
            "home.simulations": "browse every simulation and run any of them",
            "home.resume": "resume the unfinished exam where you left it",
            "home.discard": "discard the unfinished exam (asks first; history keeps it as discarded)",
            "home.skipped": "the bank files that were skipped, and why",
            "home.stats": "your stats: readiness, the pass probability, accuracy week by week, what is due,"
            " calibration, a study calendar, predictions",
            "home.misconceptions": "your misconceptions: the requirements you break most often and the"
            " distractors you pick again, each a key away from its question or simulation",
        },
    ),
    "QuestionScreen": Guide(
        "Study question",
        "Choose, then press Enter: the same screen turns into the feedback, with every option's why"
        " and how the answer was rated for the review schedule. Every answer is saved the moment you"
        " submit it.",
        {
            "question.choose": CHOOSE,
            "question.confidence": "before submitting: " + SURE + "; it goes into the rating, and"
            " into certainty-based marks when they are on",
            "question.rate-again": RATE,
            "question.rate-hard": RATE,
            "question.rate-good": RATE,
            "question.rate-easy": RATE,
            "question.submit": "submit your choice, and nothing else: it never changes the choice",
            "question.next": "after the feedback: the next question (after the last one, the summary)",
            "question.simulate": "after the feedback: " + SIMULATION,
            "question.leave": "back home (every answer so far is saved)",
        },
    ),
    "ExamScreen": Guide(
        "Practice exam",
        "No feedback until you submit. Answers can change until then and each is saved at once."
        " The clock runs while the grid or the review list is open.",
        {
            "exam.choose": CHOOSE,
            "exam.enter": "give this answer and go to the next question (after the last one: the review"
            " before submitting)",
            "exam.next": "skip to the next question without answering",
            "exam.previous": "the previous question",
            "exam.mark": "mark (or unmark) this question for review: ⚑ in the grid and the review list",
            "exam.confidence": SURE + "; saved at once, and scored by certainty-based marks when they are on",
            "exam.grid": "the grid of every question: answered, unanswered, marked; Enter jumps to one",
            "exam.grid-always": "the grid, also on a question with a 7th option (where g chooses G)",
            "exam.submit": "review every question, then submit (asks when some are unanswered or marked)",
            "exam.leave": "pause the exam and go home (asks first; the clock stops; r on home resumes it)",
            "options.toggle": "choose (or un-choose) the option under the cursor",
        },
    ),
    "ExamStartScreen": Guide(
        "Exam start page",
        "Nothing is stored and no clock runs until you start.",
        {
            "exam-start.start": "start the exam: the clock starts now",
            "exam-start.cancel": "back, with nothing stored",
        },
    ),
    "SubmitReviewScreen": Guide(
        "Review before submitting",
        "Every question with its state. The exam's clock keeps running.",
        {
            "OptionList.select": "go back to the exam, on the highlighted question",
            "OptionList.cursor_up": "move between the questions",
            "OptionList.cursor_down": "move between the questions",
            "exam-submit.submit": "submit the exam (asks first when some are unanswered, incomplete or marked)",
            "exam-submit.back": "back to the exam, on the question you were on",
        },
    ),
    "ExamResultsScreen": Guide(
        "Exam results",
        "Your score, each domain, and every question to review with its answer and explanation.",
        {
            "DataTable.select_cursor": "review the highlighted question: your answer, the answer and why",
            "DataTable.cursor_up": "move between the questions",
            "DataTable.cursor_down": "move between the questions",
            "results.all": "list every question",
            "results.wrong": "list only the questions that did not earn full marks",
            "results.marked": "list only the questions you marked for review",
            "results.retake": "study the questions you got wrong, with feedback after each",
            "results.home": "back (the exam is saved; history reopens it)",
        },
    ),
    "ExamReviewScreen": Guide(
        "Exam question review",
        "One question of a submitted exam: your answer, the answer, every option's why.",
        {
            "review.next": "the next question of the list you opened it from",
            "review.previous": "the previous question of that list",
            "review.simulate": SIMULATION,
            "review.back": "back to the results",
        },
    ),
    "HistoryScreen": Guide(
        "History",
        "Your study totals and every exam you started, newest first.",
        {
            "DataTable.select_cursor": "reopen the highlighted exam's results and review (or resume it, when"
            " it is unfinished)",
            "DataTable.cursor_up": "move between the exams",
            "DataTable.cursor_down": "move between the exams",
            "history.exam": "take a practice exam",
            "history.back": "back home",
        },
    ),
    "StatsScreen": Guide(
        "Stats",
        "Readiness is your chance of answering right on the exam morning; the pass probability comes"
        " with its 95% interval. One tab each for accuracy, what is due, calibration, the calendar and"
        " predictions.",
        {
            "stats.overview": "the Overview tab: the exam date, the pass probability, each domain's readiness",
            "stats.accuracy": "the Accuracy tab: accuracy per week, one line per domain",
            "stats.due": "the Due tab: cards due today and on each of the next two weeks",
            "stats.calibration": "the Calibration tab: how often you were right when you said you were"
            " unsure, fairly sure or sure",
            "stats.calendar": "the Calendar tab: answers per day over the last twelve weeks",
            "stats.predictions": "the Predictions tab: how often your predictions about simulations were right",
            "Tabs.previous_tab": "the tab to the left",
            "Tabs.next_tab": "the tab to the right",
            "stats.down": "scroll the tab, when it is taller than the terminal",
            "stats.up": "scroll the tab, when it is taller than the terminal",
            "stats.pagedown": "scroll the tab a page",
            "stats.pageup": "scroll the tab a page",
            "stats.misconceptions": "your misconceptions: the requirements you break and the distractors you"
            " pick again",
            "stats.back": "back",
        },
    ),
    "MisconceptionsScreen": Guide(
        "Misconceptions",
        "Every wrong pick is recorded with the requirements it breaks. Requirements broken most often come"
        " first, then the distractors you picked, those picked again first.",
        {
            "OptionList.select": "study the highlighted row: a requirement's questions, or a distractor's"
            " question",
            "OptionList.cursor_up": "move within the list",
            "OptionList.cursor_down": "move within the list",
            "Screen.focus_next": "the other list",
            "Screen.focus_previous": "the other list",
            "misconceptions.simulate": "open the highlighted row's simulation: the picked option's (or the"
            " question's own), or for a requirement that of the distractor that breaks it",
            "misconceptions.study-all": "study every question with a wrong pick, distractors picked again"
            " first",
            "misconceptions.back": "back",
        },
    ),
    "QuestionGridDialog": Guide(
        "Exam question grid",
        "Every question of the exam at a glance. The clock keeps running.",
        {
            "grid.left": "move between the questions",
            "grid.right": "move between the questions",
            "grid.up": "move between the questions",
            "grid.down": "move between the questions",
            "grid.first": "the first question",
            "grid.last": "the last question",
            "grid.pick": "go to the question under the cursor",
            "exam-grid.close": "back to the question you were on",
            "exam-grid.submit": "says where submitting is: esc, then s",
        },
    ),
    "ConfirmDialog": Guide(
        "A question",
        "Answer with a key or a button.",
        {
            "confirm.yes": "yes: the first button",
            "confirm.no": "no: the second button",
            "Button.press": "the highlighted button",
            "Screen.focus_next": "move between the buttons",
            "Screen.focus_previous": "move between the buttons",
        },
    ),
    "OpenExamDialog": Guide(
        "An exam is still open",
        "A new exam was asked for while one is unfinished.",
        {
            "open-exam.resume": "resume the unfinished exam",
            "open-exam.new": "discard it (history keeps it as discarded) and start a new one",
            "open-exam.cancel": "do neither",
            "Button.press": "the highlighted button",
            "Screen.focus_next": "move between the buttons",
            "Screen.focus_previous": "move between the buttons",
        },
    ),
    "SkippedDialog": Guide(
        "Skipped files",
        "Files with any problem are skipped whole; fix them and start quizapp again.",
        {
            "skipped.close": "close",
            "skipped.scroll": "scroll the list",
            "VerticalScroll.scroll_up": "scroll the list",
            "VerticalScroll.scroll_down": "scroll the list",
            "VerticalScroll.page_up": "scroll a page",
            "VerticalScroll.page_down": "scroll a page",
        },
    ),
    "SummaryDialog": Guide(
        "Session complete",
        "The study session is over.",
        {
            "summary.close": "back home",
            "summary.retake": "study the questions you got wrong again",
            "Button.press": "the highlighted button",
        },
    ),
    "TagDialog": Guide(
        "Study by tag",
        "The tag you pick is studied now and stays the filter of the home screen's rows.",
        {
            "OptionList.select": "study the highlighted tag (or, on 'Any tag', drop the filter)",
            "OptionList.cursor_up": "move between the tags",
            "OptionList.cursor_down": "move between the tags",
            "tags.cancel": "close, with the filter unchanged",
        },
    ),
    "SimLinksDialog": Guide(
        "Simulations of the question",
        "The option under the cursor has no simulation; these are the question's own.",
        {
            "OptionList.select": "open the highlighted simulation",
            "OptionList.cursor_up": "move between the simulations",
            "OptionList.cursor_down": "move between the simulations",
            "sim-links.cancel": "close, back to the question",
        },
    ),
    "SimulationScreen": Guide(
        "Simulation",
        "A claim, checked live: edit the parameters, run, and watch the verdict. Letter keys work"
        " from the form too; * marks a value that differs from the default.",
        {
            "simulation.stop": "stop the run (the previous result comes back)",
            "simulation.leave_form": "leave the parameter form, so letters are keys again",
            "simulation.back": "back to where the simulation was opened",
            "simulation.run": "run with the form's values (refused while a value is invalid)",
            "simulation.predict": PREDICT,
            "simulation.predict_unlisted": PREDICT,
            "simulation.defaults": "load the simulation's defaults into the form and run them",
            "simulation.question_setting": "load the setting the question links and run it (only when"
            " opened from a question that sets one)",
            "simulation.counter": "try to break it: load a setting where the claim must fail, and run it",
            "simulation.edit": "edit the parameters (the first field takes the focus)",
            "simulation.measured": "show the measured numbers and what they prove",
            "simulation.params": "show the parameter form",
        },
    ),
    "PredictDialog": Guide(
        "Predict, then run",
        "Commit to a prediction at the form's setting; the run starts at once and grades it.",
        {
            "predict.holds": "predict that the claim holds, and run (an estimate typed first goes with it)",
            "predict.fails": "predict that the claim fails, and run (an estimate typed first goes with it)",
            "predict.cancel": "close without predicting",
        },
    ),
    "SimBrowserScreen": Guide(
        "Simulations",
        "Every simulation in quizapp; each runs at its defaults.",
        {
            "sim_browser.back": "back home",
            "sim_browser.open": "open the highlighted simulation",
            "sim_browser.down": "move between the simulations",
            "sim_browser.up": "move between the simulations",
            "sim_browser.filter": "filter the list by words in the id, title or claim",
        },
    ),
}
"""Each screen's words, by the screen's class name."""
