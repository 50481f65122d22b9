#include "core/reports/service.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "core/common/csv.hpp"
#include "core/common/fingerprint.hpp"
#include "core/studietider/rules.hpp"

namespace mina::reports {

namespace {

/// A fixed text whose lookup hash tells one identity key from another (vault_check).
constexpr std::string_view kKeyCheckText = "mina-identity-key-check";

std::string person_of(const portal::Viewer& v) { return v.person.username.value(); }

/// What the planner reads, from one transaction, for one school.
class StoreSource final : public Source {
   public:
    StoreSource(Unit& tx, std::string school) : tx_(tx), school_(std::move(school)) {}

    std::optional<Student> student(const std::string& lookup_hash) override {
        return tx_.reports().student_by_hash(SchoolCode{school_}, lookup_hash);  // with this school's name only
    }
    std::optional<EducationInfo> education(const std::string& code) override {
        auto& st = tx_.studietider();
        auto e = st.education(SchoolCode{school_}, code);
        if (!e) return std::nullopt;
        EducationInfo info{e->id, e->code, e->name, e->withdrawn_at.has_value(), {}};
        auto published = st.public_educations({e->id});
        // The pace by today's rules, as students see it (a version stores what was derived when it was
        // published: issue [9] item 1 changed how study weeks, and so the pace, are counted).
        if (!published.empty())
            for (const auto& p : published.front().periods)
                info.periods.push_back({p.period, p.input.label, p.input.first, p.input.last,
                                        studietider::derive_period(published.front().education.terms(), p.input).pace});
        return info;
    }
    std::optional<StudentEnrollment> enrollment(std::int64_t student, std::int64_t period) override {
        load_enrollments(student);
        for (const auto& e : by_student_[student])
            if (e.period == period) return e;
        return std::nullopt;
    }
    std::optional<StudentEnrollment> enrollment(std::int64_t id) override {
        auto e = tx_.reports().enrollment(id);
        if (!e || e->school.value() != school_) return std::nullopt;
        return e;
    }
    std::vector<Event> history(std::int64_t enrollment) override {
        std::vector<Event> out;
        for (auto& r : tx_.reports().events(enrollment)) out.push_back(r.event);
        return out;
    }

