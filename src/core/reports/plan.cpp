#include "core/reports/plan.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

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

std::optional<Support> read_support(std::string_view text) { return parse_support(folded(text)); }

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
    for (std::size_t i = std::hash<std::string_view>{}(hash)&mask;; i = (i + 1) & mask) {
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

namespace {

void add_problem(RowPlan& row, std::string_view field, Problem p, std::string detail = {}) {
    row.problems.push_back({std::string(field), p, std::move(detail)});
}

/// A whole number in [lo, hi] and nothing else, or nothing.
template <typename Int>
std::optional<Int> read_whole(std::string_view text, Int lo, Int hi) {
    Int v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v < lo || v > hi) return std::nullopt;
    return v;
}

/// The row's event from its own fields, with a problem for each field that cannot be read.
void read_event(const Fields& f, RowPlan& row) {
    Event& ev = row.event;
    if (f.kind.empty()) add_problem(row, "handelse", Problem::kind_missing);
    else if (auto k = read_kind(f.kind)) ev.kind = *k;
    else add_problem(row, "handelse", Problem::kind_unknown, f.kind.substr(0, kMaxField));
    if (f.day.empty()) add_problem(row, "datum", Problem::day_missing);
    else if (auto d = read_day(f.day)) ev.day = *d;
    else add_problem(row, "datum", Problem::day_bad);
    if (!f.last.empty()) {
        if (auto d = read_day(f.last)) ev.last = *d;
        else add_problem(row, "sista_dag", Problem::last_bad);
    }
    if (!f.pace.empty()) {
        if (auto p = read_pace(f.pace)) ev.pace = *p;
        else add_problem(row, "studietakt", Problem::pace_bad);
    }
    if (!f.credits.empty()) {
        auto c = studietider::parse_credits(f.credits);
        if (c && c->hundredths >= 0 && *c <= studietider::kMaxCredits) ev.credits = *c;
        else add_problem(row, "poang", Problem::credits_bad);
    }
    if (!f.hours.empty()) {
        if (auto h = read_whole(f.hours, 0, 744)) ev.hours = *h;
        else add_problem(row, "timmar", Problem::hours_bad);
    }
    if (!f.passed.empty()) {
        if (auto y = parse_yes_no(f.passed)) ev.passed = *y;
        else add_problem(row, "godkand", Problem::passed_bad);
    }
    if (!f.corrects.empty()) {
        if (auto id = read_whole<std::int64_t>(f.corrects, 1, std::numeric_limits<std::int64_t>::max()))
            ev.supersedes = *id;
        else add_problem(row, "rattar", Problem::corrects_bad);
        if (f.reason.find_first_not_of(" \t") == std::string::npos) add_problem(row, "orsak", Problem::reason_missing);
    }
    if (f.name.size() > kMaxName) add_problem(row, "namn", Problem::too_long);
    if (f.reason.size() > kMaxReason) add_problem(row, "orsak", Problem::too_long);
}

}  // namespace

const RowPlan& Planner::add(int line, const Fields& f) {
    RowPlan& row = plan_.rows.emplace_back();
    row.line = line;
    row.reason = f.reason;
    read_event(f, row);
    Placement at;
    if (!f.support.empty()) {
        at.support = read_support(f.support);
        if (!at.support) add_problem(row, "stodform", Problem::support_unknown, f.support.substr(0, kMaxField));
    }
    if (f.enrollment != 0) place_by_enrollment(f.enrollment, row, at);
    else place_by_number(f, row, at);
    judge(row, at);
    keep(f, row, at);
    return row;
}

void Planner::place_by_enrollment(std::int64_t id, RowPlan& row, Placement& at) {
    auto it = enrollments_.find(id);
    if (it == enrollments_.end()) {
        if (auto e = source_.enrollment(id)) it = enrollments_.emplace(e->id, *e).first;
    }
    if (it == enrollments_.end()) {
        add_problem(row, "", Problem::enrollment_unknown);
        return;
    }
    at.enrollment = it->first;
    at.student = it->second.student;
    row.education = it->second.education_code;
    row.period = it->second.period_label;
}

void Planner::place_by_number(const Fields& f, RowPlan& row, Placement& at) {
    std::optional<pnr::Number> number;
    auto parsed = pnr::parse(f.number, today_);
    if (auto* p = std::get_if<pnr::Problem>(&parsed)) row.number = *p;
    else number = std::get<pnr::Number>(parsed);
    std::string hash;
    if (number) {
        hash = identities_.lookup_hash(number->canonical);
        at.student = find_student(*number, hash, row);
    }
    const EducationInfo* edu = nullptr;
    const PeriodInfo* period = find_period(f, row, edu);
    if (number && period && edu) enroll(f, *number, std::move(hash), *edu, *period, row, at);
}

std::int64_t Planner::find_student(const pnr::Number& number, const std::string& hash, RowPlan& row) {
    row.masked = pnr::masked(number, today_);
    // The person, if known: with this school's own name for them (the Source reads no other
    // school's), and masked while their identity is protected.
    std::int64_t student = 0;
    if (const std::int64_t met = student_of(hash); met != 0) {
        student = met;
    } else if (auto known = source_.student(hash)) {
        student = known->id;
        students_.emplace(hash, known->id);
        known_students_.emplace(known->id, *known);
    }
    if (auto k = known_students_.find(student);
        student > 0 && k != known_students_.end() && k->second.protected_identity) {
        row.protected_identity = true;
        row.masked.clear();
    }
    return student;
}

