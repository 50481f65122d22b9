#include "time/local_time.hpp"

#include <unicode/coll.h>
#include <unicode/plurrule.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>

#include <array>
#include <map>
#include <stdexcept>
#include <utility>

namespace mina::time {

struct Zone::Rules {
    std::unique_ptr<const icu::TimeZone> tz;
};

namespace {

constexpr std::int64_t kDay = 86400;

UDate udate(Timestamp t) { return static_cast<UDate>(to_unix(t)) * 1000.0; }

bool english(std::string_view lang) { return lang == "en"; }

const icu::Locale& locale(std::string_view lang) {
    static const icu::Locale sv("sv", "SE");
    static const icu::Locale en("en", "GB");
    return english(lang) ? en : sv;
}

/// Swedish writes the time with a full stop and "kl." before it; English with a colon and "at".
/// Tables and bare days are ISO 8601 in both languages (the form Swedish authorities use).
const char* pattern(Form form, std::string_view lang) {
    switch (form) {
        case Form::text: return english(lang) ? "d MMMM y 'at' HH:mm" : "d MMMM y 'kl.' HH.mm";
        case Form::table: return "yyyy-MM-dd HH:mm";
        case Form::day: return "yyyy-MM-dd";
        case Form::text_day: return "d MMMM y";
    }
    return "yyyy-MM-dd HH:mm";
}

/// A formatter per thread and (zone, language, form): ICU's formatters keep a calendar they change
/// while formatting, so a thread never shares one.
icu::SimpleDateFormat& formatter(const std::string& zone_name, const icu::TimeZone& tz, std::string_view lang,
                                 Form form) {
    thread_local std::map<std::string, std::unique_ptr<icu::SimpleDateFormat>, std::less<>> kept;
    std::string key = zone_name;
    key += '|';
    key += english(lang) ? "en" : "sv";
    key += '|';
    key += std::to_string(static_cast<int>(form));
    auto it = kept.find(key);
    if (it == kept.end()) {
        UErrorCode status = U_ZERO_ERROR;
        auto f = std::make_unique<icu::SimpleDateFormat>(icu::UnicodeString(pattern(form, lang), -1, US_INV),
                                                         locale(lang), status);
        if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU date format: ") + u_errorName(status));
        f->setTimeZone(tz);
        it = kept.emplace(std::move(key), std::move(f)).first;
    }
    return *it->second;
}

std::string utf8(const icu::UnicodeString& s) {
    std::string out;
    s.toUTF8String(out);
    return out;
}

}  // namespace

std::optional<Zone> Zone::named(std::string_view iana) {
    if (iana.empty()) return std::nullopt;
    std::unique_ptr<icu::TimeZone> tz(
        icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(icu::StringPiece(iana.data(), iana.size()))));
    if (!tz || *tz == icu::TimeZone::getUnknown()) return std::nullopt;
    auto rules = std::make_shared<Rules>();
    rules->tz = std::move(tz);
    return Zone(std::string(iana), std::move(rules));
}

const Zone& Zone::stockholm() {
    static const Zone zone = *named("Europe/Stockholm");
    return zone;
}

Seconds Zone::offset_at(Timestamp t) const {
    std::int32_t raw = 0;
    std::int32_t dst = 0;
    UErrorCode status = U_ZERO_ERROR;
    rules_->tz->getOffset(udate(t), false, raw, dst, status);
    if (U_FAILURE(status)) return Seconds{0};
    return Seconds{(std::int64_t{raw} + dst) / 1000};
}

Date Zone::day_of(Timestamp t) const { return Date::utc_day_of(t + offset_at(t)); }

Timestamp Zone::start_of(Date d) const {
    // Midnight there, read as if it were UTC, less the offset in force then. The second guess settles
    // a day whose offset differs from the first guess's (no zone of ours changes at midnight, but
    // some do).
    const Timestamp as_utc = from_unix(std::int64_t{d.serial()} * kDay);
    const Timestamp first = as_utc - offset_at(as_utc);
    return as_utc - offset_at(first);
}

std::string show(Timestamp t, const Zone& zone, std::string_view lang, Form form) {
    icu::UnicodeString out;
    formatter(zone.name_, *zone.rules_->tz, lang, form).format(udate(t), out);
    return utf8(out);
}

std::string show(Date d, std::string_view lang) {
    // Noon UTC of the day is that day in UTC, where a bare date is read.
    static const Zone utc = *Zone::named("Etc/UTC");
    return show(from_unix(std::int64_t{d.serial()} * kDay + kDay / 2), utc, lang, Form::text_day);
}

std::string iso_local(Timestamp t, const Zone& zone) {
    const auto offset = zone.offset_at(t).count();
    std::string out = to_string(Date::utc_day_of(t + Seconds{offset}));
    const auto in_day = ((to_unix(t) + offset) % kDay + kDay) % kDay;
    char buf[32];
    const auto minutes = (offset < 0 ? -offset : offset) / 60;
    std::snprintf(buf, sizeof buf, "T%02lld:%02lld:%02lld%c%02lld:%02lld", static_cast<long long>(in_day / 3600),
                  static_cast<long long>(in_day / 60 % 60), static_cast<long long>(in_day % 60), offset < 0 ? '-' : '+',
                  static_cast<long long>(minutes / 60), static_cast<long long>(minutes % 60));
    return out + buf;
}

std::string_view plural_category(std::string_view lang, long long n) {
    thread_local std::array<std::unique_ptr<icu::PluralRules>, 2> rules;
    auto& r = rules[english(lang) ? 1 : 0];
    if (!r) {
        UErrorCode status = U_ZERO_ERROR;
        r.reset(icu::PluralRules::forLocale(locale(lang), status));
        if (U_FAILURE(status)) r.reset();
    }
    if (!r) return n == 1 ? "one" : "other";
    const auto category = r->select(static_cast<std::int32_t>(n));
    // Swedish and English know only "one" and "other" for whole numbers.
    return category == icu::UnicodeString(u"one") ? "one" : "other";
}

int compare_swedish(std::string_view a, std::string_view b) {
    thread_local std::unique_ptr<icu::Collator> collator;
    if (!collator) {
        UErrorCode status = U_ZERO_ERROR;
        collator.reset(icu::Collator::createInstance(icu::Locale("sv", "SE"), status));
        if (U_FAILURE(status)) collator.reset();
    }
    if (!collator) return a.compare(b) < 0 ? -1 : a == b ? 0 : 1;
    UErrorCode status = U_ZERO_ERROR;
    return collator->compareUTF8(icu::StringPiece(a.data(), static_cast<std::int32_t>(a.size())),
                                 icu::StringPiece(b.data(), static_cast<std::int32_t>(b.size())), status);
}

}  // namespace mina::time