   private:
    void load_enrollments(std::int64_t student) {
        if (by_student_.contains(student)) return;
        by_student_[student] = tx_.reports().enrollments(SchoolCode{school_}, student);
    }
    Unit& tx_;
    std::string school_;
    std::map<std::int64_t, std::vector<StudentEnrollment>> by_student_;
};

/// A saved upload's state: refused rows and nothing saved is "inte sparad", not "delvis sparad".
SubmissionState state_after(const Plan& plan, int saved) {
    if (plan.refused == 0) return SubmissionState::saved;
    return saved > 0 ? SubmissionState::partly_saved : SubmissionState::nothing_saved;
}

std::string fingerprint_of(const Plan& plan) {
    // Every row's fate: the preview and the save must promise the same.
    Fingerprint fp;
    for (const auto& r : plan.rows) {
        fp.add(std::int64_t{r.line}).add(r.accepted() ? "a" : r.duplicate ? "d" : "r");
        for (const auto& e : error_codes(r)) fp.add(e.message);
        fp.add(std::to_string(r.student > 0 ? r.student : 0) + "/" +
               std::to_string(r.enrollment > 0 ? r.enrollment : 0));
    }
    return fp.hex();
}

std::string_view problem_code(Problem p) {
    switch (p) {
        case Problem::kind_missing: return "kind_missing";
        case Problem::kind_unknown: return "kind_unknown";
        case Problem::day_missing: return "day_missing";
        case Problem::day_bad: return "day_bad";
        case Problem::last_bad: return "last_bad";
        case Problem::pace_bad: return "pace_bad";
        case Problem::credits_bad: return "credits_bad";
        case Problem::hours_bad: return "hours_bad";
        case Problem::passed_bad: return "passed_bad";
        case Problem::support_missing: return "support_missing";
        case Problem::support_unknown: return "support_unknown";
        case Problem::support_differs: return "support_differs";
        case Problem::education_missing: return "education_missing";
        case Problem::education_unknown: return "education_unknown";
        case Problem::education_withdrawn: return "education_withdrawn";
        case Problem::period_unknown: return "period_unknown";
        case Problem::period_missing: return "period_missing";
        case Problem::enrollment_unknown: return "enrollment_unknown";
        case Problem::corrects_bad: return "corrects_bad";
        case Problem::reason_missing: return "reason_missing";
        case Problem::too_long: return "too_long";
    }
    return "too_long";
}

std::string_view pnr_code(pnr::Problem p) {
    switch (p) {
        case pnr::Problem::empty: return "empty";
        case pnr::Problem::bad_shape: return "bad_shape";
        case pnr::Problem::bad_century: return "bad_century";
        case pnr::Problem::bad_month: return "bad_month";
        case pnr::Problem::bad_day: return "bad_day";
        case pnr::Problem::birth_number_000: return "birth_number_000";
        case pnr::Problem::check_digit: return "check_digit";
        case pnr::Problem::in_the_future: return "in_the_future";
    }
    return "bad_shape";
}

std::string_view conflict_code(Conflict c) {
    switch (c) {
        case Conflict::before_start: return "before_start";
        case Conflict::after_end: return "after_end";
        case Conflict::in_the_future: return "in_the_future";
        case Conflict::not_started_yet: return "not_started_yet";
        case Conflict::already_started: return "already_started";
        case Conflict::ended: return "ended";
        case Conflict::last_before_first: return "last_before_first";
        case Conflict::range_needed: return "range_needed";
        case Conflict::not_absent: return "not_absent";
        case Conflict::already_absent: return "already_absent";
        case Conflict::too_short: return "too_short";
        case Conflict::pace_not_allowed: return "pace_not_allowed";
        case Conflict::pace_missing: return "pace_missing";
        case Conflict::skolk_not_studiehjalp: return "skolk_not_studiehjalp";
        case Conflict::skolk_too_few_hours: return "skolk_too_few_hours";
        case Conflict::skolk_too_early: return "skolk_too_early";
        case Conflict::result_needed: return "result_needed";
        case Conflict::no_such_event: return "no_such_event";
        case Conflict::already_superseded: return "already_superseded";
    }
    return "ended";
}

/// The field a conflict concerns, for the page's error next to it.
std::string_view conflict_field(Conflict c) {
    switch (c) {
        case Conflict::range_needed:
        case Conflict::last_before_first: return "sista_dag";
        case Conflict::pace_not_allowed:
        case Conflict::pace_missing: return "studietakt";
        case Conflict::skolk_too_few_hours: return "timmar";
        case Conflict::result_needed: return "godkand";
        case Conflict::no_such_event:
        case Conflict::already_superseded: return "rattar";
        default: return "datum";
    }
}

Fields fields_of(const std::vector<std::string>& cells, const std::vector<int>& column_of) {
    Fields f;
    const auto& names = field_names();
    for (std::size_t i = 0; i < names.size(); ++i) {
        const int col = column_of[i];
        if (col >= 0 && static_cast<std::size_t>(col) < cells.size()) f.*(names[i].member) = csv::trim(cells[col]);
    }
    // What a spreadsheet may put before = + - @ so that it is not read as a formula.
    if (!f.number.empty() && f.number.front() == '\'') f.number.erase(0, 1);
    return f;
}

/// A file's rows for the planner, each taken (and its cells let go) as it is judged.
Service::Rows file_rows(FileRows& file) {
    return {file.size(), [&file](std::size_t i) { return file.take(i); },
            [&file](std::size_t i) { return file.line(i); }};
}

}  // namespace

std::vector<SubmissionError> error_codes(const RowPlan& row) {
    std::vector<SubmissionError> out;
    if (row.number) out.push_back({row.line, "personnummer", "pnr." + std::string(pnr_code(*row.number))});
    for (const auto& p : row.problems) {
        std::string code = "problem." + std::string(problem_code(p.problem));
        if (!p.detail.empty()) code += "|" + p.detail;
        out.push_back({row.line, p.field, code});
    }
    if (row.conflict) {
        std::string code = "conflict." + std::string(conflict_code(row.conflict->conflict));
        if (row.conflict->date) code += "|" + to_string(*row.conflict->date);
        else if (row.conflict->state) code += "|" + std::string(to_string(*row.conflict->state));
        else if (row.conflict->days) code += "|" + std::to_string(row.conflict->days);
        out.push_back({row.line, std::string(conflict_field(row.conflict->conflict)), code});
    }
    if (row.duplicate) out.push_back({row.line, "", "duplicate"});
    return out;
}

std::string month_of(Date d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d", d.year() % 10000, d.month() % 100);
    return buf;
}

std::variant<FileRows, Denied> read_file(std::string_view bytes) {
    auto parsed = csv::parse(csv::to_utf8(bytes));
    if (auto* no = std::get_if<csv::Unreadable>(&parsed)) return Denied{Refusal::unreadable, std::to_string(no->line)};
    auto& table = std::get<csv::Table>(parsed);
    if (table.rows.empty()) return Denied{Refusal::no_columns, "personnummer, utbildning, handelse, datum"};
    // Columns by their heading, in any order, Swedish or English, with or without å ä ö.
    const auto& names = field_names();
    std::vector<int> column_of(names.size(), -1);
    const auto& header = table.rows.front().fields;
    for (std::size_t c = 0; c < header.size(); ++c) {
        std::string h;
        for (const auto& w : studietider::search_words(header[c])) h += (h.empty() ? "" : "_") + w;
        for (std::size_t i = 0; i < names.size(); ++i)
            if (h == names[i].name || h == names[i].english) column_of[i] = static_cast<int>(c);
    }
    std::string missing;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const bool needed = names[i].member == &Fields::number || names[i].member == &Fields::education ||
                            names[i].member == &Fields::kind || names[i].member == &Fields::day;
        if (needed && column_of[i] < 0) missing += (missing.empty() ? "" : ", ") + std::string(names[i].name);
    }
    if (!missing.empty()) return Denied{Refusal::no_columns, missing};
    if (table.rows.size() - 1 > static_cast<std::size_t>(kMaxUploadRows))
        return Denied{Refusal::too_many_rows, std::to_string(kMaxUploadRows)};
    return FileRows{std::move(table), std::move(column_of)};
}

