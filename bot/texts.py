"""The bot's words (pure): every message the commands send, in Arabic and English.

One catalogue, so a translation is one line and no text hides in the handlers. Arabic is
the default; a person picks English with `/lang en` (kept per user). `say(lang, key, **v)`
fills the `{name}` placeholders; values are escaped by the caller when the message is HTML.
Every Arabic line starts with an Arabic word, so Telegram lays it out right to left.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("ar", "en")
DEFAULT = "ar"

TEXTS: dict[str, dict[str, str]] = {
    # -- everyone ---------------------------------------------------------------------
    "help": {
        "ar": "الأوامر المتاحة:\n"
        "/start الاشتراك واختيار الأقسام\n"
        "/categories اختيار الأقسام\n"
        "/alert كلمة — تنبيه عند ورود كلمة\n"
        "/alerts عرض التنبيهات وحذفها\n"
        "/unalert كلمة — حذف تنبيه\n"
        "/mode فوري أو ملخص يومي\n"
        "/stop إيقاف الاشتراك\n"
        "/lang en — English",
        "en": "Commands:\n"
        "/start subscribe and pick categories\n"
        "/categories pick categories\n"
        "/alert WORD — an alert when WORD appears\n"
        "/alerts list and remove alerts\n"
        "/unalert WORD — remove an alert\n"
        "/mode instant or daily digest\n"
        "/stop unsubscribe\n"
        "/lang ar — العربية",
    },
    "help_operator": {
        "ar": "أوامر المشرفين:\n"
        "/status الحالة: مصادر متعثرة، طوابير، آخر المنشورات\n"
        "/sources المصادر · /addsource رابط · /removesource معرّف\n"
        "/channels القنوات · /addchannel @قناة [معرّف] [أقسام]\n"
        "/removechannel معرّف · /route قناة [مفتاح=قيمة …]\n"
        "/pause قناة · /resume قناة · /test قناة\n"
        "/preview رابط [قناة] · /retry قناة [unknown|failed]",
        "en": "Operator commands:\n"
        "/status sources in error, queues, last posts\n"
        "/sources · /addsource URL · /removesource ID\n"
        "/channels · /addchannel @channel [ID] [categories]\n"
        "/removechannel ID · /route CHANNEL [key=value …]\n"
        "/pause CHANNEL · /resume CHANNEL · /test CHANNEL\n"
        "/preview URL [CHANNEL] · /retry CHANNEL [unknown|failed]",
    },
    "lang_set": {"ar": "ستصلك الرسائل بالعربية.", "en": "Messages will be in English."},
    "lang_usage": {"ar": "الاستعمال: /lang ar أو /lang en", "en": "Usage: /lang ar or /lang en"},
    "too_many": {
        "ar": "عذرًا، أرسلت أوامر كثيرة في وقت قصير. حاول بعد دقيقة.",
        "en": "Sorry, that is a lot of commands at once. Please try again in a minute.",
    },
    "private_only": {
        "ar": "هذا الأمر متاح في المحادثة الخاصة مع البوت فقط.",
        "en": "This command works only in a private chat with the bot.",
    },
    "not_operator": {
        "ar": "عذرًا، هذا الأمر للمشرفين فقط.",
        "en": "Sorry, this command is for operators only.",
    },
    "error": {"ar": "تعذر التنفيذ: {reason}", "en": "Could not do it: {reason}"},
    "unknown_command": {
        "ar": "لم أفهم الأمر. أرسل /help لعرض الأوامر.",
        "en": "Unknown command. Send /help for the list.",
    },
    # -- subscribers ------------------------------------------------------------------
    "closed": {
        "ar": "الاشتراك غير متاح حاليًا.",
        "en": "Subscriptions are closed for now.",
    },
    "welcome": {
        "ar": "أهلًا بك! اختر الأقسام التي تريد أخبارها، وأضف تنبيهات بكلمات مثل: /alert دمشق",
        "en": "Welcome! Pick the categories you want, and add keyword alerts like: /alert دمشق",
    },
    "pick_categories": {
        "ar": "اختر الأقسام (اضغط مرة للإضافة ومرة للحذف):",
        "en": "Pick categories (tap to add, tap again to remove):",
    },
    "no_categories": {"ar": "لا توجد أقسام بعد.", "en": "There are no categories yet."},
    "not_subscribed": {
        "ar": "لست مشتركًا. أرسل /start للاشتراك.",
        "en": "You are not subscribed. Send /start to subscribe.",
    },
    "stopped": {
        "ar": "أُوقف اشتراكك، ولن تصلك رسائل. للعودة أرسل /start",
        "en": "You are unsubscribed and will get no more messages. Send /start to come back.",
    },
    "alert_usage": {"ar": "الاستعمال: /alert كلمة", "en": "Usage: /alert WORD"},
    "alert_added": {
        "ar": "سيصلك كل خبر يرد فيه «{keyword}».",
        "en": "You will get every article that mentions «{keyword}».",
    },
    "alert_removed": {"ar": "حُذف التنبيه «{keyword}».", "en": "Alert «{keyword}» removed."},
    "alert_missing": {"ar": "لا يوجد تنبيه «{keyword}».", "en": "No alert «{keyword}»."},
    "alert_limit": {
        "ar": "بلغت الحد الأقصى للتنبيهات ({limit}). احذف تنبيهًا أولًا.",
        "en": "You have the most alerts allowed ({limit}). Remove one first.",
    },
    "alerts": {"ar": "تنبيهاتك (اضغط للحذف):", "en": "Your alerts (tap to remove):"},
    "no_alerts": {
        "ar": "لا تنبيهات لديك. أضف واحدًا: /alert كلمة",
        "en": "You have no alerts. Add one: /alert WORD",
    },
    "pick_mode": {"ar": "كيف تريد أن تصلك الأخبار؟", "en": "How should articles reach you?"},
    "mode_instant": {"ar": "فورًا", "en": "Instantly"},
    "mode_digest": {"ar": "ملخص يومي ({at})", "en": "Daily digest ({at})"},
    "mode_set_instant": {"ar": "ستصلك الأخبار فور نشرها.", "en": "Articles will come instantly."},
    "mode_set_digest": {
        "ar": "سيصلك ملخص واحد كل يوم في الساعة {at}.",
        "en": "You will get one digest a day at {at}.",
    },
    # -- operators --------------------------------------------------------------------
    "status": {
        "ar": "الحالة\nالمصادر: {sources} (متعثرة: {failing})\nالقنوات: {channels}"
        " · المشتركون: {subscribers}\nفي الانتظار: {pending} · غير مؤكد: {unknown}"
        " · فشل: {failed}",
        "en": "Status\nSources: {sources} (in error: {failing})\nChannels: {channels}"
        " · subscribers: {subscribers}\nPending: {pending} · unknown: {unknown}"
        " · failed: {failed}",
    },
    "status_failing": {"ar": "مصادر متعثرة:", "en": "Sources in error:"},
    "status_queues": {"ar": "الطوابير:", "en": "Queues:"},
    "status_last": {"ar": "آخر المنشورات:", "en": "Last posts:"},
    "none": {"ar": "لا شيء.", "en": "Nothing."},
    "sources_title": {"ar": "المصادر:", "en": "Sources:"},
    "channels_title": {"ar": "القنوات:", "en": "Channels:"},
    "paused": {"ar": "متوقفة", "en": "paused"},
    "disabled": {"ar": "معطلة", "en": "disabled"},
    "usage": {"ar": "الاستعمال: {usage}", "en": "Usage: {usage}"},
    "probing": {"ar": "أفحص الموقع…", "en": "Looking at the site…"},
    "found_source": {
        "ar": "وجدت: {kind} — {url}\nآخر ما نشر:\n{items}\nأأضيف المصدر «{id}»؟",
        "en": "Found: {kind} — {url}\nLatest items:\n{items}\nAdd source «{id}»?",
    },
    "no_items": {"ar": "(لا عناصر)", "en": "(no items)"},
    "yes_add": {"ar": "✅ إضافة", "en": "✅ Add"},
    "cancel": {"ar": "❌ إلغاء", "en": "❌ Cancel"},
    "cancelled": {"ar": "أُلغي.", "en": "Cancelled."},
    "expired": {
        "ar": "انتهت صلاحية هذا الطلب، أعد الأمر.",
        "en": "This request has expired; send the command again.",
    },
    "source_added": {"ar": "أُضيف المصدر «{id}».", "en": "Source «{id}» added."},
    "source_updated": {"ar": "حُدّث المصدر «{id}».", "en": "Source «{id}» updated."},
    "source_removed": {
        "ar": "عُطّل المصدر «{id}» (تبقى مقالاته).",
        "en": "Source «{id}» disabled (its articles stay).",
    },
    "no_such_source": {"ar": "لا يوجد مصدر «{id}».", "en": "No source «{id}»."},
    "no_such_channel": {"ar": "لا توجد قناة «{id}».", "en": "No channel «{id}»."},
    "bot_not_admin": {
        "ar": "لا أستطيع النشر في {chat}: {why}. اجعل البوت مشرفًا يملك حق النشر ثم أعد المحاولة.",
        "en": "I cannot post in {chat}: {why}. Make the bot an administrator allowed to post,"
        " then try again.",
    },
    "why_status": {"ar": "وضع البوت فيها «{status}»", "en": "the bot is '{status}' there"},
    "why_no_post": {"ar": "لا يملك حق نشر الرسائل", "en": "it has no right to post messages"},
    "you_not_admin": {
        "ar": "لا يمكنك إضافة {chat}: لست مشرفًا فيها ({why}).",
        "en": "You cannot add {chat}: you are not one of its administrators ({why}).",
    },
    "chat_unreachable": {
        "ar": "تعذر الوصول إلى {chat}: {why}",
        "en": "Cannot reach {chat}: {why}",
    },
    "channel_added": {
        "ar": "أُضيفت القناة «{id}» ({chat}). حدد ما تنشره: /route {id} categories=…",
        "en": "Channel «{id}» ({chat}) added. Choose what it gets: /route {id} categories=…",
    },
    "channel_updated": {"ar": "حُدّثت القناة «{id}».", "en": "Channel «{id}» updated."},
    "channel_removed": {
        "ar": "عُطّلت القناة «{id}» (يبقى سجلها).",
        "en": "Channel «{id}» disabled (its history stays).",
    },
    "route_shown": {
        "ar": "مسارات «{id}»:\n{routes}\nالخيارات: {options}",
        "en": "Routes of «{id}»:\n{routes}\nOptions: {options}",
    },
    "route_set": {
        "ar": "حُدّث مسار «{id}»:\n{routes}\nالخيارات: {options}",
        "en": "Route of «{id}» updated:\n{routes}\nOptions: {options}",
    },
    "defaults": {"ar": "الافتراضية", "en": "defaults"},
    "paused_now": {
        "ar": "أوقفتُ النشر في «{id}»؛ تنتظر المنشورات.",
        "en": "Posting to «{id}» paused; posts wait.",
    },
    "already_paused": {"ar": "«{id}» متوقفة أصلًا.", "en": "«{id}» is already paused."},
    "resumed": {"ar": "استُؤنف النشر في «{id}».", "en": "Posting to «{id}» resumed."},
    "preview_failed": {"ar": "تعذرت المعاينة: {why}", "en": "Preview failed: {why}"},
    "test_text": {
        "ar": "رسالة تجريبية من البوت: النشر في هذه القناة يعمل.",
        "en": "رسالة تجريبية — a test message from the bot: posting here works.",
    },
    "test_sent": {"ar": "أُرسلت رسالة تجريبية إلى «{id}».", "en": "Test post sent to «{id}»."},
    "test_failed": {"ar": "فشل الإرسال إلى «{id}»: {why}", "en": "Sending to «{id}» failed: {why}"},
    "retried": {
        "ar": "أُعيد {count} منشورًا من «{id}» إلى الانتظار.",
        "en": "{count} posts of «{id}» are pending again.",
    },
}


def say(lang: str, key: str, **values: Any) -> str:
    """The text `key` in `lang` (Arabic when there is no such language), filled in."""
    texts = TEXTS[key]
    text = texts.get(lang) or texts[DEFAULT]
    return text.format(**values) if values else text


def language(code: str | None) -> str:
    """A supported language for a Telegram `language_code` or a stored choice."""
    if code and code.split("-")[0].lower() in LANGUAGES:
        return code.split("-")[0].lower()
    return DEFAULT
