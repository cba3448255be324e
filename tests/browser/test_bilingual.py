"""Both languages on the Q&A screens, in real Chromium: the presenter screen with a long
Korean question and its English translation at 1080p and 720p, edits and merges reaching
it live from the moderators' page, and the speaker's view on a tablet."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from bot.core.dispatch import Core
from bot.core.model import UserRef
from tests.browser.chromium import new_phone, save_screenshot
from tests.browser.test_present import TOP_TEN
from tests.fakes.machine import FakeTranslator

MIA = UserRef("slack", "M1", "Mia")

# A 300-character Korean question and its English translation (as a moderator types it).
KOREAN_300 = (
    "전고체 전지의 상용화를 앞두고 황화물계 고체 전해질이 수분과 반응해 황화수소를 발생시키는 "
    "문제를 양산 공정에서 어떻게 관리하고 계신지 궁금합니다. 특히 건조실의 이슬점 관리 비용이 "
    "셀 가격에 미치는 영향이 어느 정도인지, 그리고 산화물계나 고분자계 전해질과 비교했을 때 "
    "이온 전도도와 계면 안정성 측면에서 어떤 절충이 있는지 구체적인 수치와 함께 설명해 주실 수 "
    "있을까요? 또한 리튬 금속 음극을 적용할 경우 덴드라이트 억제를 위해 필요한 가압 조건이 실제 "
    "전기차 배터리 팩 설계에 어떤 제약을 주는지도 알고 싶습니다. 미리 감사합니다."
)
ENGLISH_OF_300 = (
    "Ahead of the commercialisation of all-solid-state batteries, how do you manage, in mass "
    "production, sulfide solid electrolytes reacting with moisture and releasing hydrogen "
    "sulfide? In particular, how much does keeping the dry room's dew point low add to the "
    "price of a cell, and compared with oxide and polymer electrolytes, what trade-offs are "
    "there in ionic conductivity and interfacial stability? Could you explain with concrete "
    "figures? I would also like to know what constraints the stack pressure needed to "
    "suppress dendrites puts on the design of a real electric-vehicle battery pack when a "
    "lithium-metal anode is used. Thank you in advance."
)
# The top ten's translations: the Korean ones typed by a moderator, the English ones by
# the machine (so both marks show).
TRANSLATED = {
    TOP_TEN[0]: "When will all-solid-state batteries be commercially viable?",
    TOP_TEN[
        1
    ]: "실제 자동차에서 천 번 넘는 충방전 동안 리튬 금속 음극을 어떻게 안전하게 유지하나요?",
    TOP_TEN[2]: (
        "Where do you see sodium-ion batteries replacing lithium-ion ones? I wonder which "
        "comes first: energy storage systems or small electric vehicles."
    ),
    TOP_TEN[3]: "How far has the volume expansion of silicon anode materials been solved?",
    TOP_TEN[4]: "오늘날 가장 낮은 비용으로 가장 많은 리튬을 회수하는 재활용 방식은 무엇인가요?",
    TOP_TEN[5]: "Is there a new coating that makes battery separators more stable under heat?",
    TOP_TEN[6]: "Has a process been developed to handle sulfide solid electrolytes in open air?",
    TOP_TEN[7]: "한국의 배터리 연구 지원에서 가장 먼저 무엇을 바꾸시겠습니까?",
    TOP_TEN[8]: (
        "For next-generation cathodes, should we invest more in high-nickel or in lithium "
        "iron phosphate? I would like your view weighing cost, safety and supply chains."
    ),
    TOP_TEN[9]: "How far have sensors that detect battery fires early come?",
}


def _minimums(height: int) -> dict[str, float]:
    """The smallest sizes (px) present.js sets before the list gives way (a share of the
    window's height, never under these): the question, its translations, a list entry,
    who asked, and a list entry's translation (0.8 of the entry, never under 12)."""
    entry = max(14, 0.019 * height)
    return {
        "highlight": max(20, 0.028 * height),
        "translation": max(16, 0.022 * height),
        "meta": max(14, 0.016 * height),
        "entry": entry,
        "entry_translation": max(12, 0.8 * entry),
    }


async def _bilingual_session(core: Core) -> FakeTranslator:
    """The dialogue with the 300-character question highlighted (translated by a
    moderator) and a top ten, each translated (by a moderator or the machine)."""
    s = core.agenda.session("dialogue")
    assert s is not None
    machine = FakeTranslator({text: {"ko": ko} for text, ko in TRANSLATED.items()})
    core.qa.machine = machine
    for n, text in enumerate([KOREAN_300, *TOP_TEN]):
        asker = UserRef("discord", str(n), f"참가자 {n}")
        q = (await core.qa.ask(asker, s, text, anonymous=n % 3 == 1)).question
        await core.qa.moderate(MIA, q.id, "approve")
        if q.lang == "ko":
            english = ENGLISH_OF_300 if n == 0 else TRANSLATED[text]
            await core.qa.translate(MIA, q.id, "en", english)
        else:
            await core.qa.translate(MIA, q.id, "ko")  # by the machine
    await core.qa.moderate(MIA, 1, "highlight")
    return machine


# What the presenter screen shows of each part, measured as drawn.
MEASURE = """() => {
  const vw = innerWidth, vh = innerHeight;
  const box = (el) => el.getBoundingClientRect();
  const px = (el) => parseFloat(getComputedStyle(el).fontSize);
  const visible = (sel) =>
    [...document.querySelectorAll(sel)].filter((el) => !el.closest("[hidden]"));
  const outside = [], cut = [];
  const parts = visible("header, #highlight, #highlight-translations .translation, " +
    "#highlight-meta, #top li, #more, footer");
  for (const el of parts) {
    const r = box(el);
    if (r.top < -0.5 || r.left < -0.5 || r.bottom > vh + 0.5 || r.right > vw + 0.5) {
      const at = [r.left, r.top, r.right, r.bottom].map(Math.round).join(",");
      outside.push(`${el.id || el.className || el.tagName} ${el.dataset.id || ""}: ${at}`);
    }
  }
  // The containers that clip (the list's section) or must not overflow (the column);
  // heights are whole pixels, each rounded.
  const section = document.querySelector("section.top");
  for (const el of [document.querySelector("main"), section]) {
    if (el.scrollHeight > el.clientHeight + 1) cut.push(el.tagName + " " + el.className);
  }
  // The question and its translations are never clamped nor clipped.
  for (const el of visible("#highlight, #highlight-translations .translation")) {
    const style = getComputedStyle(el);
    if (style.overflow !== "visible" || style.webkitLineClamp !== "none") {
      cut.push(el.id || el.className);
    }
  }
  for (const li of visible("#top li")) {
    if (box(li).bottom > box(section).bottom + 0.5) cut.push("entry " + li.dataset.id);
  }
  const entries = visible("#top li");
  return {
    outside, cut,
    overlap: box(document.getElementById("now")).bottom > box(section).top + 0.5,
    scrolls: document.documentElement.scrollHeight > vh + 0.5,
    shown: entries.length,
    more: document.getElementById("more").hidden ? "" : document.getElementById("more").textContent,
    sizes: {
      highlight: px(document.getElementById("highlight")),
      meta: px(document.getElementById("highlight-meta")),
      translation: Math.min(...visible("#highlight-translations .translation").map(px)),
      entry: Math.min(...entries.map(px)),
      entry_translation: Math.min(...visible("#top .tr").map(px)),
      mark: Math.min(...visible(".mark").map(px)),
    },
    marks: visible("#highlight-translations .mark").map((el) => el.textContent),
    entryMarks: [...new Set(visible("#top .mark").map((el) => el.textContent))].sort(),
  };
}"""


async def _settled(page: Page) -> None:
    """Measured once the fonts are in and the page has drawn with them."""
    await page.evaluate(
        "document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => r(1))))"
    )


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
async def test_presenter_shows_a_300_character_korean_question_and_its_english(
    site: str, core: Core, browser_page: Page, width: int, height: int
) -> None:
    await _bilingual_session(core)
    page = browser_page
    await page.set_viewport_size({"width": width, "height": height})
    await page.goto(f"{site}/present/dialogue")
    await expect(page.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    await expect(page.locator("#highlight")).to_have_text(KOREAN_300)
    await expect(page.locator("#highlight-translations .translated")).to_have_text(ENGLISH_OF_300)
    await _settled(page)
    await save_screenshot(page, f"presenter-bilingual-{width}x{height}")
    got: dict[str, Any] = await page.evaluate(MEASURE)
    # Everything on the screen, nothing cut, the question and its translation whole.
    assert got["outside"] == [] and got["cut"] == [], got
    assert not got["overlap"] and not got["scrolls"], got
    # Shrunk to fit, never below what the back of the hall reads at this size.
    for part, smallest in _minimums(height).items():
        assert got["sizes"][part] >= smallest - 0.05, (part, got["sizes"])
    assert got["sizes"]["mark"] >= 12
    assert got["sizes"]["highlight"] > got["sizes"]["translation"], got["sizes"]
    assert got["marks"] == ["English translation · 영어 번역"]
    # The list keeps what fits after the question (two at least) and says how many more.
    assert 2 <= got["shown"] <= 10, got
    left = 10 - got["shown"]
    assert got["more"] == ("" if left == 0 else f"+{left} more · {left}개 더"), got
    # The first two: a Korean question typed into English, an English one by the machine.
    assert got["entryMarks"] == ["EN translation · 번역", "KO machine translation · 기계 번역"]


async def test_edits_merges_and_translations_from_the_moderators_page_reach_the_screen(
    site: str, core: Core, browser_page: Page
) -> None:
    """The acceptance test: what a moderator does on the web page (edit, translate,
    merge, and the merge's undo from the message line) is on the presenter screen within
    2 s; a vote arriving while a moderator types leaves the form as it was."""
    s = core.agenda.session("dialogue")
    assert s is not None
    ids = []
    for n, text in enumerate([TOP_TEN[1], TOP_TEN[0], "How safe are lithium-metal anodes?"]):
        q = (
            await core.qa.ask(UserRef("discord", str(n), f"p{n}"), s, text, anonymous=False)
        ).question
        await core.qa.moderate(MIA, q.id, "approve")
        ids.append(q.id)
    english, korean, duplicate = ids
    for n in range(2):
        await core.qa.vote(UserRef("web", f"d{n}"), duplicate, add=True)

    screen = browser_page
    await screen.set_viewport_size({"width": 1280, "height": 720})
    await screen.goto(f"{site}/present/dialogue")
    await expect(screen.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    laptop = await screen.context.new_page()
    await laptop.set_viewport_size({"width": 1280, "height": 900})
    await laptop.goto(f"{site}/moderate/dialogue?token={core.qa.keys.token('moderate:dialogue')}")
    await expect(laptop.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    # No provider: no Machine button, and the switch is off and cannot be turned on.
    await expect(laptop.locator("#machine-note")).to_be_visible()
    await expect(laptop.locator("#auto-translate")).to_be_disabled()

    # Translate, typed.
    row = laptop.locator(f'#approved li[data-id="{korean}"]')
    await row.locator('button[data-action="translate"]').click()
    form = row.locator(".editor")
    await expect(form.locator('[data-field="ko"]')).to_have_count(0)  # not into its own
    assert await form.locator('button[data-action="machine"]').count() == 0
    await form.locator('[data-field="en"]').fill(TRANSLATED[TOP_TEN[0]])
    await form.locator('button[data-action="save"]').click()
    on_screen = screen.locator(f'#top li[data-id="{korean}"] .tr .translated')
    await expect(on_screen).to_have_text(TRANSLATED[TOP_TEN[0]], timeout=2000)
    await expect(laptop.locator("#message")).to_contain_text(f"#{korean}: translated")
    await expect(row.locator(".editor")).to_have_count(0)

    # Edit; a vote arrives while the moderator types: the row is drawn again around the
    # form, which keeps its text and its focus.
    row = laptop.locator(f'#approved li[data-id="{english}"]')
    await row.locator('button[data-action="edit"]').click()
    box = row.locator('.editor [data-field="text"]')
    await expect(box).to_have_value(TOP_TEN[1])
    await box.fill("How do you keep lithium-metal anodes safe")
    await core.qa.vote(UserRef("web", "d9"), english, add=True)
    await expect(row.locator(".votes")).to_have_text("▲ 1", timeout=2000)
    await expect(box).to_have_value("How do you keep lithium-metal anodes safe")
    await expect(box).to_be_focused()
    await box.press("End")
    await box.press_sequentially(" for ten years?")
    await save_screenshot(laptop, "moderator-page-editing")
    await row.locator('.editor button[data-action="save"]').click()
    edited = "How do you keep lithium-metal anodes safe for ten years?"
    entry = screen.locator(f'#top li[data-id="{english}"] .text')
    await expect(entry).to_have_text(edited, timeout=2000)
    await expect(laptop.locator(f'#approved li[data-id="{english}"] .edited')).to_be_visible()

    # Merge the duplicate into it: it leaves the screen, its votes go along; the message
    # line's Undo brings it back.
    row = laptop.locator(f'#approved li[data-id="{duplicate}"]')
    await row.locator('button[data-action="merge"]').click()
    await row.locator('.editor [data-field="into"]').fill(f"#{english}")
    await row.locator('.editor button[data-action="save"]').click()
    await expect(screen.locator(f'#top li[data-id="{duplicate}"]')).to_have_count(0, timeout=2000)
    votes = screen.locator(f'#top li[data-id="{english}"] .votes')
    await expect(votes).to_have_text("▲ 3", timeout=2000)
    message = laptop.locator("#message")
    await expect(message).to_contain_text(f"#{duplicate} merged into #{english}")
    await save_screenshot(screen, "presenter-after-merge")
    await message.locator('button[data-action="undo-last"]').click()
    await expect(screen.locator(f'#top li[data-id="{duplicate}"]')).to_have_count(1, timeout=2000)
    await expect(votes).to_have_text("▲ 1", timeout=2000)
    assert (await core.qa.question(duplicate)).status == "approved"

    # With a provider: the Machine button, marked on the screen as the machine's.
    core.qa.machine = FakeTranslator(
        {edited: {"ko": "리튬 금속 음극을 10년 동안 어떻게 안전하게?"}}
    )
    core.qa.hub.publish("dialogue")  # a provider is set at start; here, the page is told
    await laptop.reload()
    await expect(laptop.locator("#auto-translate")).to_be_enabled()
    row = laptop.locator(f'#approved li[data-id="{english}"]')
    await row.locator('button[data-action="translate"]').click()
    await row.locator('.editor button[data-action="machine"]').click()
    line = screen.locator(f'#top li[data-id="{english}"] .tr')
    await expect(line.locator(".translated")).to_have_text(
        "리튬 금속 음극을 10년 동안 어떻게 안전하게?", timeout=2000
    )
    await expect(line.locator(".mark")).to_have_text("KO machine translation · 기계 번역")
    await save_screenshot(laptop, "moderator-page-bilingual")


async def test_speaker_view_on_a_tablet_in_either_language(
    site: str, core: Core, browser_page: Page
) -> None:
    """The speaker's tablet: the highlighted question first, then the queue, in the
    language chosen with the page's links, large, with no controls, live."""
    s = core.agenda.session("dialogue")
    assert s is not None
    core.qa.machine = FakeTranslator({TOP_TEN[1]: {"ko": TRANSLATED[TOP_TEN[1]]}})
    ids = []
    for n, text in enumerate([KOREAN_300, TOP_TEN[1], TOP_TEN[3], TOP_TEN[4]]):
        q = (
            await core.qa.ask(UserRef("discord", str(n), f"p{n}"), s, text, anonymous=False)
        ).question
        await core.qa.moderate(MIA, q.id, "approve")
        ids.append(q.id)
    highlight, english, untranslated, other = ids
    await core.qa.translate(MIA, highlight, "en", ENGLISH_OF_300)
    await core.qa.translate(MIA, english, "ko")  # the machine's
    await core.qa.vote(UserRef("web", "d1"), english, add=True)
    await core.qa.moderate(MIA, highlight, "highlight")

    page = browser_page
    await page.set_viewport_size({"width": 1024, "height": 768})
    token = core.qa.keys.token("speaker:dialogue")
    await page.goto(f"{site}/speaker-view/dialogue?token={token}")
    await expect(page.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    # English (the event's): the highlight in its translation, a Korean question with
    # none as asked, marked.
    await expect(page.locator("#highlight")).to_have_text(ENGLISH_OF_300)
    queue = page.locator("#queue li")
    await expect(queue).to_have_count(3)
    assert await queue.evaluate_all("(lis) => lis.map((li) => Number(li.dataset.id))") == [
        english,
        untranslated,
        other,
    ]
    await expect(queue.nth(0).locator(".text")).to_have_text(TOP_TEN[1])
    await expect(queue.nth(1).locator(".note")).to_have_text("not translated")
    assert await page.locator("button, input, textarea, select, form").count() == 0
    sizes = await page.evaluate(
        """() => ({
          highlight: parseFloat(getComputedStyle(document.getElementById("highlight")).fontSize),
          entry: parseFloat(getComputedStyle(document.querySelector("#queue .text")).fontSize),
          wide: document.documentElement.scrollWidth > innerWidth,
        })"""
    )
    # Large for a tablet at arm's length; nothing runs off its side.
    assert sizes["highlight"] >= 32 and sizes["entry"] >= 24 and not sizes["wide"], sizes
    await _settled(page)
    await save_screenshot(page, "speaker-view-en-1024x768")

    # 한국어, by the page's own link: the highlight as asked, the English question in
    # the machine's Korean (marked).
    await page.get_by_role("link", name="한국어").click()
    await expect(page.locator("html")).to_have_attribute("lang", "ko")
    await expect(page.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    await expect(page.locator("#highlight")).to_have_text(KOREAN_300)
    first = page.locator("#queue li").nth(0)
    await expect(first.locator(".text")).to_have_text(TRANSLATED[TOP_TEN[1]])
    await expect(first.locator(".note")).to_have_text("기계 번역")
    await expect(page.locator("#queue li").nth(1).locator(".note")).to_have_count(0)
    await _settled(page)
    await save_screenshot(page, "speaker-view-ko-1024x768")

    # Live: an edit and a merge reach the tablet.
    await core.qa.edit(MIA, untranslated, "실리콘 음극의 부피 팽창 문제는 해결되었나요?")
    changed = page.locator(f'#queue li[data-id="{untranslated}"] .text')
    await expect(changed).to_have_text("실리콘 음극의 부피 팽창 문제는 해결되었나요?", timeout=2000)
    await core.qa.merge(MIA, other, untranslated)
    await expect(page.locator(f'#queue li[data-id="{other}"]')).to_have_count(0, timeout=2000)
    await expect(page.locator("#queue li")).to_have_count(2)


async def test_a_korean_phone_reads_korean_first_and_follows_translations_live(
    site: str, core: Core, browser_page: Page
) -> None:
    """The audience's page on a Korean phone: a question with a Korean translation shows
    it first, the English as asked beneath, smaller; a translation made while the page
    is open arrives with the live list; the phone's own question, edited and merged,
    says so."""
    s = core.agenda.session("dialogue")
    assert s is not None
    ids = []
    for n, text in enumerate([TOP_TEN[1], TOP_TEN[4]]):
        q = (
            await core.qa.ask(UserRef("discord", str(n), f"p{n}"), s, text, anonymous=False)
        ).question
        await core.qa.moderate(MIA, q.id, "approve")
        ids.append(q.id)
    first, second = ids
    await core.qa.translate(MIA, first, "ko", TRANSLATED[TOP_TEN[1]])
    context = await new_phone(browser_page)
    phone = await context.new_page()
    await phone.goto(f"{site}/q/dialogue")  # ko-KR: Korean, from the browser's language
    await expect(phone.locator("html")).to_have_attribute("lang", "ko")
    item = phone.locator(f'#questions li[data-id="{first}"]')
    await expect(item.locator(".text")).to_have_text(TRANSLATED[TOP_TEN[1]])
    await expect(item.locator(".original .original-text")).to_have_text(TOP_TEN[1])
    await expect(item.locator(".kind")).to_have_text(" · 번역")
    sizes = await item.evaluate(
        """(li) => [li.querySelector(".text"), li.querySelector(".original")]
             .map((el) => parseFloat(getComputedStyle(el).fontSize))"""
    )
    assert sizes[1] < sizes[0], sizes
    await expect(phone.locator("body")).to_have_attribute("data-state", "live", timeout=5000)
    # Translated by the machine while the page is open: drawn by the page's script.
    core.qa.machine = FakeTranslator({TOP_TEN[4]: {"ko": TRANSLATED[TOP_TEN[4]]}})
    await core.qa.translate(MIA, second, "ko")
    other = phone.locator(f'#questions li[data-id="{second}"]')
    await expect(other.locator(".text")).to_have_text(TRANSLATED[TOP_TEN[4]], timeout=2000)
    await expect(other.locator(".original-text")).to_have_text(TOP_TEN[4])
    await expect(other.locator(".kind")).to_have_text(" · 기계 번역")
    await expect(phone.locator(f'#questions li[data-id="{first}"] .original')).to_be_visible()

    # The phone asks; a moderator edits its question and merges it into the first.
    await phone.locator("#ask-text").fill("리튬 금속 음극은 안전한가요?")
    await phone.locator("#ask button[type=submit]").click()
    mine = phone.locator("#mine li").first
    await expect(mine).to_have_attribute("data-status", "pending", timeout=2000)
    own = int(await mine.get_attribute("data-id") or 0)
    await core.qa.moderate(MIA, own, "approve")
    await core.qa.edit(MIA, own, "리튬 금속 음극은 충분히 안전한가요?")
    await core.qa.merge(MIA, own, first)
    # Drawn by the page's script (its own state, with a vote's answer), then by the
    # server (a new page).
    await other.locator("button").click()
    for _ in range(2):
        mine = phone.locator(f'#mine li[data-id="{own}"]')
        await expect(mine.locator(".status")).to_have_text(f"#{first} 질문에 병합됨")
        await expect(mine.locator(".edited")).to_have_text("진행자가 수정함")
        await expect(phone.locator(f'#questions li[data-id="{own}"]')).to_have_count(0)
        await phone.reload()
    await save_screenshot(phone, "audience-korean-phone-bilingual")
    await context.close()