Fields FileRows::take(std::size_t i) {
    auto& cells = table.rows[i + 1].fields;
    Fields f = fields_of(cells, column_of);
    std::vector<std::string>().swap(cells);
    return f;
}

bool Service::check_identity_key() {
    const std::string check = identities_.lookup_hash(kKeyCheckText);
    auto tx = store_.begin(ports::TxMode::write);
    auto stored = tx->reports().vault_check();
    if (!stored) {
        tx->reports().set_vault_check(check);
        tx->commit();
        return true;
    }
    return tokens_.equal(*stored, check);
}

std::variant<ListView, Denied> Service::list_in(Unit& tx, std::optional<SchoolCode> school, const ListQuery& q,
                                                int limit, const portal::Viewer& v, const ClientInfo& client,
                                                Timestamp now) {
    ListView view;
    view.page = std::max(1, q.page);
    ReportFilter f;
    f.school = std::move(school);
    f.name = q.name;
    f.education = q.education;
    f.period = q.period;
    f.month = q.month;
    if (!q.kind.empty()) {
        f.kind = read_kind(q.kind);
        if (!f.kind) return view;  // no report is of a kind that does not exist
    }
    if (!q.number.empty()) {
        const Date today = days_.day_of(now);
        auto parsed = pnr::parse(q.number, today);
        if (auto* p = std::get_if<pnr::Problem>(&parsed)) {
            view.number_problem = *p;
            return view;
        }
        f.lookup_hash = identities_.lookup_hash(std::get<pnr::Number>(parsed).canonical);
        // A search by personal number is a read of personal data (the number itself is never logged).
        tx.audit().append({now, person_of(v), client.address, "report.search_number", "",
                           f.school ? f.school->value() : std::string{}, ""});
    }
    f.limit = limit + 1;
    f.offset = (view.page - 1) * limit;
    auto page = tx.reports().list(f);
    view.total = page.total;
    view.more = static_cast<int>(page.rows.size()) > limit;
    if (view.more) page.rows.pop_back();
    const Date today = days_.day_of(now);
    for (auto& row : page.rows) {
        ListRowView r{std::move(row), {}};
        if (!r.row.student.protected_identity) {
            if (auto canonical = identities_.open(r.row.student.sealed)) {
                auto parsed = pnr::parse(*canonical, today);
                if (auto* n = std::get_if<pnr::Number>(&parsed)) r.number = pnr::masked(*n, today);
            }
        } else {
            r.row.student.name.clear();
        }
        view.rows.push_back(std::move(r));
    }
    return view;
}

std::variant<ListView, Denied> Service::list(const portal::Viewer& v, const std::string& school, const ListQuery& q,
                                             const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::report_students, school)) return Denied{Refusal::not_allowed};
    auto tx = store_.begin(q.number.empty() ? ports::TxMode::read : ports::TxMode::write);
    auto out = list_in(*tx, SchoolCode{school}, q, kListPageSize, v, client, now);
    tx->commit();
    return out;
}

