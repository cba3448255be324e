"""Moderators edit, merge and translate questions through the commands, over the real core
and a real SQLite file: what each command answers, what the lists, /myquestions and the
export show, each undo, and every refusal (nothing half-written)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta

import pytest

from bot.core.clock import SimulatedClock
from bot.core.dispatch import Core
from bot.core.model import Action, Reply, Role, UserRef, plain
from bot.storage import Store
from bot.translation import Translated
from tests.conftest import DIALOGUE_OPEN, Person
from tests.fakes.machine import FakeTranslator
from tests.unit.qa.test_qa import ask, count, exported, on_screen, press, text

MINUTE = timedelta(minutes=1)


class Machine(FakeTranslator):
    """The tests' provider in the process ("[ko] text", or a failure), named as here."""

    name = "testmt"


@pytest.fixture
def machine(core: Core) -> Machine:
    found = Machine()
    core.qa.machine = found
    return found


async def approved(person: Person, mod: Person, question: str, *flags: str) -> int:
    """A question asked by `person` and approved by `mod`: its number."""
    reply, qid = await ask(person, question, *flags)
    assert qid is not None, text(reply)
    assert not (await mod.say(f"/qa approve {qid}")).error
    return qid


async def log_of(store: Store, qid: int) -> list[tuple[str, int]]:
    rows = await store.fetchall(
        "SELECT action, undone FROM qa_log WHERE question_id = ? ORDER BY id", (qid,)
    )
    return [(r["action"], r["undone"]) for r in rows]


# -- edit -----------------------------------------------------------------------------------


async def test_edit_keeps_the_original_marks_it_and_undoes(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core, store: Store
) -> None:
    clock.set(DIALOGUE_OPEN)
    qid = await approved(alice, mod, "How do you stop lithum dendrits?")
    said = await mod.say(f"/qa-edit {qid} How do you stop lithium dendrites?")
    assert not said.error, text(said)
    assert f"Question #{qid} now reads: How do you stop lithium dendrites?" in text(said)
    assert f"/qa undo {qid}" in text(said)
    q = await core.qa.question(qid)
    assert q.body == "How do you stop lithium dendrites?"
    assert q.original == "How do you stop lithum dendrits?" and q.edited
    # The history keeps what it replaced, for the undo and the record.
    row = await store.fetchone("SELECT detail FROM qa_log WHERE action = 'edit'")
    assert row is not None and json.loads(row["detail"])["body"] == q.original

    # Everyone's list, and the asker's own, say it was edited.
    assert "lithium dendrites? (edited) · alice" in text(await bob.say("/questions"))
    assert "lithium dendrites? (edited)" in text(await alice.say("/myquestions"))
    # Edited again: the text as asked stays the first one.
    await mod.say(f"/qa-edit {qid} How do you stop lithium anodes from growing dendrites?")
    assert (await core.qa.question(qid)).original == "How do you stop lithum dendrits?"

    undone = await mod.say(f"/qa undo {qid}")
    assert f"The edit of #{qid} is undone; it reads as before:" in text(undone)
    assert "How do you stop lithium dendrites?" in text(undone)
    undone = await mod.say(f"/qa undo {qid}")
    assert "How do you stop lithum dendrits?" in text(undone)
    q = await core.qa.question(qid)
    assert q.body == "How do you stop lithum dendrits?" and not q.edited
    assert "(edited)" not in text(await bob.say("/questions"))
    # Then the approval; then nothing.
    assert "is waiting for approval again" in text(await mod.say(f"/qa undo {qid}"))
    assert "Nothing to undo" in text(await mod.say(f"/qa undo {qid}"))


