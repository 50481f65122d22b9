#include "core/reports/plan.hpp"

#include <algorithm>
#include <charconv>

#include "core/studietider/rules.hpp"

namespace mina::reports {

namespace {

constexpr std::size_t kMaxName = 200;
constexpr std::size_t kMaxReason = 500;
constexpr std::size_t kMaxField = 100;

/// Lower-case, å ä ö folded, words joined by '-': "Frånvaro start" is "franvaro-start".
std::string folded(std::string_view text) {
    std::string out;
    for (const auto& w : studietider::search_words(text)) {
        if (!out.empty()) out += '-';
        out += w;
    }
    return out;
}

std::optional<Date> read_day(std::string_view text) {
    if (auto d = parse_date(text)) return d;
    if (text.size() == 8 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        const std::string dashed = std::string(text.substr(0, 4)) + "-" + std::string(text.substr(4, 2)) + "-" +
                                   std::string(text.substr(6, 2));
        return parse_date(dashed);
    }
    return std::nullopt;
}

}  // namespace

const std::vector<FieldName>& field_names() {
    static const std::vector<FieldName> names{
        {"personnummer", "personal_number", &Fields::number},
        {"namn", "name", &Fields::name},
        {"utbildning", "education", &Fields::education},
        {"studieperiod", "period", &Fields::period},
        {"stodform", "support", &Fields::support},
        {"handelse", "kind", &Fields::kind},
        {"datum", "day", &Fields::day},
        {"sista_dag", "last_day", &Fields::last},
        {"studietakt", "pace", &Fields::pace},
        {"poang", "credits", &Fields::credits},
        {"timmar", "hours", &Fields::hours},
        {"godkand", "passed", &Fields::passed},
        {"rattar", "corrects", &Fields::corrects},
        {"orsak", "reason", &Fields::reason},
    };
    return names;
}

std::optional<bool> parse_yes_no(std::string_view text) {
    const std::string f = folded(text);
    if (f == "ja" || f == "yes" || f == "1" || f == "godkand" || f == "true") return true;
    if (f == "nej" || f == "no" || f == "0" || f == "ej-godkand" || f == "inte-godkand" || f == "underkand" ||
        f == "false")
        return false;
    return std::nullopt;
}

std::optional<Kind> read_kind(std::string_view text) {
    const std::string f = folded(text);
    if (auto k = parse_kind(f)) return k;
    if (f == "franvaro") return Kind::absence_start;
    if (f == "uppehall") return Kind::planned_break;
    return std::nullopt;
}

std::optional<Support> read_support(std::string_view text) {
    return parse_support(folded(text));
}

std::optional<studietider::Pace> read_pace(std::string_view text) {
    std::string digits;
    for (char c : text)
        if (c != ' ' && c != '%') digits += c;
    auto p = studietider::parse_pace(digits);
    if (p && *p == studietider::Pace::none) return std::nullopt;
    return p;
}

bool same_report(const Event& a, const Event& b) {
    return a.kind == b.kind && a.day == b.day && a.last == b.last && a.pace == b.pace && a.credits == b.credits &&
           a.hours == b.hours && a.passed == b.passed;
}

std::vector<Event>& Planner::history_of(std::int64_t enrollment) {
    if (enrollment < 0) {  // the plan's own new enrollment -n: its rows so far
        scratch_.clear();
        const auto i = static_cast<std::size_t>(-enrollment - 1);
        for (std::uint32_t e = i < new_history_.size() ? new_history_[i].first : 0; e != 0;
             e = new_events_[e - 1].next) {
            if (new_events_[e - 1].row >= plan_.rows.size()) break;  // (taken: nothing to judge against)
            scratch_.push_back(plan_.rows[new_events_[e - 1].row].event);
            scratch_.back().id = new_events_[e - 1].id;
        }
        return scratch_;
    }
    auto it = histories_.find(enrollment);
    if (it == histories_.end()) {
        std::vector<Event> h;
        if (enrollment > 0) h = source_.history(enrollment);
        it = histories_.emplace(enrollment, std::move(h)).first;
    }
    return it->second;
}

void Planner::remember(std::int64_t enrollment, const Event& saved) {
    if (enrollment >= 0) {
        history_of(enrollment).push_back(saved);
        return;
    }
    // The row just added (plan_.rows.back()) holds the event: only where it is, and its id, are kept.
    const auto i = static_cast<std::size_t>(-enrollment - 1);
    if (new_history_.size() <= i) new_history_.resize(i + 1);
    new_events_.push_back({static_cast<std::uint32_t>(plan_.rows.size() - 1), 0, saved.id});
    const auto at = static_cast<std::uint32_t>(new_events_.size());
    auto& [first, last] = new_history_[i];
    if (last != 0) new_events_[last - 1].next = at;
    else first = at;
    last = at;
}

std::int64_t Planner::enrollment_of(std::int64_t student, std::int64_t period) const {
    if (student > 0) {
        auto it = enrollment_ids_.find({student, period});
        return it == enrollment_ids_.end() ? 0 : it->second;
    }
    const auto i = static_cast<std::size_t>(-student - 1);
    for (std::uint32_t e = i < new_enrollment_of_.size() ? new_enrollment_of_[i] : 0; e != 0;
         e = next_new_enrollment_[e - 1])
        if (plan_.new_enrollments[e - 1].period == period) return plan_.new_enrollments[e - 1].id;
    return 0;
}

std::int64_t Planner::student_of(const std::string& hash) const {
    if (auto it = students_.find(hash); it != students_.end()) return it->second;
    if (new_slots_.empty()) return 0;
    const std::size_t mask = new_slots_.size() - 1;
    for (std::size_t i = std::hash<std::string_view>{}(hash) & mask;; i = (i + 1) & mask) {
        const std::uint32_t slot = new_slots_[i];
        if (slot == 0 || slot > plan_.new_students.size()) return 0;
        const Student& s = plan_.new_students[slot - 1];
        if (s.lookup_hash == hash) return s.id;
    }
}

void Planner::add_new_student(Student s) {
    if (2 * (plan_.new_students.size() + 1) > new_slots_.size()) {  // grown: every student placed again
        new_slots_.assign(std::max<std::size_t>(16, 2 * new_slots_.size()), 0);
        const std::size_t mask = new_slots_.size() - 1;
        for (std::size_t n = 0; n < plan_.new_students.size(); ++n) {
            std::size_t i = std::hash<std::string_view>{}(plan_.new_students[n].lookup_hash) & mask;
            while (new_slots_[i] != 0) i = (i + 1) & mask;
            new_slots_[i] = static_cast<std::uint32_t>(n + 1);
        }
    }
    const std::size_t mask = new_slots_.size() - 1;
    std::size_t i = std::hash<std::string_view>{}(s.lookup_hash) & mask;
    while (new_slots_[i] != 0) i = (i + 1) & mask;
    plan_.new_students.push_back(std::move(s));
    new_slots_[i] = static_cast<std::uint32_t>(plan_.new_students.size());
}

std::optional<EducationInfo>& Planner::education(const std::string& code) {
    auto it = educations_.find(code);
    if (it == educations_.end()) it = educations_.emplace(code, source_.education(code)).first;
    return it->second;
}

const RowPlan& Planner::add(int line, const Fields& f) {
    RowPlan& row = plan_.rows.emplace_back();
    row.line = line;
    row.reason = f.reason;
    const auto problem = [&](std::string_view field, Problem p, std::string detail = {}) {
        row.problems.push_back({std::string(field), p, std::move(detail)});
    };

    // The event's own fields.
    Event& ev = row.event;
    if (f.kind.empty()) problem("handelse", Problem::kind_missing);
    else if (auto k = read_kind(f.kind)) ev.kind = *k;
    else problem("handelse", Problem::kind_unknown, f.kind.substr(0, kMaxField));
    if (f.day.empty()) problem("datum", Problem::day_missing);
    else if (auto d = read_day(f.day)) ev.day = *d;
    else problem("datum", Problem::day_bad);
    if (!f.last.empty()) {
        if (auto d = read_day(f.last)) ev.last = *d;
        else problem("sista_dag", Problem::last_bad);
    }
    if (!f.pace.empty()) {
        if (auto p = read_pace(f.pace)) ev.pace = *p;
        else problem("studietakt", Problem::pace_bad);
    }
    if (!f.credits.empty()) {
        auto c = studietider::parse_credits(f.credits);
        if (c && c->hundredths >= 0 && *c <= studietider::kMaxCredits) ev.credits = *c;
        else problem("poang", Problem::credits_bad);
    }
    if (!f.hours.empty()) {
        int h = 0;
        const auto [p, ec] = std::from_chars(f.hours.data(), f.hours.data() + f.hours.size(), h);
        if (ec != std::errc{} || p != f.hours.data() + f.hours.size() || h < 0 || h > 744)
            problem("timmar", Problem::hours_bad);
        else ev.hours = h;
    }
    if (!f.passed.empty()) {
        if (auto y = parse_yes_no(f.passed)) ev.passed = *y;
        else problem("godkand", Problem::passed_bad);
    }
    if (!f.corrects.empty()) {
        std::int64_t id = 0;
        const auto [p, ec] = std::from_chars(f.corrects.data(), f.corrects.data() + f.corrects.size(), id);
        if (ec != std::errc{} || p != f.corrects.data() + f.corrects.size() || id <= 0)
            problem("rattar", Problem::corrects_bad);
        else ev.supersedes = id;
        if (f.reason.find_first_not_of(" \t") == std::string::npos) problem("orsak", Problem::reason_missing);
    }
    if (f.name.size() > kMaxName) problem("namn", Problem::too_long);
    if (f.reason.size() > kMaxReason) problem("orsak", Problem::too_long);

    // Who and where: the student page's enrollment, or number, education and period.
    std::int64_t student = 0;
    std::int64_t enrollment = 0;
    std::optional<Student> new_student;
    std::optional<StudentEnrollment> new_enrollment;
    std::optional<Support> support;
    if (!f.support.empty()) {
        support = read_support(f.support);
        if (!support) problem("stodform", Problem::support_unknown, f.support.substr(0, kMaxField));
    }
    if (f.enrollment != 0) {
        auto it = enrollments_.find(f.enrollment);
        if (it == enrollments_.end()) {
            if (auto e = source_.enrollment(f.enrollment)) it = enrollments_.emplace(e->id, *e).first;
        }
        if (it == enrollments_.end()) {
            problem("", Problem::enrollment_unknown);
        } else {
            enrollment = it->first;
            student = it->second.student;
            row.education = it->second.education_code;
            row.period = it->second.period_label;
        }
    } else {
        std::optional<pnr::Number> number;
        auto parsed = pnr::parse(f.number, today_);
        if (auto* p = std::get_if<pnr::Problem>(&parsed)) row.number = *p;
        else number = std::get<pnr::Number>(parsed);
        std::string hash;
        if (number) {
            row.masked = pnr::masked(*number, today_);
            // The person, if known: with this school's own name for them (the Source reads no other
            // school's), and masked while their identity is protected.
            hash = identities_.lookup_hash(number->canonical);
            if (const std::int64_t met = student_of(hash); met != 0) {
                student = met;
            } else if (auto known = source_.student(hash)) {
                student = known->id;
                students_.emplace(hash, known->id);
                known_students_.emplace(known->id, *known);
            }
            if (auto k = known_students_.find(student); student > 0 && k != known_students_.end() &&
                                                        k->second.protected_identity) {
                row.protected_identity = true;
                row.masked.clear();
            }
        }

        const EducationInfo* edu = nullptr;
        const PeriodInfo* period = nullptr;
        if (f.education.empty()) {
            problem("utbildning", Problem::education_missing);
        } else if (auto& e = education(f.education); !e) {
            problem("utbildning", Problem::education_unknown, f.education.substr(0, kMaxField));
        } else if (e->withdrawn) {
            problem("utbildning", Problem::education_withdrawn, e->code);
        } else {
            edu = &*e;
            row.education = e->code;
            if (!f.period.empty()) {
                for (const auto& p : e->periods)
                    if (p.label == f.period) period = &p;
                if (!period) problem("studieperiod", Problem::period_unknown, f.period.substr(0, kMaxField));
            } else if (!f.day.empty()) {
                int found = 0;
                for (const auto& p : e->periods)
                    if (!(ev.day < p.first) && !(p.last < ev.day)) {
                        period = &p;
                        ++found;
                    }
                if (found != 1) {
                    period = nullptr;
                    problem("studieperiod", Problem::period_missing);
                }
            }
            if (period) row.period = period->label;
        }

        if (number && period && edu) {
            if (student == 0) {
                Student s;
                s.lookup_hash = std::move(hash);  // (not read again)
                s.sealed = identities_.seal(number->canonical);
                s.name = f.name;
                s.id = -static_cast<std::int64_t>(plan_.new_students.size()) - 1;
                student = s.id;
                new_student = std::move(s);
            }
            if (const std::int64_t met = enrollment_of(student, period->id); met != 0) {
                enrollment = met;
            } else if (auto e = student > 0 ? source_.enrollment(student, period->id) : std::nullopt) {
                enrollment = e->id;
                enrollment_ids_.emplace(std::pair{student, period->id}, e->id);
                enrollments_.emplace(e->id, *e);
            } else if (!support) {
                if (f.support.empty()) problem("stodform", Problem::support_missing);
            } else {
                StudentEnrollment fresh;
                fresh.id = -static_cast<std::int64_t>(plan_.new_enrollments.size()) - 1;
                fresh.student = student;
                fresh.education = edu->id;
                fresh.period = period->id;
                fresh.plan = Enrollment{*support, period->first, period->last, period->pace};
                fresh.education_code = edu->code;  // (the name and label are for pages, not needed here)
                new_enrollment = fresh;
                enrollment = fresh.id;
            }
        }
    }

    // The event against the enrollment's history.
    const StudentEnrollment* en = nullptr;
    if (new_enrollment) en = &*new_enrollment;
    else if (enrollment < 0) en = &plan_.new_enrollments[static_cast<std::size_t>(-enrollment - 1)];  // an earlier row's
    else if (auto it = enrollments_.find(enrollment); it != enrollments_.end()) en = &it->second;
    if (en && support && *support != en->plan.support && !new_enrollment)
        problem("stodform", Problem::support_differs, std::string(to_string(en->plan.support)));
    if (en && row.problems.empty() && !row.number) {
        auto& history = history_of(enrollment);
        if (ev.supersedes == 0) {
            for (const auto& old : in_force(history))
                if (same_report(old, ev)) row.duplicate = true;
        }
        if (!row.duplicate) {
            auto verdict = check(en->plan, history, ev, today_);
            if (auto* no = std::get_if<Refused>(&verdict)) row.conflict = *no;
            else row.state = std::get<Standing>(verdict).state;
        }
    }

    row.student = student;
    row.enrollment = enrollment;
    if (row.accepted()) {
        ++plan_.accepted;
        if (new_student) {
            add_new_student(std::move(*new_student));
        } else if (student > 0 && !f.name.empty()) {
            // Found by number (the student page's form changes a name elsewhere).
            auto it = known_students_.find(student);
            if (it != known_students_.end() && it->second.name != f.name) {
                it->second.name = f.name;
                plan_.names[student] = f.name;
            }
        }
        if (new_enrollment) {
            if (student > 0) {
                enrollment_ids_.emplace(std::pair{student, new_enrollment->period}, new_enrollment->id);
                next_new_enrollment_.push_back(0);  // (in no chain: one entry for every new enrollment)
            } else {  // first in the new student's chain
                const auto i = static_cast<std::size_t>(-student - 1);
                if (new_enrollment_of_.size() <= i) new_enrollment_of_.resize(i + 1);
                next_new_enrollment_.push_back(new_enrollment_of_[i]);
                new_enrollment_of_[i] = static_cast<std::uint32_t>(plan_.new_enrollments.size() + 1);
            }
            plan_.new_enrollments.push_back(std::move(*new_enrollment));
        }
        Event saved = ev;
        saved.id = next_event_--;
        remember(enrollment, saved);
        plan_.states[enrollment] = row.state;
    } else if (row.duplicate) {
        ++plan_.duplicates;
    } else {
        ++plan_.refused;
    }
    return row;
}

}  // namespace mina::reports