std::variant<std::string, Denied> Service::export_csv(const portal::Viewer& v, const std::string& school,
                                                      const ListQuery& q, bool full_numbers, const ClientInfo& client,
                                                      Timestamp now) {
    if (!v.may(authz::Action::report_students, school)) return Denied{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    ListQuery all = q;
    all.page = 1;
    auto listed = list_in(*tx, SchoolCode{school}, all, kMaxExportRows, v, client, now);
    auto& view = std::get<ListView>(listed);
    const Date today = days_.day_of(now);
    std::string out = "\xEF\xBB\xBF";  // so that Excel reads å ä ö
    out +=
        "rapport;personnummer;namn;utbildning;studieperiod;handelse;datum;sista_dag;studietakt;poang;timmar;"
        "godkand;rattar;orsak;rapporterad;rapporterad_av;kanal\r\n";
    for (const auto& r : view.rows) {
        const auto& ev = r.row.report.event;
        std::string number = r.number;
        if (full_numbers && !r.row.student.protected_identity) {
            if (auto canonical = identities_.open(r.row.student.sealed)) {
                auto parsed = pnr::parse(*canonical, today);
                if (auto* n = std::get_if<pnr::Number>(&parsed)) number = pnr::display(*n, today);
            }
        }
        if (r.row.student.protected_identity) number = "skyddad";
        const std::vector<std::string> cells{std::to_string(ev.id),
                                             number,
                                             r.row.student.name,
                                             r.row.education_code,
                                             r.row.period_label,
                                             std::string(to_string(ev.kind)),
                                             to_string(ev.day),
                                             ev.last ? to_string(*ev.last) : "",
                                             ev.pace ? std::to_string(studietider::percent(*ev.pace)) : "",
                                             ev.credits ? studietider::to_string(*ev.credits) : "",
                                             ev.hours ? std::to_string(ev.hours) : "",
                                             ev.passed ? (*ev.passed ? "ja" : "nej") : "",
                                             ev.supersedes ? std::to_string(ev.supersedes) : "",
                                             r.row.report.reason,
                                             to_string(days_.day_of(r.row.report.reported_at)),
                                             r.row.report.reported_by,
                                             std::string(to_string(r.row.report.channel))};
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (i) out += ';';
            out += csv::field(cells[i]);
        }
        out += "\r\n";
    }
    tx->audit().append({now, person_of(v), client.address, "report.export", "", school,
                        audit::say(full_numbers ? audit::Form("export_full_numbers") : audit::Form("export"),
                                   {std::to_string(view.rows.size())})});
    tx->commit();
    return out;
}

std::variant<StudentView, Denied> Service::student(const portal::Viewer& v, const std::string& school, std::int64_t id,
                                                   const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::report_students, school)) return Denied{Refusal::not_allowed};
    // Read in a read unit (no writer waits for it), then the read recorded in a short write unit
    // of its own, committed before the page is shown.
    auto tx = store_.begin(ports::TxMode::read);
    auto& rep = tx->reports();
    auto s = rep.student(SchoolCode{school}, id);
    if (!s) return Denied{Refusal::no_such_student};
    auto enrollments = rep.enrollments(SchoolCode{school}, id);
    if (enrollments.empty()) return Denied{Refusal::no_such_student};  // not a student of this school
    StudentView view;
    view.student = *s;
    const Date today = days_.day_of(now);
    if (s->protected_identity) {
        view.student.name.clear();  // masked here too, as in the lists: neither number nor name
    } else if (auto canonical = identities_.open(s->sealed)) {
        auto parsed = pnr::parse(*canonical, today);
        if (auto* n = std::get_if<pnr::Number>(&parsed)) view.number = pnr::display(*n, today);
    }
    for (auto& e : enrollments) {
        EnrollmentView ev;
        ev.history = rep.events(e.id);
        std::vector<Event> events;
        for (const auto& r : ev.history) {
            events.push_back(r.event);
            if (r.event.supersedes) ev.superseded.insert(r.event.supersedes);
        }
        ev.standing = standing(e.plan, events, today);
        std::reverse(ev.history.begin(), ev.history.end());
        ev.enrollment = std::move(e);
        view.enrollments.push_back(std::move(ev));
    }
    tx.reset();
    const AuditEvent read{
        now, person_of(v), client.address, "report.student_read", "student:" + std::to_string(id), school, ""};
    if (reads_ != nullptr) {
        // On disk before the page is shown, in one transaction with the reads of others at the moment.
        reads_->run([&read](Unit& u) { u.audit().append(read); });
        return view;
    }
    auto log = store_.begin(ports::TxMode::write);
    log->audit().append(read);
    log->commit();
    return view;
}