async def test_edit_refusals_change_nothing(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core, store: Store
) -> None:
    clock.set(DIALOGUE_OPEN)
    first = await approved(alice, mod, "What limits fast charging today?")
    clock.advance(MINUTE)
    other = await approved(bob, mod, "Is sodium cheaper than lithium?")
    before = await log_of(store, first)

    # To read as another question of the session: merge instead, it says.
    said = await mod.say(f"/qa-edit {first} is SODIUM cheaper than lithium")
    assert said.error
    assert f"Question #{other} already reads so; merge #{first} into it instead" in text(said)
    assert f"/qa-merge {first} {other}" in text(said)
    # Too short, too long, the same, invisible controls, no such question.
    assert "too short" in text(await mod.say(f"/qa-edit {first} Hm"))
    long = "x" * (core.qa.config.max_length + 1)
    assert "the limit is 500" in text(await mod.say(f"/qa-edit {first} {long}"))
    assert "already reads so: nothing changed" in text(
        await mod.say(f"/qa-edit {first} What  limits fast charging today?")
    )
    assert "invisible control characters" in text(
        await mod.say(f"/qa-edit {first} What limits\u202e fast charging?")
    )
    assert "There is no question #999" in text(await mod.say("/qa-edit 999 A fine question?"))
    assert "at most 2147483647" in text(await mod.say("/qa-edit 99999999999999 A question?"))
    # The service refuses controls too (a page that calls it without the commands' check).
    with pytest.raises(Exception, match="control_chars"):
        await core.qa.edit(mod.user, first, "What limits \x00 charging?")
    with pytest.raises(Exception, match="control_chars"):
        await core.qa.translate(mod.user, first, "ko", "충전\u202e 속도")
    # A participant cannot.
    refused = await alice.say(f"/qa-edit {first} What limits charging?")
    assert refused.error and "Only moderators can use /qa-edit." in text(refused)

    q = await core.qa.question(first)
    assert q.body == "What limits fast charging today?" and not q.edited
    assert await log_of(store, first) == before


