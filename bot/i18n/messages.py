"""Every message the bot says, in English and Korean side by side.

Keeping both languages in one entry means neither can be forgotten; a test checks that
both use the same placeholders. Placeholders follow str.format. A text whose words follow
a number is a `Plural` with one form per CLDR plural category of its language.
"""


class Plural:
    """A text whose words follow the number in placeholder `count`, one form per CLDR
    plural category of its language (English: one, other). Korean has one form for every
    number, so its texts stay plain strings."""

    __slots__ = ("count", "forms")

    def __init__(self, count: str, **forms: str) -> None:
        self.count = count
        self.forms = forms

    def __repr__(self) -> str:
        return f"Plural({self.count!r}, {self.forms!r})"


MESSAGES: dict[str, dict[str, str | Plural]] = {
    # Roles
    "role.participant": {"en": "participants", "ko": "참가자"},
    "role.moderator": {"en": "moderators", "ko": "진행자(모더레이터)"},
    "role.organiser": {"en": "organisers", "ko": "주최 측"},
    # Errors: one clear line each, to the user alone.
    "error.internal": {
        "en": "Sorry, something went wrong on our side. Please try again in a moment.",
        "ko": "죄송합니다. 처리 중 문제가 생겼습니다. 잠시 후 다시 시도해 주세요.",
    },
    "error.role": {
        "en": "Only {role} can use /{command}.",
        "ko": "/{command} 명령어는 {role}만 사용할 수 있습니다.",
    },
    "error.role_action": {
        "en": "Only {role} can press this button.",
        "ko": "이 버튼은 {role}만 누를 수 있습니다.",
    },
    "error.stale_button": {
        "en": "This button no longer works. Run the command again.",
        "ko": "더 이상 사용할 수 없는 버튼입니다. 명령어를 다시 실행해 주세요.",
    },
    "error.empty_command": {
        "en": "Type a command, e.g. /agenda. /help lists them all.",
        "ko": "명령어를 입력해 주세요. 예: /agenda. 전체 목록은 /help 입니다.",
    },
    "error.unknown_command": {
        "en": "There is no command /{name}. Type /help to see them all.",
        "ko": "/{name} 명령어는 없습니다. /help 로 전체 목록을 보세요.",
    },
    "error.unknown_command_hint": {
        "en": "There is no command /{name}. Did you mean /{hint}?",
        "ko": "/{name} 명령어는 없습니다. /{hint} 을(를) 찾으셨나요?",
    },
    "error.unknown_option": {
        "en": "{usage} has no option {name}.",
        "ko": "{usage} 에는 {name} 옵션이 없습니다.",
    },
    "error.extra": {
        "en": "I did not understand {token!r}. Usage: {usage}",
        "ko": "{token!r} 부분을 이해하지 못했습니다. 사용법: {usage}",
    },
    "error.missing": {
        "en": "Please give the {name}. Usage: {usage}",
        "ko": "{name} 값을 입력해 주세요. 사용법: {usage}",
    },
    "error.control_chars": {
        "en": "Your text contains invisible control characters. Please type it again.",
        "ko": "입력에 보이지 않는 제어 문자가 있습니다. 다시 입력해 주세요.",
    },
    "error.too_long": {
        "en": "The {name} is too long ({length} characters; at most {max}).",
        "ko": "{name} 값이 너무 깁니다 ({length}자, 최대 {max}자).",
    },
    "error.not_int": {
        "en": "The {name} must be a whole number, not {value!r}.",
        "ko": "{name} 값은 정수여야 합니다 ({value!r} 불가).",
    },
    "error.not_bool": {
        "en": "The {name} must be yes or no, not {value!r}.",
        "ko": "{name} 값은 예 또는 아니오여야 합니다 ({value!r} 불가).",
    },
    "error.too_small": {
        "en": "The {name} must be at least {min}.",
        "ko": "{name} 값은 {min} 이상이어야 합니다.",
    },
    "error.too_big": {
        "en": "The {name} must be at most {max}.",
        "ko": "{name} 값은 {max} 이하여야 합니다.",
    },
    "error.choice": {
        "en": "The {name} must be one of: {choices} (not {value!r}).",
        "ko": "{name} 값은 다음 중 하나여야 합니다: {choices} ({value!r} 불가).",
    },
    "error.choice_elsewhere": {
        "en": "{value!r} is not a choice for {name} on {platform}: choose one of {choices}.",
        "ko": "{platform}에서는 {name} 값으로 {value!r}을(를) 고를 수 없습니다. "
        "다음 중 하나를 고르세요: {choices}.",
    },
    # Agenda
    "agenda.day_title": {"en": "Day {number} · {date}", "ko": "{number}일차 · {date}"},
    "agenda.day_label": {"en": "day {number} ({date})", "ko": "{number}일차 ({date})"},
    "agenda.day_button": {"en": "Day {number}", "ko": "{number}일차"},
    "agenda.empty_day": {
        "en": "Nothing is scheduled on this day.",
        "ko": "이 날에는 예정된 세션이 없습니다.",
    },
    "agenda.bad_day": {
        "en": "I cannot read {value!r} as a day. Try 1, 2, 2026-02-05, friday, today or tomorrow.",
        "ko": "{value!r} 을(를) 날짜로 읽을 수 없습니다. "
        "1, 2, 2026-02-05, 6일, 금요일, 오늘, 내일 처럼 입력해 주세요.",
    },
    "agenda.bad_day_number": {
        "en": Plural(
            "count",
            one="There is no day {value}: the event has {count} day.",
            other="There is no day {value}: the event has {count} days.",
        ),
        "ko": "{value}일차는 없습니다. 행사는 {count}일간 열립니다.",
    },
    "agenda.not_event_weekday": {
        "en": "The event has no {weekday}. The event days are {days}.",
        "ko": "행사에 {weekday}은 없습니다. 행사일: {days}.",
    },
    "agenda.not_event_day": {
        "en": "{day} is not an event day. The event days are {days}.",
        "ko": "{day} 은(는) 행사일이 아닙니다. 행사일: {days}.",
    },
    "agenda.illustrative": {
        "en": "Times are illustrative until the organisers publish them.",
        "ko": "시간은 주최 측이 확정 발표하기 전까지 예시입니다.",
    },
    "agenda.zone_event": {
        "en": "Times in the event's zone, {zone}. Set yours with /timezone.",
        "ko": "행사 현지 시간({zone}) 기준입니다. /timezone 으로 내 시간대를 설정하세요.",
    },
    "agenda.zone_local": {
        "en": "Times are shown in your own time zone.",
        "ko": "시간은 내 시간대로 표시됩니다.",
    },
    "agenda.zone_yours": {
        "en": "Times in your zone, {zone}.",
        "ko": "내 시간대({zone}) 기준입니다.",
    },
    "agenda.qa_badge": {"en": "Q&A", "ko": "질의응답"},
    "agenda.qa_hint": {
        "en": "Live Q&A: ask and up-vote questions with /ask during the session.",
        "ko": "실시간 질의응답: 세션 중 /ask 로 질문하고 추천할 수 있습니다.",
    },
    "agenda.now_title": {"en": "On now", "ko": "지금 진행 중"},
    "agenda.ends_in": {"en": "ends in {minutes} min", "ko": "{minutes}분 후 종료"},
    "agenda.next_title": {"en": "Up next", "ko": "다음 세션"},
    "agenda.starts_in": {"en": "in {minutes} min", "ko": "{minutes}분 후"},
    "agenda.not_started": {
        "en": "The event has not started yet. It begins {when}. Try /agenda 1.",
        "ko": "아직 행사 시작 전입니다. {when}에 시작합니다. /agenda 1 을 입력해 보세요.",
    },
    "agenda.nothing_now": {
        "en": "Nothing is running right now. Next: {title} at {when}.",
        "ko": "지금 진행 중인 세션이 없습니다. 다음: {when} {title}.",
    },
    "agenda.over": {
        "en": "The event is over. Thank you for coming!",
        "ko": "행사가 모두 끝났습니다. 참석해 주셔서 감사합니다!",
    },
    "agenda.no_sessions": {
        "en": "The agenda has no sessions yet.",
        "ko": "아직 등록된 세션이 없습니다.",
    },
    "agenda.several": {"en": "Sessions matching {query!r}", "ko": "{query!r} 와(과) 일치하는 세션"},
    "agenda.several_hint": {
        "en": "Ask about one with /session and its id in brackets.",
        "ko": "대괄호 안의 ID로 /session 을 입력하면 상세 정보를 볼 수 있습니다.",
    },
    "agenda.no_match": {
        "en": "No session matches {query!r}. Try /search or /agenda.",
        "ko": "{query!r} 와(과) 일치하는 세션이 없습니다. /search 나 /agenda 를 이용해 보세요.",
    },
    "agenda.no_match_hint": {
        "en": "No session matches {query!r}. Did you mean: {hint}?",
        "ko": "{query!r} 와(과) 일치하는 세션이 없습니다. 혹시 이것인가요: {hint}?",
    },
    "field.when": {"en": "When", "ko": "일시"},
    "field.room": {"en": "Room", "ko": "장소"},
    "field.chair": {"en": "Chair", "ko": "좌장"},
    "field.speakers": {"en": "Speakers", "ko": "연사"},
    "speaker.title": {"en": "Speaker", "ko": "연사"},
    "speaker.several": {"en": "People matching {query!r}", "ko": "{query!r} 와(과) 일치하는 사람"},
    "speaker.no_sessions": {"en": "(no session yet)", "ko": "(배정된 세션 없음)"},
    "speaker.no_match": {
        "en": "No speaker matches {query!r}.",
        "ko": "{query!r} 와(과) 일치하는 연사가 없습니다.",
    },
    "speaker.no_match_hint": {
        "en": "No speaker matches {query!r}. Did you mean: {hint}?",
        "ko": "{query!r} 와(과) 일치하는 연사가 없습니다. 혹시 이분인가요: {hint}?",
    },
    "search.title": {
        "en": Plural(
            "count", one="{count} result for {query!r}", other="{count} results for {query!r}"
        ),
        "ko": "{query!r} 검색 결과 {count}건",
    },
    # Preferences
    "tz.current": {"en": "Your time zone: {zone}", "ko": "내 시간대: {zone}"},
    "tz.set": {"en": "Your time zone is now {zone}", "ko": "시간대를 {zone}(으)로 설정했습니다"},
    "tz.event_time": {"en": "Now at the event", "ko": "행사 현지 시각"},
    "tz.your_time": {"en": "Now for you", "ko": "내 시각"},
    "tz.example": {
        "en": "Next: {title} starts {event}, which is {yours} for you.",
        "ko": "다음 세션 {title}: 현지 {event}, 내 시간 {yours}.",
    },
    "tz.unknown": {
        "en": "{value!r} is not a time zone I know. Use an IANA name such as Asia/Seoul or "
        "America/Los_Angeles.",
        "ko": "{value!r} 은(는) 알 수 없는 시간대입니다. Asia/Seoul, America/Los_Angeles 같은 "
        "IANA 이름을 사용해 주세요.",
    },
    "tz.unknown_hint": {
        "en": "{value!r} is not a time zone I know. Did you mean {hint}?",
        "ko": "{value!r} 은(는) 알 수 없는 시간대입니다. 혹시 {hint} 인가요?",
    },
    "lang.set": {
        "en": "I will answer you in English from now on.",
        "ko": "이제부터 한국어로 답변합니다.",
    },
    "help.title": {"en": "{event}: commands", "ko": "{event}: 명령어"},
    "help.optional": {"en": "optional", "ko": "선택"},
    "help.footer": {
        "en": "/help <command> explains one command. /language ko: 한국어로 보기.",
        "ko": "/help <명령어> 로 자세한 설명을 봅니다. /language en: view in English.",
    },
    "home.hint": {
        "en": "Type /agenda for the whole day, /session for details, /help for more.",
        "ko": "/agenda 로 하루 일정, /session 으로 상세 정보, /help 로 더 많은 명령어를 봅니다.",
    },
    # Reminders, schedule updates and announcements
    "reminder.soon": {"en": "Starting in {minutes} min", "ko": "{minutes}분 후 시작"},
    "reminder.now": {"en": "Starting now", "ko": "지금 시작합니다"},
    "update.title": {"en": "Schedule update", "ko": "일정 변경 안내"},
    "update.moved": {
        "en": "Moved: {title}, now {when}",
        "ko": "시간 변경: {title}, 변경된 시간 {when}",
    },
    "update.room": {
        "en": "Room changed: {title}, now in {room}",
        "ko": "장소 변경: {title}, 변경된 장소 {room}",
    },
    "update.retitled": {"en": "Renamed: {old} → {new}", "ko": "제목 변경: {old} → {new}"},
    "update.new": {"en": "New: {title}, {when}", "ko": "추가: {title}, {when}"},
    "update.cancelled": {"en": "Cancelled: {title}", "ko": "취소: {title}"},
    "update.yours": {
        "en": "A session you asked to be reminded of has changed.",
        "ko": "알림을 신청한 세션이 변경되었습니다.",
    },
    "announce.title": {"en": "Announcement", "ko": "공지"},
    "remind.set": {
        "en": "I will send you a direct message {minutes} min before {title} ({when}).",
        "ko": "{title} ({when}) 시작 {minutes}분 전에 개인 메시지로 알려 드립니다.",
    },
    "remind.started": {
        "en": "{title} has already started.",
        "ko": "{title} 세션은 이미 시작되었습니다.",
    },
    "remind.removed": {
        "en": "No more reminders for {title}.",
        "ko": "{title} 알림을 취소했습니다.",
    },
    "remind.none": {
        "en": "You had no reminder for {title}.",
        "ko": "{title} 에 대한 알림이 없었습니다.",
    },
    "remind.choose": {
        "en": "Several sessions match; give the id in brackets: {ids}",
        "ko": "여러 세션이 일치합니다. 대괄호 안의 ID를 입력해 주세요: {ids}",
    },
    "remind.dms_closed": {
        "en": "Note: your last reminder could not be delivered because you do not accept "
        "direct messages from this bot.",
        "ko": "참고: 이 봇의 개인 메시지를 받지 않도록 설정되어 있어 "
        "지난 알림을 보내지 못했습니다.",
    },
    "schedule.title": {"en": "My reminders", "ko": "내 알림"},
    "schedule.empty": {
        "en": "You have no reminders. Add one with /remind <session>.",
        "ko": "신청한 알림이 없습니다. /remind <세션> 으로 추가하세요.",
    },
    "schedule.line": {"en": " ({minutes} min before)", "ko": " (시작 {minutes}분 전)"},
    "announce.preview": {"en": "Preview: announcement #{id}", "ko": "미리보기: 공지 #{id}"},
    "announce.when": {"en": "When", "ko": "보낼 시각"},
    "announce.where": {"en": "Where", "ko": "보낼 곳"},
    "announce.now": {"en": "now", "ko": "지금"},
    "announce.send": {"en": "Send", "ko": "보내기"},
    "announce.cancel": {"en": "Cancel", "ko": "취소"},
    "announce.sent": {
        "en": "Announcement #{id} is on its way to {where}.",
        "ko": "공지 #{id} 을(를) {where} 에 보내는 중입니다.",
    },
    "announce.scheduled": {
        "en": "Announcement #{id} will go to {where} at {when}.",
        "ko": "공지 #{id} 은(는) {when} 에 {where} 로 보내집니다.",
    },
    "announce.cancelled": {
        "en": "Announcement #{id} is cancelled.",
        "ko": "공지 #{id} 을(를) 취소했습니다.",
    },
    "announce.gone": {
        "en": "Announcement #{id} was already sent or cancelled.",
        "ko": "공지 #{id} 은(는) 이미 보냈거나 취소되었습니다.",
    },
    "announce.unknown": {
        "en": "There is no announcement #{id}.",
        "ko": "공지 #{id} 은(는) 없습니다.",
    },
    "announce.bad_time": {
        "en": "I cannot read {value!r} as a time. Try 10:00, 2026-02-06 09:30, tomorrow 09:00 "
        "or +15m.",
        "ko": "{value!r} 을(를) 시각으로 읽을 수 없습니다. 10:00, 2026-02-06 09:30, "
        "내일 09:00, +15m 처럼 입력해 주세요.",
    },
    "announce.bad_time_part": {
        "en": "I cannot read {part!r} in the time {value!r}. Try 10:00, 2026-02-06 09:30, "
        "tomorrow 09:00 or +15m.",
        "ko": "시각 {value!r} 중 {part!r} 을(를) 읽을 수 없습니다. 10:00, 2026-02-06 09:30, "
        "내일 09:00, +15m 처럼 입력해 주세요.",
    },
    "announce.asap": {"en": "as soon as possible", "ko": "가능한 한 빨리"},
    "announce.past": {
        "en": "{when} has already passed. Give a later time, or leave it out to send now.",
        "ko": "{when} 은(는) 이미 지났습니다. 이후 시각을 입력하거나, 생략하면 바로 보냅니다.",
    },
    "announce.no_platform": {
        "en": "The bot is not connected to {where} now.",
        "ko": "지금 봇이 {where} 에 연결되어 있지 않습니다.",
    },
    "announce.list_title": {"en": "Pending announcements", "ko": "대기 중인 공지"},
    "announce.list_empty": {
        "en": "No announcement is waiting.",
        "ko": "대기 중인 공지가 없습니다.",
    },
    "reload.none": {
        "en": "The agenda is unchanged.",
        "ko": "일정에 변경 사항이 없습니다.",
    },
    "reload.done": {
        "en": Plural(
            "count",
            one="The agenda is reloaded: {count} change, announced and re-planned.",
            other="The agenda is reloaded: {count} changes, announced and re-planned.",
        ),
        "ko": "일정을 다시 불러왔습니다: 변경 {count}건을 안내하고 알림을 다시 예약했습니다.",
    },
    "reload.bad": {
        "en": Plural(
            "count",
            one="The event file has {count} problem, so nothing changed. First: {first}",
            other="The event file has {count} problems, so nothing changed. First: {first}",
        ),
        "ko": "행사 파일에 문제가 {count}건 있어 아무것도 바꾸지 않았습니다. 첫 번째: {first}",
    },
    "runtime.off": {
        "en": "Scheduling is not running in this bot.",
        "ko": "이 봇에서는 예약 기능이 실행되고 있지 않습니다.",
    },
    # Pages of a long answer (a big day, a long list of questions)
    "page.of": {"en": "Page {page} of {pages}", "ko": "{pages}쪽 중 {page}쪽"},
    "page.previous": {"en": "◀ Previous", "ko": "◀ 이전"},
    "page.next": {"en": "Next ▶", "ko": "다음 ▶"},
    # Forms (Discord and Slack modals) and what stands in for them elsewhere
    "form.submit": {"en": "Save", "ko": "저장"},
    "form.close": {"en": "Cancel", "ko": "취소"},
    "form.dismiss": {"en": "Close", "ko": "닫기"},
    "form.done": {"en": "Done.", "ko": "완료했습니다."},
    "form.working": {"en": "Working on it…", "ko": "처리 중입니다…"},
    "form.unreadable": {
        "en": "This form's answer could not be read. Please open the form again.",
        "ko": "양식의 내용을 읽을 수 없습니다. 양식을 다시 열어 주세요.",
    },
    "form.expired": {
        "en": "The form could not open in time. Please press the button again.",
        "ko": "양식을 제때 열지 못했습니다. 버튼을 다시 눌러 주세요.",
    },
    "form.unavailable": {
        "en": "This needs a form, which cannot open here.",
        "ko": "이 작업에는 양식이 필요하지만 여기서는 양식을 열 수 없습니다.",
    },
    # The terminal
    "console.welcome": {
        "en": "{event}. Type /help for commands, /quit to leave.",
        "ko": "{event}. /help 로 명령어를 보고, /quit 로 종료합니다.",
    },
    "console.not_command": {
        "en": "Commands start with a slash, e.g. /agenda 1. Type /help to see them all.",
        "ko": "명령어는 슬래시로 시작합니다. 예: /agenda 1. /help 로 전체 목록을 보세요.",
    },
    "console.buttons": {
        "en": "Buttons: {buttons}  (type !1, !2, ... to press)",
        "ko": "버튼: {buttons}  (!1, !2 ... 를 입력해 누르기)",
    },
    "console.no_button": {
        "en": "There is no button {number} on the last answer.",
        "ko": "마지막 답변에 {number}번 버튼이 없습니다.",
    },
    "console.file_saved": {
        "en": "Saved the file {name} ({size} bytes) as {path}",
        "ko": "파일 {name} ({size}바이트) 을(를) {path} 에 저장했습니다.",
    },
    "console.file_exists": {
        "en": "{path} already exists, so nothing was written. Give another name after >, "
        "or write >| to replace it.",
        "ko": "{path} 이(가) 이미 있어 저장하지 않았습니다. > 뒤에 다른 이름을 주거나, "
        ">| 로 덮어쓰세요.",
    },
    "console.file_failed": {
        "en": "Could not write {path}: {reason}. Nothing was saved.",
        "ko": "{path} 에 쓸 수 없습니다: {reason}. 저장하지 않았습니다.",
    },
    # Live Q&A
    "qa.anonymous": {"en": "Anonymous", "ko": "익명"},
    "qa.votes": {
        "en": Plural("votes", one="▲ {votes} vote", other="▲ {votes} votes"),
        "ko": "▲ 추천 {votes}",
    },
    "qa.status": {"en": "Status", "ko": "상태"},
    "qa.status.pending": {"en": "waiting for approval", "ko": "승인 대기"},
    "qa.status.approved": {"en": "approved", "ko": "승인됨"},
    "qa.status.rejected": {"en": "rejected", "ko": "거절됨"},
    "qa.status.answered": {"en": "answered", "ko": "답변 완료"},
    "qa.status.highlighted": {"en": "on screen now", "ko": "지금 화면에 표시 중"},
    "qa.button.approve": {"en": "Approve", "ko": "승인"},
    "qa.button.reject": {"en": "Reject", "ko": "거절"},
    "qa.button.highlight": {"en": "Highlight", "ko": "강조"},
    "qa.button.answered": {"en": "Answered", "ko": "답변 완료"},
    "qa.button.vote": {"en": "▲ Up-vote", "ko": "▲ 추천"},
    "qa.button.unvote": {"en": "Withdraw my vote", "ko": "추천 취소"},
    "qa.notice_title": {"en": "New question #{id}", "ko": "새 질문 #{id}"},
    "qa.card_title": {"en": "Question #{id}", "ko": "질문 #{id}"},
    "qa.card_removed": {
        "en": "A moderator removed this question.",
        "ko": "진행자가 이 질문을 내렸습니다.",
    },
    "qa.card_answered": {"en": "✓ Answered", "ko": "✓ 답변 완료"},
    "qa.now_answering": {"en": "Now answering", "ko": "지금 답변 중"},
    "qa.no_session": {
        "en": 'There is no session "{query}".',
        "ko": '"{query}" 세션이 없습니다.',
    },
    "qa.no_question": {"en": "There is no question #{id}.", "ko": "#{id} 질문이 없습니다."},
    "qa.bad_id": {
        "en": '"{value}" is not a question number.',
        "ko": '"{value}" 은(는) 질문 번호가 아닙니다.',
    },
    "qa.too_short": {
        "en": Plural(
            "min",
            one="That question is too short: write at least {min} character.",
            other="That question is too short: write at least {min} characters.",
        ),
        "ko": "질문이 너무 짧습니다. {min}자 이상 써 주세요.",
    },
    "qa.too_long": {
        "en": "That question is {length} characters; the limit is {max}. Please shorten it.",
        "ko": "질문이 {length}자입니다. {max}자 이하로 줄여 주세요.",
    },
    "qa.closed": {
        "en": 'Q&A for "{title}" is not open now.',
        "ko": '"{title}" 질의응답은 지금 열려 있지 않습니다.',
    },
    "qa.none_open": {
        "en": "No session is taking questions now.",
        "ko": "지금 질문을 받는 세션이 없습니다.",
    },
    "qa.none_open_next": {
        "en": 'No session is taking questions now. Next: "{title}" at {when}.',
        "ko": '지금 질문을 받는 세션이 없습니다. 다음: "{title}" ({when}).',
    },
    "qa.which_session": {
        "en": "Several sessions are taking questions; name one: {ids}.",
        "ko": "여러 세션이 질문을 받고 있습니다. 세션을 지정해 주세요: {ids}.",
    },
    "qa.blocked": {
        "en": "A moderator has stopped you from asking questions at this event.",
        "ko": "진행자가 이 행사에서 회원님의 질문을 제한했습니다.",
    },
    "qa.slow_down": {
        "en": "One question at a time, please: try again in {seconds} s.",
        "ko": "질문은 하나씩 부탁드립니다. {seconds}초 후에 다시 시도해 주세요.",
    },
    "qa.duplicate_rejected": {
        "en": "The same question (#{id}) was already declined by a moderator.",
        "ko": "같은 질문(#{id})은 이미 진행자가 거절했습니다.",
    },
    "qa.duplicate_voted": {
        "en": Plural(
            "votes",
            one="Someone already asked that (#{id}), so we counted your up-vote: {votes} vote.",
            other="Someone already asked that (#{id}), so we counted your up-vote: {votes} votes.",
        ),
        "ko": "같은 질문(#{id})이 이미 있어 추천으로 반영했습니다. 추천 {votes}.",
    },
    "qa.duplicate_already": {
        "en": Plural(
            "votes",
            one="That question is already in (#{id}) with your up-vote: {votes} vote.",
            other="That question is already in (#{id}) with your up-vote: {votes} votes.",
        ),
        "ko": "같은 질문(#{id})이 이미 있고 회원님의 추천도 반영되어 있습니다. 추천 {votes}.",
    },
    # A duplicate of a question waiting for approval: the vote is kept for it.
    "qa.duplicate_voted_pending": {
        "en": Plural(
            "votes",
            one=(
                "Someone already asked that (#{id}). It is waiting for a moderator's approval; "
                "your up-vote is kept and counts once it is approved ({votes} vote so far)."
            ),
            other=(
                "Someone already asked that (#{id}). It is waiting for a moderator's approval; "
                "your up-vote is kept and counts once it is approved ({votes} votes so far)."
            ),
        ),
        "ko": (
            "같은 질문(#{id})이 이미 있어 추천으로 반영했습니다. 진행자 승인 대기 중이며, "
            "추천은 승인되면 공개 집계에 포함됩니다 (현재 추천 {votes})."
        ),
    },
    "qa.duplicate_already_pending": {
        "en": Plural(
            "votes",
            one=(
                "That question is already in (#{id}) with your up-vote, waiting for a "
                "moderator's approval ({votes} vote so far)."
            ),
            other=(
                "That question is already in (#{id}) with your up-vote, waiting for a "
                "moderator's approval ({votes} votes so far)."
            ),
        ),
        "ko": (
            "같은 질문(#{id})이 이미 있고 회원님의 추천도 반영되어 있습니다. "
            "진행자 승인 대기 중입니다 (현재 추천 {votes})."
        ),
    },
    "qa.duplicate_answered": {
        "en": "Someone already asked that (#{id}), and it is already answered.",
        "ko": "같은 질문(#{id})이 이미 있고 답변도 완료되었습니다.",
    },
    "qa.asked_pending": {
        "en": 'Thank you! Question #{id} for "{title}" will appear once a moderator approves it.',
        "ko": '감사합니다! "{title}" 질문 #{id} 은(는) 진행자 승인 후 공개됩니다.',
    },
    "qa.asked_live": {
        "en": (
            'Thank you! Question #{id} for "{title}" is up; others can up-vote it in /questions.'
        ),
        "ko": (
            '감사합니다! "{title}" 질문 #{id} 이(가) 공개되었습니다. '
            "/questions 에서 추천할 수 있습니다."
        ),
    },
    "qa.asked_anonymous": {
        "en": (
            "It is anonymous: nobody, moderators included, can see who asked. "
            "/myquestions shows what becomes of it."
        ),
        "ko": (
            "익명 질문입니다. 진행자를 포함해 누구도 작성자를 알 수 없습니다. "
            "처리 상태는 /myquestions 에서 보세요."
        ),
    },
    "qa.not_votable": {
        "en": "Question #{id} is not open for votes.",
        "ko": "#{id} 질문은 추천할 수 없습니다.",
    },
    "qa.vote_again": {
        "en": Plural(
            "votes",
            one="You have already up-voted #{id} ({votes} vote); one vote per person.",
            other="You have already up-voted #{id} ({votes} votes); one vote per person.",
        ),
        "ko": "이미 #{id} 질문을 추천했습니다 (추천 {votes}). 한 사람당 한 번입니다.",
    },
    "qa.voted": {
        "en": Plural(
            "votes", one="Up-voted #{id}: {votes} vote.", other="Up-voted #{id}: {votes} votes."
        ),
        "ko": "#{id} 추천 완료: 추천 {votes}.",
    },
    "qa.unvoted": {
        "en": Plural(
            "votes",
            one="Your vote on #{id} is withdrawn: {votes} vote.",
            other="Your vote on #{id} is withdrawn: {votes} votes.",
        ),
        "ko": "#{id} 추천을 취소했습니다: 추천 {votes}.",
    },
    "qa.not_voted": {
        "en": Plural(
            "votes",
            one="You had not up-voted #{id}; nothing changed ({votes} vote).",
            other="You had not up-voted #{id}; nothing changed ({votes} votes).",
        ),
        "ko": "#{id} 질문을 추천한 적이 없습니다. 변경 사항 없음 (추천 {votes}).",
    },
    "qa.list_title": {"en": "Questions: {title}", "ko": "질문 목록: {title}"},
    "qa.list_empty": {
        "en": 'No questions for "{title}" yet. Ask one with /ask.',
        "ko": '"{title}" 에 아직 질문이 없습니다. /ask 로 질문해 보세요.',
    },
    "qa.list_hint": {
        "en": "Press ▲ to up-vote (once each). Ask with /ask.",
        "ko": "▲ 를 눌러 추천하세요 (한 번씩). 질문은 /ask.",
    },
    "qa.pending_hint": {
        "en": "/qa approve|reject|highlight|answered <number> [reason]",
        "ko": "/qa approve|reject|highlight|answered <번호> [사유]",
    },
    "qa.pending_moderators": {
        "en": "Only moderators can see questions waiting for approval.",
        "ko": "승인 대기 질문은 진행자만 볼 수 있습니다.",
    },
    "qa.mine_title": {"en": "Your questions", "ko": "내 질문"},
    "qa.mine_empty": {
        "en": "You have not asked any question yet.",
        "ko": "아직 질문하지 않았습니다.",
    },
    # What a moderator is told after an action (highlighting also approves).
    "qa.done.approve": {"en": "Question #{id} is approved.", "ko": "#{id} 질문을 승인했습니다."},
    "qa.done.reject": {"en": "Question #{id} is rejected.", "ko": "#{id} 질문을 거절했습니다."},
    "qa.done.highlight": {
        "en": "Question #{id} is now highlighted.",
        "ko": "#{id} 질문을 강조했습니다.",
    },
    "qa.done.highlight_approved": {
        "en": "Question #{id} is now highlighted (and approved).",
        "ko": "#{id} 질문을 승인하고 강조했습니다.",
    },
    "qa.done.highlight_reopened": {
        "en": "Question #{id} is highlighted again (no longer marked answered).",
        "ko": "#{id} 질문을 다시 강조했습니다 (답변 완료 표시 해제).",
    },
    "qa.done.answered": {
        "en": "Question #{id} is marked answered.",
        "ko": "#{id} 질문을 답변 완료로 표시했습니다.",
    },
    "qa.done.undo": {
        "en": "Question #{id} is {status} again (the last action undone).",
        "ko": "#{id} 질문의 마지막 작업을 되돌렸습니다. 현재 상태: {status}.",
    },
    "qa.already_approved": {
        "en": "Question #{id} is already approved.",
        "ko": "#{id} 질문은 이미 승인되었습니다.",
    },
    "qa.already_rejected": {
        "en": "Question #{id} was rejected; approve it first.",
        "ko": "#{id} 질문은 거절된 상태입니다. 먼저 승인해 주세요.",
    },
    "qa.already_answered": {
        "en": "Question #{id} is already answered.",
        "ko": "#{id} 질문은 이미 답변 완료되었습니다.",
    },
    "qa.already_highlighted": {
        "en": "Question #{id} is already on screen.",
        "ko": "#{id} 질문은 이미 화면에 표시 중입니다.",
    },
    "qa.nothing_to_undo": {
        "en": "Nothing to undo on question #{id}.",
        "ko": "#{id} 질문에는 되돌릴 작업이 없습니다.",
    },
    "qa.rejected_anonymous": {
        "en": "The asker is anonymous: they see the status and reason in /myquestions.",
        "ko": "익명 질문자는 /myquestions 에서 상태와 사유를 확인합니다.",
    },
    "qa.rejected_dm": {
        "en": 'Your question #{id} for "{title}" was not taken: "{question}".',
        "ko": '"{title}" 에 보낸 질문 #{id} 은(는) 채택되지 않았습니다: "{question}".',
    },
    "qa.rejected_reason": {"en": "Reason: {reason}", "ko": "사유: {reason}"},
    "qa.opened": {
        "en": 'Q&A for "{title}" is open until a moderator closes it.',
        "ko": '"{title}" 질의응답이 열렸습니다 (진행자가 닫을 때까지).',
    },
    "qa.opened_until": {
        "en": 'Q&A for "{title}" is open until {when}.',
        "ko": '"{title}" 질의응답이 {when}까지 열렸습니다.',
    },
    "qa.mode_moderated": {
        "en": "New questions wait for approval.",
        "ko": "새 질문은 승인 후 공개됩니다.",
    },
    "qa.mode_open": {
        "en": "New questions appear at once.",
        "ko": "새 질문은 바로 공개됩니다.",
    },
    "qa.closed_now": {
        "en": 'Q&A for "{title}" is closed.',
        "ko": '"{title}" 질의응답을 닫았습니다.',
    },
    "qa.blocked_now": {
        "en": "The asker of #{id} can no longer ask questions at this event.",
        "ko": "#{id} 질문자는 이 행사에서 더 이상 질문할 수 없습니다.",
    },
    "qa.blocked_already": {
        "en": "The asker of #{id} was already blocked.",
        "ko": "#{id} 질문자는 이미 차단되어 있습니다.",
    },
    "qa.exported": {
        "en": Plural(
            "count", one='{count} question of "{title}".', other='{count} questions of "{title}".'
        ),
        "ko": '"{title}" 질문 {count}개.',
    },
    "qa.no_web": {
        "en": "The web server is off (FORUM_BOT_WEB_PORT), so there is no presenter screen.",
        "ko": "웹 서버가 꺼져 있어 (FORUM_BOT_WEB_PORT) 발표 화면이 없습니다.",
    },
    "qa.screen_title": {"en": "Q&A screens: {title}", "ko": "질의응답 화면: {title}"},
    "qa.screen_present": {"en": "Presenter screen", "ko": "발표 화면"},
    "qa.screen_moderate": {
        "en": "Moderator page (keep this link private)",
        "ko": "진행자 페이지 (링크를 공유하지 마세요)",
    },
    "qa.screen_join": {
        "en": "Audience page, from a phone (the QR code attached leads there)",
        "ko": "청중 질문 페이지 (첨부한 QR 코드로 휴대폰에서 접속)",
    },
    # Q&A: edit, merge, translate (the service's refusals)
    "qa.status.merged": {"en": "merged", "ko": "병합됨"},
    "qa.edit_same": {
        "en": "Question #{id} already reads so: nothing changed.",
        "ko": "#{id} 질문은 이미 그 내용입니다. 바뀐 것이 없습니다.",
    },
    "qa.edit_taken": {
        "en": (
            "Question #{other} already reads so; merge #{id} into it instead: "
            "/qa-merge {id} {other}"
        ),
        "ko": "#{other} 질문이 이미 같은 내용입니다. 대신 병합하세요: /qa-merge {id} {other}",
    },
    "qa.undo_taken": {
        "en": (
            "Question #{other} now reads as #{id} did before; the edit of #{id} cannot be undone."
        ),
        "ko": "#{other} 질문이 #{id}의 이전 내용과 같아 #{id}의 수정을 되돌릴 수 없습니다.",
    },
    "qa.merge_itself": {
        "en": "A question cannot be merged into itself (#{id}).",
        "ko": "질문을 자기 자신에 병합할 수 없습니다 (#{id}).",
    },
    "qa.merge_other_session": {
        "en": (
            "Questions #{id} and #{into} belong to different sessions; only "
            "questions of one session merge."
        ),
        "ko": (
            "#{id}와 #{into} 질문은 서로 다른 세션의 질문입니다. 같은 세션의 질문만 "
            "병합할 수 있습니다."
        ),
    },
    "qa.already_merged": {
        "en": "Question #{id} was merged into #{into}; undo that first: /qa undo {id}",
        "ko": "#{id} 질문은 #{into}에 병합되었습니다. 먼저 되돌리세요: /qa undo {id}",
    },
    "qa.merge_into_merged": {
        "en": "Question #{into} was itself merged into another; merge #{id} into that one.",
        "ko": "#{into} 질문은 이미 다른 질문에 병합되었습니다. #{id}를 그 질문에 병합하세요.",
    },
    "qa.merge_into_rejected": {
        "en": "Question #{into} is rejected; approve it before merging #{id} into it.",
        "ko": "#{into} 질문은 거절된 상태입니다. #{id}를 병합하기 전에 승인해 주세요.",
    },
    "qa.undo_merge_first": {
        "en": "Question #{id} was merged into #{into} since; undo that first: /qa undo {id}",
        "ko": "#{id} 질문이 그 뒤 #{into}에 병합되었습니다. 먼저 되돌리세요: /qa undo {id}",
    },
    "qa.vote_merged": {
        "en": "Question #{id} was merged into #{into}: up-vote #{into} instead.",
        "ko": "#{id} 질문은 #{into}에 병합되었습니다. #{into} 질문을 추천해 주세요.",
    },
    "qa.translate_language": {
        "en": "There is no language “{lang}” here; use one of: {langs}.",
        "ko": "“{lang}” 언어는 없습니다. 다음 중 하나를 쓰세요: {langs}.",
    },
    "qa.translate_which": {
        "en": "Into which language? One of: {langs}.",
        "ko": "어느 언어로 번역할까요? 다음 중 하나: {langs}.",
    },
    "qa.translation_same": {
        "en": "Question #{id} already has that translation: nothing changed.",
        "ko": "#{id} 질문에 이미 그 번역이 있습니다. 바뀐 것이 없습니다.",
    },
    "qa.translation_empty": {
        "en": "The translation is empty; type the text it should read.",
        "ko": "번역이 비어 있습니다. 번역문을 입력해 주세요.",
    },
    "qa.no_machine": {
        "en": (
            "No machine translation is set up (FORUM_BOT_TRANSLATE); type the translation instead."
        ),
        "ko": (
            "기계 번역이 설정되어 있지 않습니다 (FORUM_BOT_TRANSLATE). 번역문을 직접 입력해 주세요."
        ),
    },
    "qa.translate_failed": {
        "en": (
            "Question #{id} was not translated: {reason}. It is unchanged; try "
            "again, or type the translation."
        ),
        "ko": (
            "#{id} 질문을 번역하지 못했습니다: {reason}. 질문은 그대로입니다. 다시 "
            "시도하거나 번역문을 직접 입력해 주세요."
        ),
    },
    # Q&A on the chat surfaces: edit, merge, translate (commands, cards, notices)
    "qa.edited": {"en": "(edited)", "ko": "(수정됨)"},
    "qa.machine": {"en": "(machine translation)", "ko": "(기계 번역)"},
    "qa.as_asked": {"en": "As asked", "ko": "원래 질문"},
    "qa.merged_into": {"en": "merged into #{into}", "ko": "#{into}에 병합됨"},
    "qa.card_merged": {
        "en": "Merged into question #{into}, which asks the same: up-vote that one.",
        "ko": "같은 내용의 #{into} 질문에 병합되었습니다. 그 질문을 추천해 주세요.",
    },
    "qa.merged_dm": {
        "en": (
            'Your question #{id} for "{title}" asks what #{into} asks, so a moderator '
            'merged it into #{into}: "{question}". Its up-votes count there.'
        ),
        "ko": (
            '"{title}" 에 보낸 질문 #{id} 은(는) #{into} 질문과 같은 내용이라 진행자가 '
            '#{into}에 병합했습니다: "{question}". 추천은 그 질문에 합산됩니다.'
        ),
    },
    "qa.merged_anonymous": {
        "en": "The asker of #{id} is anonymous: /myquestions shows them where it went.",
        "ko": "#{id} 질문자는 익명입니다. /myquestions 에서 병합된 곳을 확인합니다.",
    },
    "qa.done.edit": {
        "en": "Question #{id} now reads: {text}",
        "ko": "#{id} 질문을 수정했습니다: {text}",
    },
    "qa.done.edit_asker": {
        "en": "Its asker sees it marked (edited); /qa undo {id} takes it back.",
        "ko": "질문자에게는 (수정됨)으로 표시됩니다. /qa undo {id} 로 되돌릴 수 있습니다.",
    },
    "qa.done.merge": {
        "en": Plural(
            "votes",
            one="Question #{id} is merged into #{into}, which has {votes} vote now.",
            other="Question #{id} is merged into #{into}, which has {votes} votes now.",
        ),
        "ko": "#{id} 질문을 #{into}에 병합했습니다. #{into} 추천 {votes}.",
    },
    "qa.done.translate": {
        "en": "Question #{id} has its translation: {text}",
        "ko": "#{id} 질문에 번역을 달았습니다: {text}",
    },
    "qa.done.untranslated": {
        "en": "Question #{id} has no translation now.",
        "ko": "#{id} 질문의 번역을 지웠습니다.",
    },
    "qa.undone.edit": {
        "en": "The edit of #{id} is undone; it reads as before: {text}",
        "ko": "#{id} 질문의 수정을 되돌렸습니다. 이전 내용: {text}",
    },
    "qa.undone.translate": {
        "en": "The translation of #{id} is undone.",
        "ko": "#{id} 질문의 번역을 되돌렸습니다.",
    },
    "qa.undone.merge": {
        "en": Plural(
            "votes",
            one="Question #{id} is back, and #{into} has {votes} vote again.",
            other="Question #{id} is back, and #{into} has {votes} votes again.",
        ),
        "ko": "#{id} 질문을 되살렸습니다. #{into} 추천은 다시 {votes}.",
    },
    "qa.translate_own": {
        "en": "Question #{id} is written in {lang}; translate it into {langs}.",
        "ko": "#{id} 질문은 {lang}로 쓰여 있습니다. {langs}로 번역해 주세요.",
    },
    "qa.mode_translate": {
        "en": "Approved questions are machine-translated as they come.",
        "ko": "승인된 질문은 바로 기계 번역됩니다.",
    },
    "qa.mode_no_translate": {
        "en": "Approved questions are not translated by machine.",
        "ko": "승인된 질문을 기계 번역하지 않습니다.",
    },
    "qa.open_no_machine": {
        "en": (
            "Translating on approval needs a machine-translation provider "
            "(FORUM_BOT_TRANSLATE), and none is set up: nothing changed. Open it without "
            "translate, and type translations with /qa-translate."
        ),
        "ko": (
            "승인 시 자동 번역에는 기계 번역 설정(FORUM_BOT_TRANSLATE)이 필요한데 "
            "설정되어 있지 않습니다. 바뀐 것이 없습니다. translate 없이 열고, 번역은 "
            "/qa-translate 로 직접 입력해 주세요."
        ),
    },
    "qa.button.edit": {"en": "Edit", "ko": "수정"},
    "qa.button.merge": {"en": "Merge", "ko": "병합"},
    "qa.button.translate": {"en": "Translate", "ko": "번역"},
    "qa.form.edit": {"en": "Edit question #{id}", "ko": "#{id} 질문 수정"},
    "qa.form.text": {"en": "The question", "ko": "질문 내용"},
    "qa.form.translation": {"en": "Translation ({lang})", "ko": "번역 ({lang})"},
    "qa.form.translation_hint": {
        "en": "Leave empty for none",
        "ko": "비워 두면 번역 없음",
    },
    "qa.form.edit_fallback": {
        "en": "/qa-edit {id} <text>, and /qa-translate {id} <language> <text>",
        "ko": "/qa-edit {id} <내용>, 번역은 /qa-translate {id} <언어> <번역문>",
    },
    "qa.form_stale": {
        "en": ("Question #{id} was changed by someone else since this form opened; open it again."),
        "ko": "이 양식을 연 뒤 다른 사람이 #{id} 질문을 바꿨습니다. 다시 열어 주세요.",
    },
    "qa.form.merge": {"en": "Merge question #{id}", "ko": "#{id} 질문 병합"},
    "qa.form.into": {
        "en": "Into question number (it asks the same)",
        "ko": "병합할 질문 번호 (같은 내용의 질문)",
    },
    "qa.form.merge_submit": {"en": "Merge", "ko": "병합"},
    "qa.form.merge_fallback": {"en": "/qa-merge {id} <number>", "ko": "/qa-merge {id} <번호>"},
    "qa.revised_translations": {"en": "Translations: {text}", "ko": "번역: {text}"},
    "qa.screen_speaker": {
        "en": "Speaker view, for the speaker's laptop (keep this link private)",
        "ko": "연사 화면, 연사 노트북용 (링크를 공유하지 마세요)",
    },
    # Live polls (bot/polls, commands/polls.py)
    "poll.card_title": {"en": "Poll #{id}", "ko": "투표 #{id}"},
    "poll.card_closed_title": {"en": "Poll #{id} (closed)", "ko": "투표 #{id} (마감)"},
    "poll.result_title": {"en": "Poll #{id}: results", "ko": "투표 #{id} 결과"},
    "poll.votes": {
        "en": Plural("votes", one="{votes} vote", other="{votes} votes"),
        "ko": "{votes}표",
    },
    "poll.voters": {
        "en": Plural("count", one="{count} person voted", other="{count} people voted"),
        "ko": "{count}명 참여",
    },
    "poll.hidden": {
        "en": "Results when the poll closes",
        "ko": "결과는 투표가 끝나면 공개됩니다",
    },
    "poll.single_hint": {
        "en": "One choice: press another option to change it.",
        "ko": "하나만 고를 수 있습니다. 다른 항목을 누르면 바뀝니다.",
    },
    "poll.multiple_hint": {
        "en": "Choose as many as you like: press one again to take it back.",
        "ko": "여러 개를 고를 수 있습니다. 다시 누르면 취소됩니다.",
    },
    "poll.closes_at": {"en": "Closes at {when}", "ko": "{when} 마감"},
    "poll.closed_line": {"en": "Voting has closed.", "ko": "투표가 마감되었습니다."},
    "poll.leader": {"en": "Most votes: {option}", "ko": "최다 득표: {option}"},
    "poll.no_votes": {"en": "Nobody voted.", "ko": "투표한 사람이 없습니다."},
    "poll.status.ready": {"en": "Not open yet.", "ko": "아직 열리지 않았습니다."},
    "poll.status.open": {"en": "open", "ko": "진행 중"},
    "poll.status.closed": {"en": "closed", "ko": "마감"},
    "poll.status.waiting": {"en": "not open yet", "ko": "열리기 전"},
    "poll.scope_event": {"en": "the whole event", "ko": "행사 전체"},
    "poll.list_title": {"en": "Polls", "ko": "투표 목록"},
    "poll.list_empty": {"en": "There are no polls yet.", "ko": "아직 투표가 없습니다."},
    "poll.list_hint": {
        "en": "/poll results <number> shows one; /poll vote <number> <option> votes.",
        "ko": "/poll results <번호> 로 결과를, /poll vote <번호> <항목> 으로 투표합니다.",
    },
    "poll.your_choices": {"en": "Your choices: {mine}", "ko": "내 선택: {mine}"},
    "poll.created_open": {
        "en": "Poll #{id} is open: its card with a button per option is posted, and "
        "/poll vote {id} <option> votes from anywhere.",
        "ko": "투표 #{id} 이(가) 열렸습니다. 항목별 버튼이 있는 카드가 게시되었고, "
        "어디서나 /poll vote {id} <항목> 으로 투표할 수 있습니다.",
    },
    "poll.created_start": {
        "en": "Poll #{id} is ready: it opens when {title} starts, {when}.",
        "ko": "투표 #{id} 이(가) 준비되었습니다. {title} 세션이 시작하는 {when}에 열립니다.",
    },
    "poll.created_later": {
        "en": "Poll #{id} is ready: open it with /poll open {id}.",
        "ko": "투표 #{id} 이(가) 준비되었습니다. /poll open {id} 로 여세요.",
    },
    "poll.closes_after": {
        "en": "It closes {minutes} min after it opens.",
        "ko": "열린 뒤 {minutes}분 후에 마감됩니다.",
    },
    "poll.opened": {
        "en": "Poll #{id} is open: its card is posted.",
        "ko": "투표 #{id} 이(가) 열렸습니다. 카드가 게시되었습니다.",
    },
    "poll.closed_now": {
        "en": Plural(
            "count",
            one="Poll #{id} is closed: {count} person voted. The results are posted.",
            other="Poll #{id} is closed: {count} people voted. The results are posted.",
        ),
        "ko": "투표 #{id} 이(가) 마감되었습니다. {count}명이 참여했고 결과가 게시되었습니다.",
    },
    "poll.voted": {
        "en": "Your vote in poll #{id}: {option}.",
        "ko": "투표 #{id} 에 투표했습니다: {option}.",
    },
    "poll.vote_changed": {
        "en": "Your vote in poll #{id} is now {option}.",
        "ko": "투표 #{id} 의 선택을 {option}(으)로 바꾸었습니다.",
    },
    "poll.vote_same": {
        "en": "You already voted {option} in poll #{id}. Press another option to change your vote.",
        "ko": "투표 #{id} 에서 이미 {option}에 투표했습니다. 바꾸려면 다른 항목을 누르세요.",
    },
    "poll.choice_added": {
        "en": "Added {option} to your choices in poll #{id}.",
        "ko": "투표 #{id} 에서 {option}을(를) 선택했습니다.",
    },
    "poll.choice_removed": {
        "en": "Took {option} off your choices in poll #{id}.",
        "ko": "투표 #{id} 에서 {option} 선택을 취소했습니다.",
    },
    "poll.choice_none": {
        "en": "You have no choice in poll #{id} now.",
        "ko": "이제 투표 #{id} 에서 선택한 항목이 없습니다.",
    },
    "poll.moderators_only": {
        "en": "Only moderators and organisers can {action} a poll.",
        "ko": "투표 {action}은(는) 진행자와 주최 측만 할 수 있습니다.",
    },
    "poll.unknown": {
        "en": "There is no poll {ref}. /poll list shows them.",
        "ko": "{ref} 투표는 없습니다. /poll list 로 목록을 보세요.",
    },
    "poll.which": {
        "en": "Which poll? Name it by its number, e.g. /poll {action} 3 (/poll list shows them).",
        "ko": "어느 투표인가요? 번호로 알려 주세요. 예: /poll {action} 3 (목록: /poll list)",
    },
    "poll.no_option": {
        "en": "Poll #{id} has no option {value}: choose 1 to {count}.",
        "ko": "투표 #{id} 에는 {value} 항목이 없습니다. 1부터 {count} 중에서 고르세요.",
    },
    "poll.option_missing": {
        "en": "Which option? e.g. /poll vote {id} 1 (1 to {count}).",
        "ko": "어느 항목인가요? 예: /poll vote {id} 1 (1부터 {count})",
    },
    "poll.not_open": {
        "en": "Poll #{id} is not open yet.",
        "ko": "투표 #{id} 은(는) 아직 열리지 않았습니다.",
    },
    "poll.closed": {
        "en": "Poll #{id} is closed: it takes no more votes.",
        "ko": "투표 #{id} 은(는) 마감되어 더 이상 투표할 수 없습니다.",
    },
    "poll.already_open": {
        "en": "Poll #{id} is open already.",
        "ko": "투표 #{id} 은(는) 이미 열려 있습니다.",
    },
    "poll.already_closed": {
        "en": "Poll #{id} is closed, and a closed poll stays closed: make a new one.",
        "ko": "투표 #{id} 은(는) 마감되었고 다시 열 수 없습니다. 새 투표를 만드세요.",
    },
    "poll.results_hidden": {
        "en": "The results of poll #{id} are shown when it closes.",
        "ko": "투표 #{id} 의 결과는 마감 후에 공개됩니다.",
    },
    "poll.question_empty": {
        "en": 'A poll needs a question: question:"…".',
        "ko": '투표 질문을 적어 주세요: question:"…"',
    },
    "poll.question_too_long": {
        "en": "A question can be at most {max} characters; this one has {length}.",
        "ko": "질문은 {max}자까지 쓸 수 있습니다. 지금은 {length}자입니다.",
    },
    "poll.option_empty": {
        "en": 'Option {position} is empty: separate options with |, e.g. options:"A | B | C".',
        "ko": '{position}번 항목이 비어 있습니다. 항목은 | 로 나눕니다. 예: options:"가 | 나 | 다"',
    },
    "poll.too_few": {
        "en": "A poll needs at least {min} options; this one has {count}.",
        "ko": "투표 항목은 {min}개 이상이어야 합니다. 지금은 {count}개입니다.",
    },
    "poll.too_many": {
        "en": "A poll can have at most {max} options; this one has {count}.",
        "ko": "투표 항목은 {max}개까지입니다. 지금은 {count}개입니다.",
    },
    "poll.option_duplicate": {
        "en": "Options {first} and {second} are the same ({text}): give each a different answer.",
        "ko": "{first}번과 {second}번 항목이 같습니다 ({text}). 서로 다른 항목을 적어 주세요.",
    },
    "poll.option_too_long": {
        "en": "Option {position} is {length} characters on its button (with its number and "
        "translation); a button holds {max}. Shorten it.",
        "ko": "{position}번 항목은 버튼에 {length}자입니다 (번호와 번역 포함). "
        "버튼에는 {max}자까지 들어갑니다. 줄여 주세요.",
    },
    "poll.ko_count": {
        "en": "options has {count} options but options_ko has {ko}: give every option its "
        "Korean, in the same order.",
        "ko": "options 는 {count}개인데 options_ko 는 {ko}개입니다. 모든 항목의 한국어를 같은 "
        "순서로 적어 주세요.",
    },
    "poll.create_usage": {
        "en": 'Make a poll like this: /poll create question:"…" options:"A | B | C" '
        '[ko:"…" options_ko:"가 | 나 | 다"] [multiple] [hidden] [session:<id>] '
        "[open:now|start|later] [minutes:<n>]",
        "ko": '투표는 이렇게 만듭니다: /poll create question:"…" options:"A | B | C" '
        '[ko:"…" options_ko:"가 | 나 | 다"] [multiple] [hidden] [session:<id>] '
        "[open:now|start|later] [minutes:<n>]",
    },
    "poll.start_needs_session": {
        "en": "open:start needs a session (session:<id>); a poll of the whole event opens "
        "now or later.",
        "ko": "open:start 에는 세션이 필요합니다 (session:<id>). 행사 전체 투표는 now 또는 "
        "later 로 엽니다.",
    },
    "poll.session_over": {
        "en": "Session {session} is over: open the poll now (open:now) or later by hand.",
        "ko": "{session} 세션은 끝났습니다. 지금 열거나 (open:now) 나중에 직접 여세요.",
    },
    "poll.bad_open": {
        "en": "open can be {choices}, not {value}.",
        "ko": "open 에는 {choices} 중 하나를 씁니다 ({value} 은(는) 안 됩니다).",
    },
    "poll.bad_minutes": {
        "en": "minutes can be 1 to {max}.",
        "ko": "minutes 는 1부터 {max}까지입니다.",
    },
    "poll.exported": {
        "en": Plural(
            "count",
            one="{count} poll as CSV (one row per option).",
            other="{count} polls as CSV (one row per option).",
        ),
        "ko": "투표 {count}개를 CSV로 내보냈습니다 (항목마다 한 줄).",
    },
    # /ics: calendar files
    "ics.all": {
        "en": Plural(
            "count",
            one="The whole programme, {count} session, as a calendar file.",
            other="The whole programme, {count} sessions, as a calendar file.",
        ),
        "ko": "전체 일정 {count}개 세션을 캘린더 파일로 보냅니다.",
    },
    "ics.mine": {
        "en": Plural(
            "count",
            one="Your {count} session (the one you set /remind for) as a calendar file.",
            other="Your {count} sessions (the ones you set /remind for) as a calendar file.",
        ),
        "ko": "내 세션 {count}개 (/remind 로 알림을 설정한 세션)를 캘린더 파일로 보냅니다.",
    },
    "ics.one": {
        "en": '"{title}" ({when}) as a calendar file.',
        "ko": '"{title}" ({when}) 세션을 캘린더 파일로 보냅니다.',
    },
    "ics.how": {
        "en": "Open it to add it to your calendar; opening a newer one updates the same entries.",
        "ko": "파일을 열면 캘린더에 추가됩니다. 나중에 받은 파일을 열면 같은 항목이 갱신됩니다.",
    },
    "ics.mine_empty": {
        "en": "You have no sessions yet: add one with /remind <session>, then /ics mine "
        "again. /ics all gives the whole programme.",
        "ko": "아직 내 세션이 없습니다. /remind <세션> 으로 추가한 뒤 /ics mine 을 다시 "
        "실행하세요. /ics all 은 전체 일정입니다.",
    },
    "ics.name_mine": {"en": "{event}: my sessions", "ko": "{event}: 내 세션"},
    # /calendar: a live calendar feed (bot/web/feeds.py serves it)
    "calendar.no_web": {
        "en": "The web server is off (FORUM_BOT_WEB_PORT), so there is no calendar to "
        "subscribe to. /ics gives a calendar file instead.",
        "ko": "웹 서버가 꺼져 있어 (FORUM_BOT_WEB_PORT) 구독할 캘린더가 없습니다. "
        "/ics 로 캘린더 파일을 받을 수 있습니다.",
    },
    "calendar.title": {"en": "Your calendar subscription", "ko": "내 캘린더 구독"},
    "calendar.mine": {
        "en": Plural(
            "count",
            one="It shows your /remind session ({count} now), with an alarm at your /remind "
            "minutes, and follows the programme when it changes.",
            other="It shows your /remind sessions ({count} now), each with an alarm at your "
            "/remind minutes, and follows the programme when it changes.",
        ),
        "ko": "/remind 로 알림을 설정한 세션(현재 {count}개)이 /remind 의 시간에 맞춘 "
        "알림과 함께 표시되며, 일정이 바뀌면 함께 바뀝니다.",
    },
    "calendar.mine_empty": {
        "en": "It shows your /remind sessions: none yet. Add some with /remind <session>, "
        "and they appear at its next refresh; /calendar all shows the whole programme.",
        "ko": "/remind 로 알림을 설정한 세션이 표시됩니다 (아직 없음). /remind <세션> 으로 "
        "추가하면 다음 갱신 때 나타납니다. /calendar all 은 전체 일정입니다.",
    },
    "calendar.all": {
        "en": Plural(
            "count",
            one="It shows the whole programme ({count} session), your /remind sessions with "
            "an alarm at your /remind minutes, and follows it when it changes.",
            other="It shows the whole programme ({count} sessions), your /remind sessions "
            "with an alarm at your /remind minutes, and follows it when it changes.",
        ),
        "ko": "전체 일정({count}개 세션)이 표시되며, /remind 로 설정한 세션에는 그 시간에 "
        "맞춘 알림이 있습니다. 일정이 바뀌면 함께 바뀝니다.",
    },
    "calendar.webcal": {
        "en": "iPhone, iPad, Mac (open it)",
        "ko": "아이폰·아이패드·맥 (눌러서 열기)",
    },
    "calendar.https": {
        "en": "Google Calendar, Outlook (paste it as a URL)",
        "ko": "Google 캘린더·Outlook (URL로 붙여넣기)",
    },
    "calendar.reset": {
        "en": "The old link no longer works: subscribe to this one instead.",
        "ko": "이전 링크는 더 이상 작동하지 않습니다. 이 링크로 다시 구독하세요.",
    },
    "calendar.private": {
        "en": "Keep this link to yourself: anyone who has it sees your sessions. "
        "/calendar reset gives a new one and stops this one.",
        "ko": "이 링크는 혼자만 사용하세요. 링크가 있으면 누구나 내 세션을 볼 수 있습니다. "
        "/calendar reset 은 새 링크를 만들고 이 링크를 중지합니다.",
    },
    "calendar.local": {
        "en": "This address is the bot's own machine (FORUM_BOT_PUBLIC_URL is not set): "
        "phones and Google cannot reach it.",
        "ko": "이 주소는 봇이 실행되는 컴퓨터 자신을 가리킵니다 (FORUM_BOT_PUBLIC_URL 미설정). "
        "휴대폰이나 Google 에서는 접속할 수 없습니다.",
    },
    "calendar.public": {
        "en": "The whole programme for anyone, with no alarms: {url}",
        "ko": "누구나 구독할 수 있는 전체 일정 (알림 없음): {url}",
    },
    "calendar.how": {
        "en": "iPhone: tap the webcal link, or Settings > Calendar > Accounts > Add Account > "
        "Other > Add Subscribed Calendar. Google Calendar (on a computer): Other calendars "
        "+ > From URL. Outlook: Add calendar > Subscribe from web.",
        "ko": "아이폰: webcal 링크를 누르거나 설정 > 캘린더 > 계정 > 계정 추가 > 기타 > "
        "구독 캘린더 추가. Google 캘린더 (컴퓨터): 다른 캘린더 + > URL로 추가. "
        "Outlook: 캘린더 추가 > 웹에서 구독.",
    },
    # Slack: files cannot be shown to one person, so theirs go to their DM with the bot.
    "slack.file_in_dm": {
        "en": "The file {filename} is in your direct messages with the bot.",
        "ko": "파일 {filename} 은(는) 봇과의 다이렉트 메시지로 보냈습니다.",
    },
    "slack.file_failed": {
        "en": "The file {filename} could not be sent: Slack did not take it. "
        "Please try again in a moment.",
        "ko": "파일 {filename} 을(를) 보내지 못했습니다 (Slack이 받지 않았습니다). "
        "잠시 후 다시 시도해 주세요.",
    },
    "slack.file_not_in_channel": {
        "en": "The file {filename} could not be sent: the bot is not in this channel. "
        "Add it to the channel, then try again.",
        "ko": "봇이 이 채널에 없어 파일 {filename} 을(를) 보내지 못했습니다. "
        "봇을 채널에 추가한 뒤 다시 시도해 주세요.",
    },
    # The web pages (the event's page, the audience's Q&A). The audience page's keys
    # follow "web.q.", the event page's "web.event.".
    "web.languages": {"en": "Language", "ko": "언어"},
    # The event's page (bot/web/event.py).
    "web.event.now": {"en": "On now", "ko": "지금 진행 중"},
    "web.event.next": {"en": "Up next", "ko": "다음 세션"},
    "web.event.ends_in": {"en": "ends in {minutes} min", "ko": "{minutes}분 후 종료"},
    "web.event.starts_in": {"en": "in {minutes} min", "ko": "{minutes}분 후 시작"},
    "web.event.nothing_now": {
        "en": "Nothing is on right now.",
        "ko": "지금 진행 중인 세션이 없습니다.",
    },
    "web.event.not_started": {
        "en": "The event begins {when}.",
        "ko": "행사는 {when}에 시작합니다.",
    },
    "web.event.over": {
        "en": "The event is over. Thank you for coming!",
        "ko": "행사가 모두 끝났습니다. 참석해 주셔서 감사합니다!",
    },
    "web.event.no_sessions": {
        "en": "The programme has no sessions yet.",
        "ko": "아직 등록된 세션이 없습니다.",
    },
    "web.event.programme": {"en": "Programme", "ko": "프로그램"},
    "web.event.days": {"en": "Days", "ko": "날짜"},
    "web.event.day_tab": {"en": "Day {number}", "ko": "{number}일차"},
    "web.event.day_title": {"en": "Day {number} · {date}", "ko": "{number}일차 · {date}"},
    "web.event.empty_day": {
        "en": "Nothing is scheduled on this day.",
        "ko": "이 날에는 예정된 세션이 없습니다.",
    },
    "web.event.zone_event": {
        "en": "Times are in the event's zone, {zone}.",
        "ko": "시간은 행사 현지 시간({zone}) 기준입니다.",
    },
    "web.event.zone_yours": {
        "en": "Times are in your zone, {zone}.",
        "ko": "시간은 내 시간대({zone}) 기준입니다.",
    },
    "web.event.qa_badge": {"en": "Live Q&A", "ko": "실시간 질의응답"},
    "web.event.ask": {"en": "Q&A is open: ask a question", "ko": "질의응답 진행 중: 질문하기"},
    "web.event.qa_link": {"en": "Questions of this session", "ko": "이 세션의 질문"},
    "web.event.more": {"en": "More about this session", "ko": "세션 자세히 보기"},
    "web.event.calendar_all": {
        "en": "Add the whole programme to your calendar (.ics)",
        "ko": "전체 일정을 내 캘린더에 추가 (.ics)",
    },
    "web.event.calendar_one": {
        "en": "Add this session to your calendar (.ics)",
        "ko": "이 세션을 내 캘린더에 추가 (.ics)",
    },
    "web.event.back": {"en": "The programme", "ko": "전체 프로그램"},
    "web.event.not_found": {"en": "Not found", "ko": "찾을 수 없습니다"},
    "web.event.no_session": {"en": "There is no such session.", "ko": "그런 세션은 없습니다."},
    "web.event.no_day": {
        "en": "There is no such day: the event has days 1 to {count}.",
        "ko": "그런 날은 없습니다. 행사는 1일차부터 {count}일차까지입니다.",
    },
    # The audience's Q&A page (/q, /q/<session>).
    "web.q.title": {"en": "Q&A: {title}", "ko": "질의응답: {title}"},
    "web.q.choose": {"en": "Ask the speakers", "ko": "연사에게 질문하기"},
    "web.q.choose_hint": {
        "en": "Choose a session to see its questions and ask your own.",
        "ko": "세션을 골라 질문을 보고 직접 질문해 보세요.",
    },
    "web.q.no_sessions": {
        "en": "No session of this event takes questions.",
        "ko": "이 행사에는 질문을 받는 세션이 없습니다.",
    },
    "web.q.open_now": {"en": "taking questions now", "ko": "지금 질문 받는 중"},
    "web.q.is_open": {"en": "Questions are open.", "ko": "지금 질문을 받고 있습니다."},
    "web.q.is_closed": {
        "en": "This session is not taking questions now.",
        "ko": "이 세션은 지금 질문을 받지 않습니다.",
    },
    "web.q.ask_heading": {"en": "Your question", "ko": "질문하기"},
    "web.q.text_label": {"en": "Question", "ko": "질문 내용"},
    "web.q.name_label": {"en": "Your name (optional)", "ko": "이름 (선택)"},
    "web.q.anonymous_label": {
        "en": "Ask anonymously: nobody, moderators included, sees who asked",
        "ko": "익명으로 질문하기: 진행자를 포함해 누구도 작성자를 알 수 없습니다",
    },
    "web.q.send": {"en": "Send question", "ko": "질문 보내기"},
    "web.q.order": {"en": "Order", "ko": "정렬"},
    "web.q.top": {"en": "Top", "ko": "추천순"},
    "web.q.new": {"en": "New", "ko": "최신순"},
    "web.q.questions": {"en": "Questions", "ko": "질문 목록"},
    "web.q.empty": {
        "en": "No questions yet. Be the first to ask.",
        "ko": "아직 질문이 없습니다. 첫 질문을 남겨 보세요.",
    },
    "web.q.previous": {"en": "Previous page", "ko": "이전 페이지"},
    "web.q.next": {"en": "Next page", "ko": "다음 페이지"},
    "web.q.page": {"en": "Page {page} of {pages}", "ko": "{pages}쪽 중 {page}쪽"},
    "web.q.guest": {"en": "Guest (web)", "ko": "웹 참가자"},
    "web.q.asked_live": {
        "en": "Thank you! Your question #{id} is up; others can up-vote it.",
        "ko": "감사합니다! 질문 #{id} 이(가) 공개되었습니다. 다른 분들이 추천할 수 있습니다.",
    },
    "web.q.asked_pending": {
        "en": "Thank you! Your question #{id} will appear once a moderator approves it.",
        "ko": "감사합니다! 질문 #{id} 은(는) 진행자 승인 후 공개됩니다.",
    },
    "web.q.asked_anonymous": {
        "en": "It is anonymous: nobody, moderators included, can see who asked. "
        '"Your questions" below shows what becomes of it.',
        "ko": "익명 질문입니다. 진행자를 포함해 누구도 작성자를 알 수 없습니다. "
        "처리 상태는 아래 '내 질문'에서 볼 수 있습니다.",
    },
    "web.q.name_too_long": {
        "en": "A name can be at most {max} characters.",
        "ko": "이름은 {max}자까지 쓸 수 있습니다.",
    },
    "web.q.forbidden": {
        "en": "This form has expired. Please reload the page and try again.",
        "ko": "양식이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
    },
    "web.q.too_many": {
        "en": "Too many requests from your network. Please wait a minute and try again.",
        "ko": "같은 네트워크에서 요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
    },
    "web.q.too_large": {
        "en": "That is too much to send at once. Please shorten it.",
        "ko": "한 번에 보내기에는 너무 깁니다. 줄여 주세요.",
    },
    "web.q.bad_form": {
        "en": "The form could not be read. Please reload the page and try again.",
        "ko": "양식을 읽을 수 없습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
    },
    "web.q.polling": {
        "en": "Many people are watching: this list now refreshes every few seconds.",
        "ko": "보는 사람이 많아 목록을 몇 초마다 새로 고칩니다.",
    },
    # Web: both languages on the pages, the speaker's view (issue 16). The audience's
    # marks follow "web.q.", the speaker's tablet "web.speaker.".
    "web.q.translated": {"en": "translation", "ko": "번역"},
    "web.q.machine_translated": {"en": "machine translation", "ko": "기계 번역"},
    "web.q.original": {"en": "Original", "ko": "원문"},
    "web.q.edited": {"en": "edited by a moderator", "ko": "진행자가 수정함"},
    "web.q.merged_into": {"en": "merged into #{into}", "ko": "#{into} 질문에 병합됨"},
    "web.speaker.title": {"en": "Questions for the speaker", "ko": "연사에게 온 질문"},
    "web.speaker.queue": {
        "en": "Approved questions, most votes first",
        "ko": "승인된 질문 (추천 많은 순)",
    },
    "web.speaker.empty": {"en": "No approved questions yet.", "ko": "아직 승인된 질문이 없습니다."},
    "web.speaker.not_translated": {"en": "not translated", "ko": "번역 없음"},
    "web.speaker.reconnecting": {
        "en": "Connection lost: reconnecting…",
        "ko": "연결이 끊겼습니다. 다시 연결하는 중…",
    },
    # Polls on the web pages (issue 17): the audience's page ("web.poll."), and what a
    # moderator's screen action may be refused.
    "web.poll.heading": {"en": "Live poll", "ko": "실시간 투표"},
    "web.poll.results_heading": {"en": "Poll results", "ko": "투표 결과"},
    "web.poll.chosen": {"en": "your choice", "ko": "내 선택"},
    "web.poll.multiple": {"en": "Multiple choice", "ko": "복수 선택"},
    "poll.event_wide": {
        "en": "Poll #{id} is the whole event's: the event's moderators open and close it "
        "(/poll); this page runs its session's polls.",
        "ko": "투표 #{id} 은(는) 행사 전체 투표입니다. 행사 진행자가 /poll 로 열고 마감합니다. "
        "이 페이지에서는 이 세션의 투표를 다룹니다.",
    },
    "poll.screen_open": {
        "en": "Poll #{id} is still open: close it, then take its result off the screen.",
        "ko": "투표 #{id} 은(는) 아직 진행 중입니다. 마감한 뒤 결과를 화면에서 내리세요.",
    },
}