std::variant<std::vector<EducationInfo>, Denied> Service::educations(const portal::Viewer& v,
                                                                     const std::string& school) {
    if (!v.may(authz::Action::report_students, school)) return Denied{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    StoreSource source(*tx, school);
    std::vector<EducationInfo> out;
    for (const auto& e : tx->studietider().educations(SchoolCode{school})) {
        if (e.withdrawn_at) continue;
        if (auto info = source.education(e.code); info && !info->periods.empty()) out.push_back(std::move(*info));
    }
    return out;
}

Plan Service::plan(Unit& tx, const std::string& school, const std::vector<std::pair<int, Fields>>& rows, Date today) {
    StoreSource source(tx, school);
    Planner planner(source, identities_, today);
    planner.reserve(rows.size());
    for (const auto& [line, f] : rows) planner.add(line, f);
    return planner.take();
}

Plan Service::plan(Unit& tx, const std::string& school, const Rows& rows, Date today) {
    StoreSource source(tx, school);
    Planner planner(source, identities_, today);
    planner.reserve(rows.count);
    for (std::size_t i = 0; i < rows.count; ++i)
        planner.add(rows.line ? rows.line(i) : static_cast<int>(i + 1), rows.at(i));
    return planner.take();
}

int Service::write(Unit& tx, const std::string& school, Plan& plan, Channel channel, std::int64_t submission,
                   const std::string& by, Timestamp now) {
    auto& rep = tx.reports();
    // The plan's new ones are numbered -1, -2, …: the saved id of -n is at [n - 1].
    std::vector<std::int64_t> student_ids(plan.new_students.size());
    std::vector<std::int64_t> enrollment_ids(plan.new_enrollments.size());
    const auto real = [](const std::vector<std::int64_t>& ids, std::int64_t id) {
        if (id > 0) return id;
        const auto n = static_cast<std::size_t>(-id - 1);
        return n < ids.size() ? ids[n] : std::int64_t{0};
    };
    const SchoolCode code{school};
    // A new enrollment is written with the state its rows leave it in (no update after): taken into
    // it now, so that the states left are the saved enrollments' own.
    for (auto& e : plan.new_enrollments)
        if (auto it = plan.states.find(e.id); it != plan.states.end()) e.state = it->second;
    std::erase_if(plan.states, [](const auto& kv) { return kv.first < 0; });
    plan.states.rehash(0);  // (its buckets for the few left)
    // Each new student and enrollment is let go once written (its sealed number, hash and name):
    // a large upload does not hold them beside the database's page cache while its events are written.
    for (auto& s : plan.new_students) {
        s.created_at = now;
        const std::int64_t id = rep.add_student(s);
        student_ids[static_cast<std::size_t>(-s.id - 1)] = id;
        if (!s.name.empty()) rep.set_name(code, id, s.name, now);
        std::string().swap(s.lookup_hash);  // (assigning an empty one would keep the buffers)
        std::string().swap(s.sealed);
        std::string().swap(s.name);
    }
    std::vector<Student>().swap(plan.new_students);
    // Names only ever of this school's own record: another school's is neither read nor changed.
    for (const auto& [id, name] : plan.names) rep.set_name(code, id, name, now);
    for (auto& e : plan.new_enrollments) {
        e.school = code;
        e.student = real(student_ids, e.student);
        e.created_at = now;
        e.created_by = by;
        enrollment_ids[static_cast<std::size_t>(-e.id - 1)] = rep.add_enrollment(e);
    }
    std::vector<StudentEnrollment>().swap(plan.new_enrollments);
    const std::string month = month_of(days_.day_of(now));  // the month it was reported in, locally
    int saved = 0;
    for (auto& row : plan.rows) {
        if (!row.accepted()) continue;
        row.student = real(student_ids, row.student);
        row.enrollment = real(enrollment_ids, row.enrollment);
        ReportEvent r;
        r.event = row.event;
        r.event.id = 0;
        r.enrollment = row.enrollment;
        r.school = code;
        r.reason = row.reason;
        r.channel = channel;
        r.submission = submission;
        r.reported_at = now;
        r.reported_month = month;
        r.reported_by = by;
        row.event.id = rep.add_event(r);
        ++saved;
    }
    for (const auto& [id, state] : plan.states)
        if (id > 0) rep.set_state(id, state);
    return saved;
}

ReportOutcome Service::report(const portal::Viewer& v, const std::string& school, const Fields& f,
                              const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::report_students, school)) return Denied{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    Plan p = plan(*tx, school, {{1, f}}, days_.day_of(now));
    RowPlan& row = p.rows.front();
    if (row.duplicate) return Reported{row.student, 0};
    if (!row.accepted()) return row;
    write(*tx, school, p, Channel::web, 0, person_of(v), now);
    const std::string detail = row.event.supersedes
                                   ? audit::say("report_corrects", {to_string(row.event.kind), to_string(row.event.day),
                                                                    std::to_string(row.event.supersedes), row.reason})
                                   : audit::say("report", {to_string(row.event.kind), to_string(row.event.day)});
    tx->audit().append({now, person_of(v), client.address,
                        row.event.supersedes ? audit::Kind("report.corrected") : audit::Kind("report.sent"),
                        "student:" + std::to_string(row.student), school, detail.substr(0, 300)});
    tx->commit();
    return Reported{row.student, row.event.id};
}