async def test_undo_of_an_edit_is_refused_when_another_question_reads_so_now(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    qid = await approved(alice, mod, "Will solid state cells ship in 2027?")
    await mod.say(f"/qa-edit {qid} Will solid-state cells ship in 2028?")
    # Someone asks, word for word, what #qid read before its edit.
    clock.advance(MINUTE)
    again = await approved(bob, mod, "Will solid state cells ship in 2027?")
    said = await mod.say(f"/qa undo {qid}")
    assert said.error
    assert f"Question #{again} now reads as #{qid} did before" in text(said)
    assert (await core.qa.question(qid)).body == "Will solid-state cells ship in 2028?"


# -- merge ----------------------------------------------------------------------------------


async def test_merge_counts_each_voter_once_and_undo_gives_both_back(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core, store: Store
) -> None:
    clock.set(DIALOGUE_OPEN)
    keep = await approved(alice, mod, "How long do the cells last?")
    clock.advance(MINUTE)
    dup = await approved(bob, mod, "What is the cycle life of these cells?", "anonymous")
    # #keep: ann, cho, dan; #dup: cho, dan, eve, and a Discord and a Slack voter.
    voters = {name: Person(core, name) for name in ("ann", "cho", "dan", "eve")}
    for name in ("ann", "cho", "dan"):
        await press(voters[name], "qa.vote", str(keep))
    for name in ("cho", "dan", "eve"):
        await press(voters[name], "qa.vote", str(dup))
    for platform in ("discord", "slack"):
        await core.qa.vote(UserRef(platform, "u1"), dup, add=True)
    assert (await core.qa.question(keep)).votes == 3
    assert (await core.qa.question(dup)).votes == 5

    said = await mod.say(f"/qa-merge {dup} {keep}")
    assert f"Question #{dup} is merged into #{keep}, which has 6 votes now." in text(said)
    assert "anonymous: /myquestions shows them where it went" in text(said)
    assert (await core.qa.question(keep)).votes == 6  # ann, cho, dan, eve, discord, slack
    merged = await core.qa.question(dup)
    assert merged.status == "merged" and merged.merged_into == keep
    # Gone from the lists; its asker sees where it went; its button says where to vote.
    listing = text(await alice.say("/questions"))
    assert f"#{keep} ▲6" in listing and "cycle life" not in listing
    assert f"#{dup} ▲5 [merged into #{keep}] What is the cycle life" in text(
        await bob.say("/myquestions")
    )
    refused = await press(alice, "qa.vote", str(dup))
    assert refused.error and f"merged into #{keep}: up-vote #{keep} instead" in text(refused)
    # A voter counted through the merge has voted for #keep already.
    assert "already up-voted" in text(await press(voters["eve"], "qa.vote", str(keep)))
    # The moderation buttons no longer apply to it.
    assert "was merged into" in text(await press(mod, "qa.answered", str(dup)))

    undone = await mod.say(f"/qa undo {dup}")
    assert f"Question #{dup} is back, and #{keep} has 3 votes again." in text(undone)
    assert (await core.qa.question(keep)).votes == 3
    back = await core.qa.question(dup)
    assert back.status == "approved" and back.merged_into is None and back.votes == 5
    listing = text(await alice.say("/questions"))
    assert f"#{dup} ▲5" in listing and f"#{keep} ▲3" in listing
    assert await count(store, "SELECT COUNT(*) FROM question_votes WHERE via IS NOT NULL") == 0


async def test_merge_refusals_and_chains(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core, store: Store
) -> None:
    clock.set(DIALOGUE_OPEN)
    a = await approved(alice, mod, "Which anode material wins by 2030?")
    clock.advance(MINUTE)
    b = await approved(bob, mod, "What anode will dominate in 2030?")
    clock.advance(MINUTE)
    c = await approved(alice, mod, "Which anode chemistry will lead the market?")
    clock.advance(MINUTE)
    _, rejected = await ask(bob, "Rejected question about anodes?")
    await mod.say(f"/qa reject {rejected}")
    # A question of another session (the roundtable, opened by hand).
    await mod.say("/qa-open roundtable")
    _, elsewhere = await ask(alice, "A roundtable question? session:roundtable")
    assert elsewhere is not None

    for line, says in (
        (f"/qa-merge {a} {a}", f"cannot be merged into itself (#{a})"),
        (f"/qa-merge {a} {elsewhere}", "belong to different sessions"),
        (f"/qa-merge {a} {rejected}", f"Question #{rejected} is rejected; approve it"),
        (f"/qa-merge {a} 999", "There is no question #999"),
        ("/qa-merge 999 1", "There is no question #999"),
        (f"/qa-merge {a} 0", "at least 1"),
    ):
        said = await mod.say(line)
        assert said.error and says in text(said), (line, text(said))
    participant = await alice.say(f"/qa-merge {b} {a}")
    assert "Only moderators can use /qa-merge." in text(participant)
    assert await count(store, "SELECT COUNT(*) FROM qa_log WHERE action = 'merge'") == 0

    # A chain: b into a, then a into c; b cannot go again, nor c into b.
    await press(Person(core, "v1"), "qa.vote", str(b))
    await mod.say(f"/qa-merge {b} {a}")
    assert "was merged into" in text(await mod.say(f"/qa-merge {b} {c}"))
    said = await mod.say(f"/qa-merge {c} {b}")
    assert f"Question #{b} was itself merged into another" in text(said)
    assert "1 vote now" in text(await mod.say(f"/qa-merge {a} {c}"))
    assert (await core.qa.question(c)).votes == 1  # b's voter, through a
    # b's merge cannot be undone while a (which holds b's votes) is merged on.
    said = await mod.say(f"/qa undo {b}")
    assert f"Question #{a} was merged into #{c} since; undo that first" in text(said)
    assert f"#{c} has 0 votes again" in text(await mod.say(f"/qa undo {a}"))
    assert f"#{a} has 0 votes again" in text(await mod.say(f"/qa undo {b}"))
    assert {(await core.qa.question(q)).status for q in (a, b, c)} == {"approved"}


async def test_merging_the_question_on_screen_ends_its_highlight_and_undo_restores_it(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    a = await approved(alice, mod, "Are recycled cells as good as new?")
    clock.advance(MINUTE)
    b = await approved(bob, mod, "Do recycled materials perform like new ones?")
    await mod.say(f"/qa highlight {b}")
    assert await on_screen(core) == b
    await mod.say(f"/qa-merge {b} {a}")
    assert await on_screen(core) is None
    assert "Now answering" not in text(await alice.say("/questions"))
    await mod.say(f"/qa undo {b}")
    assert await on_screen(core) == b


# -- translate ------------------------------------------------------------------------------


async def test_typed_translation_shows_in_the_reader_s_language_first(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    qid = await approved(alice, mod, "When will the pilot plant open?")
    kim = Person(core, "kim")
    await kim.say("/language ko")

    said = await mod.say(f"/qa-translate {qid} ko 시범 공장은 언제 열립니까?")
    assert f"Question #{qid} has its translation: KO · 시범 공장은 언제 열립니까?" in text(said)
    assert "machine" not in text(said)
    # A Korean reader reads Korean first and the English after, marked; an English one
    # the other way round.
    assert "시범 공장은 언제 열립니까? · alice — EN · When will the pilot plant open?" in text(
        await kim.say("/questions")
    )
    assert "When will the pilot plant open? · alice — KO · 시범 공장은" in text(
        await alice.say("/questions")
    )
    # Without a language: the only other one. Typed the same: nothing changed.
    assert "nothing changed" in text(
        await mod.say(f"/qa-translate {qid} 시범 공장은 언제 열립니까?")
    )
    said = await mod.say(f"/qa-translate {qid} 시범 공장은 언제 가동됩니까?")
    assert "KO · 시범 공장은 언제 가동됩니까?" in text(said)
    # Into its own language; no machine set up; not a participant's to do.
    own = await mod.say(f"/qa-translate {qid} en When does it open?")
    assert own.error and f"Question #{qid} is written in en; translate it into ko." in text(own)
    assert (await core.qa.question(qid)).translations.keys() == {"ko"}
    assert "No machine translation is set up" in text(await mod.say(f"/qa-translate {qid}"))
    assert "Only moderators" in text(await alice.say(f"/qa-translate {qid} ko 번역"))
    assert "There is no question #999" in text(await mod.say("/qa-translate 999 ko 번역"))

    undone = await mod.say(f"/qa undo {qid}")
    assert f"The translation of #{qid} is undone." in text(undone)
    assert (await core.qa.question(qid)).translations["ko"].text == "시범 공장은 언제 열립니까?"
    await mod.say(f"/qa undo {qid}")
    assert not (await core.qa.question(qid)).translations
    assert "EN ·" not in text(await kim.say("/questions"))


async def test_machine_translation_and_its_failure(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core, store: Store, machine: Machine
) -> None:
    clock.set(DIALOGUE_OPEN)
    qid = await approved(alice, mod, "Can cells be made without cobalt?")
    before = await log_of(store, qid)

    machine.failure = "the provider answered 503"
    said = await mod.say(f"/qa-translate {qid}")
    assert said.error
    assert f"Question #{qid} was not translated: the provider answered 503" in text(said)
    assert not (await core.qa.question(qid)).translations
    assert await log_of(store, qid) == before

    machine.failure = None
    said = await mod.say(f"/qa-translate {qid} ko")
    assert "KO · [ko] Can cells be made without cobalt? (machine translation)" in text(said)
    assert machine.asked[-1] == ("Can cells be made without cobalt?", "ko", "en")
    found = (await core.qa.question(qid)).translations["ko"]
    assert found.by == "testmt" and found.machine
    kim = Person(core, "kim")
    await kim.say("/language ko")
    assert "[ko] Can cells be made without cobalt? (기계 번역) · alice" in text(
        await kim.say("/questions")
    )
    # An edit: the machine's translation follows the new text (in the background).
    await mod.say(f"/qa-edit {qid} Can cells be made with no cobalt at all?")
    await core.qa.settle()
    assert (await core.qa.question(qid)).translations["ko"].text == (
        "[ko] Can cells be made with no cobalt at all?"
    )


async def test_translate_on_approval_needs_a_provider(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core, store: Store
) -> None:
    clock.set(DIALOGUE_OPEN)
    refused = await mod.say("/qa-open dialogue translate")
    assert refused.error and "needs a machine-translation provider" in text(refused)
    assert await count(store, "SELECT COUNT(*) FROM qa_sessions") == 0  # nothing written

    core.qa.machine = Machine()
    said = await mod.say("/qa-open dialogue translate")
    assert "machine-translated as they come" in text(said), text(said)
    assert await core.qa.auto_translates("dialogue")
    qid = await approved(alice, mod, "Is the new separator safe at 80 C?")
    await core.qa.settle()
    found = (await core.qa.question(qid)).translations
    assert found["ko"].text == "[ko] Is the new separator safe at 80 C?" and found["ko"].machine
    # Not an undoable step of its own: undo takes back the approval.
    assert "waiting for approval again" in text(await mod.say(f"/qa undo {qid}"))

    said = await mod.say("/qa-open dialogue translate:false")
    assert "not translated by machine" in text(said)
    assert not await core.qa.auto_translates("dialogue")


# -- what the export keeps ------------------------------------------------------------------


async def test_export_has_the_original_the_edit_translations_and_merges(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock
) -> None:
    clock.set(DIALOGUE_OPEN)
    a = await approved(alice, mod, "=1+1 is what the edit replaces?")
    clock.advance(MINUTE)
    b = await approved(bob, mod, "How cheap will storage get?")
    await mod.say(f"/qa-edit {a} -What does the edit say now?")
    await mod.say(f"/qa-translate {a} ko @편집된 질문")
    clock.advance(MINUTE)
    c = await approved(alice, mod, "How cheap can storage become?")
    await mod.say(f"/qa-merge {c} {b}")

    rows = list(
        csv.DictReader(
            io.StringIO(exported(await mod.say("/qa-export dialogue")).decode("utf-8-sig"))
        )
    )
    first, second, third = rows
    assert first["id"] == str(a)
    assert first["question"] == "'=1+1 is what the edit replaces?"  # as asked, kept text
    assert first["edited"] == "'-What does the edit say now?"
    assert first["language"] == "en" and first["translation_en"] == ""
    assert first["translation_ko"] == "'@편집된 질문" and first["machine_translated"] == ""
    assert second["edited"] == "" and second["merged_into"] == ""
    assert third["status"] == "merged" and third["merged_into"] == str(b)

    md = exported(await mod.say("/qa-export dialogue md")).decode("utf-8")
    assert "| Question | Edited | Language | EN | KO | Merged into |" in md
    line = next(x for x in md.splitlines() if x.startswith(f"| {a} |"))
    assert "\\-What does the edit say now? | en |  | @편집된 질문 |" in line
    line = next(x for x in md.splitlines() if x.startswith(f"| {c} |"))
    assert "| merged |" in line and f"| \\#{b} |" in line


# -- the moderators' notice's buttons and forms ---------------------------------------------


async def submit(person: Person, action_id: str, value: str, **fields: str) -> Reply:
    """A form of the action `action_id` submitted with `fields` typed."""
    return await person.core.on_action(
        Action("test", action_id, value, person.user, person.channel, person.roles, fields=fields)
    )


async def test_edit_form_is_filled_in_and_saves_text_and_translations_as_one_change(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    qid = await approved(alice, mod, "When does the pilot line start?")
    await mod.say(f"/qa-translate {qid} ko 시범 라인은 언제 시작합니까?")

    opened = await press(mod, "qa.edit", str(qid))
    form = opened.form
    assert form is not None and not opened.error
    assert (form.title, form.action_id) == (f"Edit question #{qid}", "qa.edit_save")
    # The number, and a fingerprint of each field as shown (what the moderator changed).
    assert form.value.split(":")[0] == str(qid)
    assert [m.split("=")[0] for m in form.value.split(":")[1:]] == ["text", "text_ko"]
    assert [(i.name, i.value, i.required) for i in form.inputs] == [
        ("text", "When does the pilot line start?", True),
        ("text_ko", "시범 라인은 언제 시작합니까?", False),
    ]
    assert form.inputs[0].max_length == core.qa.config.max_length
    assert f"/qa-edit {qid} <text>" in plain(form.fallback)
    # A participant gets no form.
    assert "Only moderators" in text(await press(alice, "qa.edit", str(qid)))

    saved = await submit(
        mod,
        "qa.edit_save",
        str(qid),
        text="When will the pilot line start?",
        text_ko="시범 라인은 언제?",
    )
    assert f"Question #{qid} now reads: When will the pilot line start?" in text(saved)
    assert "KO · 시범 라인은 언제?" in text(saved)
    q = await core.qa.question(qid)
    assert (
        q.body == "When will the pilot line start?"
        and q.translations["ko"].text == "시범 라인은 언제?"
    )
    # Submitted unchanged: nothing changed. Emptied translation: it goes.
    same = await submit(mod, "qa.edit_save", str(qid), text=q.body, text_ko="시범 라인은 언제?")
    assert "nothing changed" in text(same)
    gone = await submit(mod, "qa.edit_save", str(qid), text=q.body, text_ko="")
    assert f"Question #{qid} has no translation now." in text(gone)
    assert not (await core.qa.question(qid)).translations
    # Refusals: too short, no fields at all (a press, not the form).
    assert "too short" in text(await submit(mod, "qa.edit_save", str(qid), text="Hm"))
    assert (await press(mod, "qa.edit_save", str(qid))).error
    # One undo per submission: the emptied translation, then text and translation at once.
    await mod.say(f"/qa undo {qid}")
    assert (await core.qa.question(qid)).translations["ko"].text == "시범 라인은 언제?"
    await mod.say(f"/qa undo {qid}")
    q = await core.qa.question(qid)
    assert q.body == "When does the pilot line start?"
    assert q.translations["ko"].text == "시범 라인은 언제 시작합니까?"


async def test_merge_form_and_translate_button(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core, machine: Machine
) -> None:
    clock.set(DIALOGUE_OPEN)
    a = await approved(alice, mod, "Is grid storage profitable yet?")
    clock.advance(MINUTE)
    b = await approved(bob, mod, "Does grid storage make money today?")
    opened = await press(mod, "qa.merge", str(b))
    assert opened.form is not None and [i.name for i in opened.form.inputs] == ["into"]
    assert "not a question number" in text(await submit(mod, "qa.merge_save", str(b), into="x"))
    said = await submit(mod, "qa.merge_save", str(b), into=f"#{a}")
    assert f"Question #{b} is merged into #{a}" in text(said)
    # A merged question offers no form any more.
    refused = await press(mod, "qa.edit", str(b))
    assert refused.form is None and f"was merged into #{a}" in text(refused)

    said = await press(mod, "qa.translate", str(a))
    assert "KO · [ko] Is grid storage profitable yet? (machine translation)" in text(said)
    core.qa.machine = None
    assert "No machine translation is set up" in text(await press(mod, "qa.translate", str(a)))


# -- found in review: each failed before its fix -------------------------------------------


class SlowMachine(Machine):
    """Answers only once its gate opens (a provider taking its few seconds), and says
    when it was first asked."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    async def translate(self, text: str, target: str, source: str | None = None) -> Translated:
        self.started.set()
        return await super().translate(text, target, source)


async def test_a_translation_typed_while_the_machine_works_in_the_background_stays(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core, store: Store
) -> None:
    clock.set(DIALOGUE_OPEN)
    machine = SlowMachine()
    core.qa.machine = machine
    await mod.say("/qa-open dialogue translate")
    qid = await approved(alice, mod, "Is the new separator safe at 80 C?")
    await machine.started.wait()  # the translation on approval is under way
    said = await mod.say(f"/qa-translate {qid} ko 새 분리막은 80도에서 안전합니까?")
    assert not said.error, text(said)
    assert machine.gate is not None
    machine.gate.set()
    await core.qa.settle()
    found = (await core.qa.question(qid)).translations["ko"]
    assert found.text == "새 분리막은 80도에서 안전합니까?" and not found.machine, found
    # The typed one is the latest change, for /qa undo; the machine's changed nothing.
    assert (await log_of(store, qid))[-1] == ("translate", 0)


async def test_a_question_number_typed_as_a_superscript_is_refused_not_a_crash(
    bob: Person, mod: Person, clock: SimulatedClock
) -> None:
    clock.set(DIALOGUE_OPEN)
    b = await approved(bob, mod, "Does grid storage make money today?")
    said = await submit(mod, "qa.merge_save", str(b), into="²")
    assert said.error and "not a question number" in text(said), text(said)


async def test_the_question_that_stays_may_take_the_merged_ones_wording_and_give_it_back(
    alice: Person, bob: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    a = await approved(alice, mod, "How long do the cells last?")
    b = await approved(bob, mod, "What is the cycle life of these cells?")
    await mod.say(f"/qa-merge {b} {a}")
    said = await mod.say(f"/qa-edit {a} What is the cycle life of these cells?")
    assert not said.error, text(said)
    # Asked again in those words: a vote for the question that stayed.
    clock.advance(MINUTE)
    again, _ = await ask(alice, "what is the cycle life of these cells")
    assert f"#{a}" in text(again), text(again)
    # The edit undone, then the merge: each question reads as it was, and still dedupes.
    assert not (await mod.say(f"/qa undo {a}")).error
    assert not (await mod.say(f"/qa undo {b}")).error
    assert (await core.qa.question(b)).body == "What is the cycle life of these cells?"
    clock.advance(MINUTE)
    dup, _ = await ask(mod, "What is the cycle life of these cells?")
    assert f"#{b}" in text(dup), text(dup)


async def test_the_edit_form_shows_a_long_machine_translation_whole(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    machine = Machine()
    core.qa.machine = machine
    limit = core.qa.config.max_length
    korean = ("고체 전해질 배터리의 수명은 " * 40)[: limit - 5] + "입니까?"
    qid = await approved(alice, mod, korean)

    async def long(text: str, target: str, source: str | None = None) -> Translated:
        return Translated("How long " * 130, source)  # 1,170 characters of English

    machine.translate = long  # type: ignore[method-assign]
    await mod.say(f"/qa-translate {qid} en")
    stored = (await core.qa.question(qid)).translations["en"]
    form = (await press(mod, "qa.edit", str(qid))).form
    assert form is not None
    en = next(i for i in form.inputs if i.name == "text_en")
    # Discord and Slack cut a value filled in to the field's max_length.
    assert len(stored.text) <= en.max_length, (len(stored.text), en.max_length)


async def test_an_edit_form_opened_before_another_moderators_translation_keeps_it(
    alice: Person, mod: Person, clock: SimulatedClock, core: Core
) -> None:
    clock.set(DIALOGUE_OPEN)
    other = Person(core, "yun", Role.MODERATOR)
    qid = await approved(alice, mod, "When does the pilot line strat?")
    form = (await press(mod, "qa.edit", str(qid))).form  # mia opens Edit (no Korean yet)
    assert form is not None
    typed = await other.say(f"/qa-translate {qid} ko 시범 라인은 언제 시작합니까?")
    assert not typed.error, text(typed)
    shown = {i.name: i.value for i in form.inputs}
    said = await submit(
        mod, "qa.edit_save", form.value, **(shown | {"text": "When does the pilot line start?"})
    )
    assert not said.error, text(said)
    q = await core.qa.question(qid)
    assert q.body == "When does the pilot line start?"
    assert q.translations["ko"].text == "시범 라인은 언제 시작합니까?"
    # The same field changed by both: refused, nothing written.
    form = (await press(mod, "qa.edit", str(qid))).form
    assert form is not None
    await other.say(f"/qa-translate {qid} ko 시범 생산 라인은 언제 가동합니까?")
    shown = {i.name: i.value for i in form.inputs}
    clash = await submit(mod, "qa.edit_save", form.value, **(shown | {"text_ko": "언제 시작?"}))
    assert clash.error and "open it again" in text(clash), text(clash)
    assert (await core.qa.question(qid)).translations["ko"].text.startswith("시범 생산")