const PeriodInfo* Planner::find_period(const Fields& f, RowPlan& row, const EducationInfo*& edu) {
    if (f.education.empty()) {
        add_problem(row, "utbildning", Problem::education_missing);
        return nullptr;
    }
    auto& e = education(f.education);
    if (!e) {
        add_problem(row, "utbildning", Problem::education_unknown, f.education.substr(0, kMaxField));
        return nullptr;
    }
    if (e->withdrawn) {
        add_problem(row, "utbildning", Problem::education_withdrawn, e->code);
        return nullptr;
    }
    edu = &*e;
    row.education = e->code;
    const PeriodInfo* period = nullptr;
    if (!f.period.empty()) {
        for (const auto& p : e->periods)
            if (p.label == f.period) period = &p;
        if (!period) add_problem(row, "studieperiod", Problem::period_unknown, f.period.substr(0, kMaxField));
    } else if (!f.day.empty()) {
        const Date day = row.event.day;
        int found = 0;
        for (const auto& p : e->periods)
            if (!(day < p.first) && !(p.last < day)) {
                period = &p;
                ++found;
            }
        if (found != 1) {
            period = nullptr;
            add_problem(row, "studieperiod", Problem::period_missing);
        }
    }
    if (period) row.period = period->label;
    return period;
}

void Planner::enroll(const Fields& f, const pnr::Number& number, std::string hash, const EducationInfo& edu,
                     const PeriodInfo& period, RowPlan& row, Placement& at) {
    if (at.student == 0) {
        Student s;
        s.lookup_hash = std::move(hash);
        s.sealed = identities_.seal(number.canonical);
        s.name = f.name;
        s.id = -static_cast<std::int64_t>(plan_.new_students.size()) - 1;
        at.student = s.id;
        at.new_student = std::move(s);
    }
    if (const std::int64_t met = enrollment_of(at.student, period.id); met != 0) {
        at.enrollment = met;
    } else if (auto e = at.student > 0 ? source_.enrollment(at.student, period.id) : std::nullopt) {
        at.enrollment = e->id;
        enrollment_ids_.emplace(std::pair{at.student, period.id}, e->id);
        enrollments_.emplace(e->id, *e);
    } else if (!at.support) {
        if (f.support.empty()) add_problem(row, "stodform", Problem::support_missing);
    } else {
        StudentEnrollment fresh;
        fresh.id = -static_cast<std::int64_t>(plan_.new_enrollments.size()) - 1;
        fresh.student = at.student;
        fresh.education = edu.id;
        fresh.period = period.id;
        fresh.plan = Enrollment{*at.support, period.first, period.last, period.pace};
        fresh.education_code = edu.code;  // (the name and label are for pages, not needed here)
        at.new_enrollment = fresh;
        at.enrollment = fresh.id;
    }
}

void Planner::judge(RowPlan& row, const Placement& at) {
    const StudentEnrollment* en = nullptr;
    if (at.new_enrollment) en = &*at.new_enrollment;
    else if (at.enrollment < 0)
        en = &plan_.new_enrollments[static_cast<std::size_t>(-at.enrollment - 1)];  // an earlier row's
    else if (auto it = enrollments_.find(at.enrollment); it != enrollments_.end()) en = &it->second;
    if (en && at.support && *at.support != en->plan.support && !at.new_enrollment)
        add_problem(row, "stodform", Problem::support_differs, std::string(to_string(en->plan.support)));
    if (!en || !row.problems.empty() || row.number) return;
    auto& history = history_of(at.enrollment);
    if (row.event.supersedes == 0) {
        for (const auto& old : in_force(history))
            if (same_report(old, row.event)) row.duplicate = true;
    }
    if (row.duplicate) return;
    auto verdict = check(en->plan, history, row.event, today_);
    if (auto* no = std::get_if<Refused>(&verdict)) row.conflict = *no;
    else row.state = std::get<Standing>(verdict).state;
}

void Planner::keep(const Fields& f, RowPlan& row, Placement& at) {
    row.student = at.student;
    row.enrollment = at.enrollment;
    if (row.duplicate) {
        ++plan_.duplicates;
        return;
    }
    if (!row.accepted()) {
        ++plan_.refused;
        return;
    }
    ++plan_.accepted;
    if (at.new_student) {
        add_new_student(std::move(*at.new_student));
    } else if (at.student > 0 && !f.name.empty()) {
        // Found by number (the student page's form changes a name elsewhere).
        auto it = known_students_.find(at.student);
        if (it != known_students_.end() && it->second.name != f.name) {
            it->second.name = f.name;
            plan_.names[at.student] = f.name;
        }
    }
    if (at.new_enrollment) add_new_enrollment(std::move(*at.new_enrollment));
    Event saved = row.event;
    saved.id = next_event_--;
    remember(at.enrollment, saved);
    plan_.states[at.enrollment] = row.state;
}

void Planner::add_new_enrollment(StudentEnrollment e) {
    if (e.student > 0) {
        enrollment_ids_.emplace(std::pair{e.student, e.period}, e.id);
        next_new_enrollment_.push_back(0);  // (in no chain: one entry for every new enrollment)
    } else {                                // first in the new student's chain
        const auto i = static_cast<std::size_t>(-e.student - 1);
        if (new_enrollment_of_.size() <= i) new_enrollment_of_.resize(i + 1);
        next_new_enrollment_.push_back(new_enrollment_of_[i]);
        new_enrollment_of_[i] = static_cast<std::uint32_t>(plan_.new_enrollments.size() + 1);
    }
    plan_.new_enrollments.push_back(std::move(e));
}

}  // namespace mina::reports