std::variant<std::monostate, Denied> Service::set_student(const portal::Viewer& v, const std::string& school,
                                                          std::int64_t id, const std::string& name,
                                                          bool protected_identity, const ClientInfo& client,
                                                          Timestamp now) {
    if (!v.may(authz::Action::report_students, school)) return Denied{Refusal::not_allowed};
    const SchoolCode code{school};
    auto tx = store_.begin(ports::TxMode::write);
    auto& rep = tx->reports();
    auto s = rep.student(code, id);
    if (!s || rep.enrollments(code, id).empty()) return Denied{Refusal::no_such_student};
    // A protected identity is a fact about the person: any school may set it, only the agency lifts it.
    if (s->protected_identity && !protected_identity) {
        // Nothing changes; the attempt is in the audit log.
        tx->audit().append({now, person_of(v), client.address, "report.protection_refused",
                            "student:" + std::to_string(id), school, ""});
        tx->commit();
        return Denied{Refusal::protection_kept};
    }
    rep.set_name(code, id, name.substr(0, 200), now);
    const bool protects = protected_identity && !s->protected_identity;
    if (protects) rep.set_protected(id, true);
    tx->audit().append({now, person_of(v), client.address, "report.student_changed", "student:" + std::to_string(id),
                        school, protects ? audit::say("protected_identity") : std::string()});
    tx->commit();
    return std::monostate{};
}

std::variant<std::monostate, Denied> Service::set_protection(const portal::Viewer& v, std::int64_t id,
                                                             bool protected_identity, const ClientInfo& client,
                                                             Timestamp now) {
    if (!v.may(authz::Action::administer_agency, {})) return Denied{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    auto& rep = tx->reports();
    auto s = rep.student(SchoolCode{}, id);
    if (!s) return Denied{Refusal::no_such_student};
    if (s->protected_identity != protected_identity) {
        rep.set_protected(id, protected_identity);
        tx->audit().append(
            {now, person_of(v), client.address,
             protected_identity ? audit::Kind("report.protection_set") : audit::Kind("report.protection_lifted"),
             "student:" + std::to_string(id), "", ""});
    }
    tx->commit();
    return std::monostate{};
}

const std::string& example_file() {
    static const std::string text = [] {
        std::string out = "\xEF\xBB\xBF";  // the byte-order mark: Excel then reads it as UTF-8
        for (const auto& n : field_names()) out += (out.size() == 3 ? "" : ";") + std::string(n.name);
        out += "\r\n";
        for (const char* row : {
                 "19821105-9954;Märta Åström;EKO1;HT26;studiemedel;studiestart;2026-08-31;;;;;;;",
                 "19821105-9954;;EKO1;HT26;;studietid;2026-08-31;2027-01-17;;;;;;",
                 "19821105-9954;;EKO1;HT26;;lov;2026-12-21;2027-01-06;;;;;;",
                 "19821105-9954;;EKO1;HT26;;andrad-omfattning;2026-10-05;;75;;;;;",
                 "19821105-9954;;EKO1;HT26;;studieresultat;2026-11-20;;;22,5;;ja;;",
                 "19121212-1212;Tolvan Tolvansson;EKO1;HT26;studiemedel;studiestart;2026-08-31;;;;;;;",
                 "19121212-1212;;EKO1;HT26;;avbrott;2026-11-02;;;;;;;",
             })
            out += std::string(row) + "\r\n";
        return out;
    }();
    return text;
}

std::variant<std::string, Denied> Service::example(const portal::Viewer& v, const std::string& school) const {
    if (!v.may(authz::Action::report_students, school)) return Denied{Refusal::not_allowed};
    return example_file();
}

std::variant<Upload, Denied> Service::preview(const portal::Viewer& v, const std::string& school,
                                              std::string_view bytes, const std::string& file_name,
                                              const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::report_students, school)) return Denied{Refusal::not_allowed};
    auto rows = read_file(bytes);
    if (auto* no = std::get_if<Denied>(&rows)) return *no;
    auto tx = store_.begin(ports::TxMode::write);
    Upload up;
    up.plan = plan(*tx, school, file_rows(std::get<FileRows>(rows)), days_.day_of(now));
    up.sha256 = tokens_.sha256(bytes);
    up.fingerprint = fingerprint_of(up.plan);
    Submission s;
    s.school = SchoolCode{school};
    s.channel = Channel::file;
    s.file_name = file_name.substr(0, 200);
    s.sha256 = up.sha256;
    s.rows = static_cast<int>(up.plan.rows.size());
    s.accepted = up.plan.accepted;
    s.refused = up.plan.refused;
    s.duplicates = up.plan.duplicates;
    s.state = SubmissionState::validated;
    s.uploaded_by = person_of(v);
    s.uploaded_at = now;
    for (const auto& r : up.plan.rows)
        for (auto& e : error_codes(r)) s.errors.push_back(std::move(e));
    up.submission = tx->reports().add_submission(s);
    tx->audit().append({now, person_of(v), client.address, "report.file_checked",
                        "submission:" + std::to_string(up.submission), school,
                        audit::say("file_checked", {std::to_string(s.rows), std::to_string(s.refused)})});
    tx->commit();
    return up;
}

SaveOutcome Service::save(const portal::Viewer& v, const std::string& school, std::int64_t submission,
                          std::string_view bytes, SaveMode mode, const std::string& fingerprint,
                          const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::report_students, school)) return Denied{Refusal::not_allowed};
    auto rows = read_file(bytes);
    // A file that cannot be read cannot be the one the preview read: no such submission.
    if (std::holds_alternative<Denied>(rows)) return Denied{Refusal::no_such_submission};
    auto tx = store_.begin(ports::TxMode::write);
    auto& rep = tx->reports();
    auto s = rep.submission(SchoolCode{school}, submission);
    const std::string sha = tokens_.sha256(bytes);
    if (!s || s->state != SubmissionState::validated || s->sha256 != sha || s->channel != Channel::file)
        return Denied{Refusal::no_such_submission};
    Upload up;
    up.submission = submission;
    up.plan = plan(*tx, school, file_rows(std::get<FileRows>(rows)), days_.day_of(now));
    up.sha256 = sha;
    up.fingerprint = fingerprint_of(up.plan);
    if (up.fingerprint != fingerprint) return UploadChanged{std::move(up)};
    if (mode == SaveMode::all_or_nothing && up.plan.refused > 0) return UploadNotSaved{std::move(up)};
    UploadSaved out;
    out.submission = submission;
    out.saved = write(*tx, school, up.plan, Channel::file, submission, person_of(v), now);
    out.state = state_after(up.plan, out.saved);
    rep.finish_submission(submission, out.state, out.saved);
    tx->audit().append({now, person_of(v), client.address, "report.file_saved",
                        "submission:" + std::to_string(submission), school,
                        audit::say("file_saved", {std::to_string(out.saved)})});
    tx->commit();
    out.plan = std::move(up.plan);
    return out;
}

std::variant<std::vector<Submission>, Denied> Service::submissions(const portal::Viewer& v, const std::string& school) {
    if (!v.may(authz::Action::report_students, school)) return Denied{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    return tx->reports().submissions(SchoolCode{school}, 100);
}

std::variant<Submission, Denied> Service::submission(const portal::Viewer& v, const std::string& school,
                                                     std::int64_t id) {
    if (!v.may(authz::Action::report_students, school)) return Denied{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    auto s = tx->reports().submission(SchoolCode{school}, id);
    if (!s) return Denied{Refusal::no_such_submission};
    return *s;
}

std::variant<UploadSaved, UploadNotSaved, Denied> Service::api(const std::string& secret, const std::string& school,
                                                               const Rows& rows, std::optional<SaveMode> mode,
                                                               const std::string& body_sha256, const ClientInfo& client,
                                                               Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    auto& rep = tx->reports();
    auto key = secret.empty() ? std::nullopt : rep.key_by_digest(tokens_.digest(secret));
    if (!key || key->revoked_at) return Denied{Refusal::key_refused};
    if (key->school.value() != school) return Denied{Refusal::not_allowed};
    if (rows.count > static_cast<std::size_t>(kMaxUploadRows))
        return Denied{Refusal::too_many_rows, std::to_string(kMaxUploadRows)};
    const std::string by = "api:" + key->name;
    Upload up;
    up.plan = plan(*tx, school, rows, days_.day_of(now));
    Submission s;
    s.school = key->school;
    s.channel = Channel::api;
    s.file_name = "";
    s.sha256 = body_sha256;
    s.rows = static_cast<int>(rows.count);
    s.accepted = up.plan.accepted;
    s.refused = up.plan.refused;
    s.duplicates = up.plan.duplicates;
    s.state = SubmissionState::validated;
    s.uploaded_by = by;
    s.uploaded_at = now;
    for (const auto& r : up.plan.rows)
        for (auto& e : error_codes(r)) s.errors.push_back(std::move(e));
    const bool refuse_all = mode == SaveMode::all_or_nothing && up.plan.refused > 0;
    if (mode && !refuse_all) s.state = SubmissionState::saved;  // finished below with its count
    if (refuse_all) s.state = SubmissionState::nothing_saved;
    const std::int64_t id = rep.add_submission(s);
    rep.key_used(key->id, now);
    UploadSaved out;
    out.submission = id;
    out.state = s.state;
    if (mode && !refuse_all) {
        out.saved = write(*tx, school, up.plan, Channel::api, id, by, now);
        out.state = state_after(up.plan, out.saved);
        rep.finish_submission(id, out.state, out.saved);
    }
    tx->audit().append({now, by, client.address,
                        mode ? audit::Kind("report.api_saved") : audit::Kind("report.api_checked"),
                        "submission:" + std::to_string(id), school,
                        audit::say("api_saved", {std::to_string(out.saved), std::to_string(rows.count)})});
    tx->commit();
    if (refuse_all) {
        up.submission = id;
        return UploadNotSaved{std::move(up)};
    }
    out.plan = std::move(up.plan);
    return out;
}

std::optional<Denied> Service::check_key(const std::string& secret, const std::string& school) {
    if (secret.empty()) return Denied{Refusal::key_refused};
    auto tx = store_.begin(ports::TxMode::read);
    auto key = tx->reports().key_by_digest(tokens_.digest(secret));
    if (!key || key->revoked_at) return Denied{Refusal::key_refused};
    if (key->school.value() != school) return Denied{Refusal::not_allowed};
    return std::nullopt;
}

std::variant<std::vector<ApiKey>, Denied> Service::keys(const portal::Viewer& v, const std::string& school) {
    if (!v.may(authz::Action::manage_api_keys, school)) return Denied{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    return tx->reports().keys(SchoolCode{school});
}

std::variant<NewKey, Denied> Service::create_key(const portal::Viewer& v, const std::string& school,
                                                 const std::string& name, const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::manage_api_keys, school)) return Denied{Refusal::not_allowed};
    NewKey out;
    out.secret = "mina_" + tokens_.token();
    out.key.school = SchoolCode{school};
    out.key.name = name.substr(0, 100);
    if (out.key.name.find_first_not_of(" \t") == std::string::npos) out.key.name = "API";
    out.key.digest = tokens_.digest(out.secret);
    out.key.prefix = out.secret.substr(0, 12);
    out.key.created_at = now;
    out.key.created_by = person_of(v);
    auto tx = store_.begin(ports::TxMode::write);
    out.key.id = tx->reports().add_key(out.key);
    tx->audit().append({now, person_of(v), client.address, "report.key_created", "key:" + std::to_string(out.key.id),
                        school, out.key.name});
    tx->commit();
    return out;
}

std::variant<std::monostate, Denied> Service::revoke_key(const portal::Viewer& v, const std::string& school,
                                                         std::int64_t id, const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::manage_api_keys, school)) return Denied{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    if (!tx->reports().revoke_key(SchoolCode{school}, id, now)) return Denied{Refusal::no_such_key};
    tx->audit().append(
        {now, person_of(v), client.address, "report.key_revoked", "key:" + std::to_string(id), school, ""});
    tx->commit();
    return std::monostate{};
}

std::variant<std::vector<ReportCount>, Denied> Service::counts(const portal::Viewer& v, const std::string& from_month) {
    if (!v.may(authz::Action::administer_agency, {})) return Denied{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    return tx->reports().counts(from_month);
}

std::variant<ListView, Denied> Service::agency_list(const portal::Viewer& v, const ListQuery& q,
                                                    const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::administer_agency, {})) return Denied{Refusal::not_allowed};
    auto tx = store_.begin(q.number.empty() ? ports::TxMode::read : ports::TxMode::write);
    std::optional<SchoolCode> school;
    if (!q.school.empty()) school = SchoolCode{q.school};
    auto out = list_in(*tx, school, q, kListPageSize, v, client, now);
    tx->commit();
    return out;
}

}  // namespace mina::reports
