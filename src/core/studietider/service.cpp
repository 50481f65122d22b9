#include "core/studietider/service.hpp"

#include <algorithm>
#include <map>

#include "core/common/csv.hpp"

namespace mina::studietider {

namespace {

AuditEvent event(const portal::Viewer& v, const ClientInfo& client, Timestamp now, audit::Kind kind,
                 const std::string& school, std::string detail) {
    return {now, v.person.username.value(), client.address, kind, {}, school, std::move(detail)};
}

std::string describe(const PeriodInput& p) { return p.label + " " + to_string(p.first) + "–" + to_string(p.last); }

/// A published version's figures by today's rules and the education as it is now (the stored ones
/// are what was derived when it was published; see PublishedPeriod).
void rederive(PublishedPeriod& v, const EducationTerms& terms) {
    auto figures = derive_period(terms, v.input);
    v.weeks = figures.weeks.total();
    v.pace = figures.pace;
    v.paid_weeks = figures.paid_weeks;
    v.marks = std::move(figures.marks);
}

}  // namespace

std::variant<std::vector<Education>, Refused> Service::educations(const portal::Viewer& v, const std::string& school) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    return tx->studietider().educations(SchoolCode{school});
}

std::variant<EducationView, Refused> Service::education(const portal::Viewer& v, const std::string& school,
                                                        const std::string& code, Date today) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    auto& st = tx->studietider();
    auto e = st.education(SchoolCode{school}, code);
    if (!e) return Refused{Refusal::no_such_education};
    EducationView view{*e, {}};
    for (auto& p : st.periods(e->id)) {
        auto assessment = assess_period(e->terms(), p.input, today);
        auto versions = st.versions(p.id);
        for (auto& ver : versions) rederive(ver, e->terms());
        view.periods.push_back({std::move(p), std::move(assessment), std::move(versions)});
    }
    return view;
}

EducationOutcome Service::create_education(const portal::Viewer& v, const std::string& school, const EducationInput& in,
                                           const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    auto check = validate_education(in);
    if (!check.accepted()) return EducationInvalid{std::move(check)};
    Education e;
    e.school = SchoolCode{school};
    e.code = in.code;
    e.name = in.name;
    e.level = in.level;
    e.unit = in.unit;
    e.total_credits = in.total_credits;
    e.distance = in.distance;
    e.contract = in.contract;
    e.created_at = now;
    e.updated_at = now;
    auto tx = store_.begin(ports::TxMode::write);
    const auto id = tx->studietider().add_education(e);
    if (!id) return Refused{Refusal::code_taken};
    tx->audit().append(event(v, client, now, "education.added", school, in.code + " " + in.name));
    tx->commit();
    return Saved{*id, check.warnings};
}

EducationOutcome Service::change_education(const portal::Viewer& v, const std::string& school, const std::string& code,
                                           const EducationInput& in, const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    EducationInput changed = in;
    changed.code = code;
    auto check = validate_education(changed);
    if (!check.accepted()) return EducationInvalid{std::move(check)};
    auto tx = store_.begin(ports::TxMode::write);
    auto& st = tx->studietider();
    auto e = st.education(SchoolCode{school}, code);
    if (!e) return Refused{Refusal::no_such_education};
    if (e->withdrawn_at) return Refused{Refusal::withdrawn};
    const std::string before = e->name;
    e->name = changed.name;
    e->level = changed.level;
    e->unit = changed.unit;
    e->total_credits = changed.total_credits;
    e->distance = changed.distance;
    e->contract = changed.contract;
    e->updated_at = now;
    st.update_education(*e);
    tx->audit().append(event(v, client, now, "education.changed", school,
                             code + (before == e->name ? " " + e->name : " " + before + " -> " + e->name)));
    tx->commit();
    return Saved{e->id, check.warnings};
}

Outcome Service::withdraw_education(const portal::Viewer& v, const std::string& school, const std::string& code,
                                    const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    auto e = tx->studietider().education(SchoolCode{school}, code);
    if (!e) return Refused{Refusal::no_such_education};
    if (e->withdrawn_at) return Refused{Refusal::withdrawn};
    tx->studietider().withdraw_education(e->id, now);
    tx->audit().append(event(v, client, now, "education.withdrawn", school, code + " " + e->name));
    tx->commit();
    return Saved{e->id, {}};
}

PeriodOutcome Service::save_period(const portal::Viewer& v, const std::string& school, const std::string& code,
                                   std::int64_t id, const PeriodInput& in, bool confirmed, const ClientInfo& client,
                                   Timestamp now) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    auto& st = tx->studietider();
    auto e = st.education(SchoolCode{school}, code);
    if (!e) return Refused{Refusal::no_such_education};
    if (e->withdrawn_at) return Refused{Refusal::withdrawn};
    std::optional<StudyPeriod> existing;
    if (id != 0) {
        existing = st.period(id);
        if (!existing || existing->education != e->id) return Refused{Refusal::no_such_period};
        if (existing->withdrawn_at) return Refused{Refusal::withdrawn};
    }
    auto assessment = assess_period(e->terms(), in, days_.day_of(now));
    std::vector<PeriodInput> others;
    for (auto& p : st.periods(e->id))
        if (p.id != id && !p.withdrawn_at) others.push_back(std::move(p.input));
    auto overlap = assessment.accepted() ? find_overlap(in, others) : std::nullopt;
    if (!assessment.accepted() || overlap) return PeriodInvalid{std::move(assessment), std::move(overlap)};
    if (!assessment.questions.empty() && !confirmed) return PeriodQuestions{std::move(assessment)};
    StudyPeriod p = existing.value_or(StudyPeriod{});
    p.education = e->id;
    p.input = in;
    p.changed = true;
    p.updated_at = now;
    p.updated_by = v.person.username.value();
    if (existing) {
        st.update_period(p);
    } else {
        p.id = st.add_period(p);
    }
    tx->audit().append(event(v, client, now, existing ? audit::Kind("period.changed") : audit::Kind("period.added"),
                             school, code + " " + describe(in)));
    tx->commit();
    return Saved{p.id, {}};
}

namespace {

struct Located {
    Education education;
    StudyPeriod period;
};

/// The period `id` of the school's education `code`; refused when either is missing or withdrawn
/// (a withdrawn education still lets its periods be withdrawn when `open_education` is false).
std::variant<Located, Refused> locate(ports::Studietider& st, const std::string& school, const std::string& code,
                                      std::int64_t id, bool open_education) {
    auto e = st.education(SchoolCode{school}, code);
    if (!e) return Refused{Refusal::no_such_education};
    if (open_education && e->withdrawn_at) return Refused{Refusal::withdrawn};
    auto p = st.period(id);
    if (!p || p->education != e->id) return Refused{Refusal::no_such_period};
    if (p->withdrawn_at) return Refused{Refusal::withdrawn};
    return Located{std::move(*e), std::move(*p)};
}

}  // namespace

Outcome Service::publish_period(const portal::Viewer& v, const std::string& school, const std::string& code,
                                std::int64_t id, const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    auto& st = tx->studietider();
    auto found = locate(st, school, code, id, true);
    if (auto* no = std::get_if<Refused>(&found)) return *no;
    const auto& [e, p] = std::get<Located>(found);
    if (!p.changed) return Saved{id, {}};  // already what students see
    const auto assessment = derive_period(e.terms(), p.input);
    PublishedPeriod version;
    version.period = id;
    version.version = p.published_version + 1;
    version.input = p.input;
    version.weeks = assessment.weeks.total();
    version.pace = assessment.pace;
    version.paid_weeks = assessment.paid_weeks;
    version.published_at = now;
    version.published_by = v.person.username.value();
    st.publish_period(version);
    tx->audit().append(
        event(v, client, now, "period.published", school,
              audit::say("period_published", {code + " " + describe(p.input), std::to_string(version.version)})));
    tx->commit();
    return Saved{id, {}};
}

Outcome Service::withdraw_period(const portal::Viewer& v, const std::string& school, const std::string& code,
                                 std::int64_t id, const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    auto& st = tx->studietider();
    auto found = locate(st, school, code, id, false);
    if (auto* no = std::get_if<Refused>(&found)) return *no;
    const auto& p = std::get<Located>(found).period;
    st.withdraw_period(id, now);
    tx->audit().append(event(v, client, now, "period.withdrawn", school, code + " " + describe(p.input)));
    tx->commit();
    return Saved{id, {}};
}

std::variant<std::vector<SchoolContact>, Refused> Service::contacts(const portal::Viewer& v,
                                                                    const std::string& school) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    return tx->studietider().contacts(SchoolCode{school});
}

std::variant<Saved, ContactInvalid, Refused> Service::add_contact(const portal::Viewer& v, const std::string& school,
                                                                  SchoolContact c, const ClientInfo& client,
                                                                  Timestamp now) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    const auto line = [](const std::string& s, std::size_t max) {
        return s.size() <= max &&
               std::none_of(s.begin(), s.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; });
    };
    if (c.name.empty() || (c.email.empty() && c.phone.empty()) || !line(c.name, 100) || !line(c.role, 100) ||
        !line(c.email, 254) || !line(c.phone, 40) || (!c.email.empty() && c.email.find('@') == std::string::npos))
        return ContactInvalid{};
    c.school = SchoolCode{school};
    auto tx = store_.begin(ports::TxMode::write);
    const auto id = tx->studietider().add_contact(c);
    tx->audit().append(event(v, client, now, "contact.added", school, c.name + ", " + c.role));
    tx->commit();
    return Saved{id, {}};
}

Outcome Service::remove_contact(const portal::Viewer& v, const std::string& school, std::int64_t id,
                                const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    if (!tx->studietider().remove_contact(SchoolCode{school}, id)) return Refused{Refusal::no_such_period};
    tx->audit().append(event(v, client, now, "contact.removed", school, std::to_string(id)));
    tx->commit();
    return Saved{id, {}};
}

namespace {

/// More changed educations than this at once (a large upload elsewhere): the index is read anew.
constexpr int kMostChangesRead = 20'000;

}  // namespace

void Service::refresh_search(ports::Studietider& st) {
    std::int64_t seen = 0;
    {
        std::lock_guard lock(search_mutex_);
        seen = seen_;
    }
    const auto changes = st.search_changes(seen, kMostChangesRead);  // outside the lock: a statement
    std::lock_guard lock(search_mutex_);
    if (loaded_ && changes.latest == seen_) return;
    const bool gap = changes.oldest > seen_ + 1 && seen_ > 0;  // rows it has not read are deleted
    const bool ahead = changes.latest < seen_;                 // another unit read a newer snapshot
    if (loaded_ && ahead) return;
    if (!loaded_ || gap || changes.educations.size() >= static_cast<std::size_t>(kMostChangesRead)) {
        index_.clear();
        for (const auto& e : st.search_entries({})) index_.put(e);
        loaded_ = true;
    } else {
        // Changed since seen_ as this unit sees them; changes newer than the unit's snapshot are
        // read by a later search.
        // (Educations are never deleted, so each changed id is read back, withdrawn or not.)
        for (const auto& e : st.search_entries(changes.educations)) index_.put(e);
    }
    seen_ = changes.latest;
}

std::size_t Service::load_search() {
    auto tx = store_.begin(ports::TxMode::read);
    refresh_search(tx->studietider());
    std::lock_guard lock(search_mutex_);
    return index_.size();
}

std::int64_t Service::search_generation() {
    auto tx = store_.begin(ports::TxMode::read);
    refresh_search(tx->studietider());
    std::lock_guard lock(search_mutex_);
    return seen_;
}

PublicResults Service::search(const std::string& text, const std::string& term, int page) {
    return search(text, term, page, true);
}

PublicResults Service::search_caught_up(const std::string& text, const std::string& term, int page) {
    return search(text, term, page, false);
}

PublicResults Service::search(const std::string& text, const std::string& term, int page, bool catch_up) {
    PublicResults out;
    out.page = std::clamp(page, 1, kMaxPublicPage);
    if (text.size() > 100 || term.size() > kMaxLabelChars) return out;
    auto words = search_words(text);
    if (words.empty()) return out;
    if (words.size() > kMaxSearchWords) words.resize(kMaxSearchWords);
    out.searched = true;
    std::string t = term;
    t.erase(0, t.find_first_not_of(' '));
    t.erase(t.find_last_not_of(' ') + 1);
    auto tx = store_.begin(ports::TxMode::read);
    auto& st = tx->studietider();
    if (catch_up) refresh_search(st);
    SearchIndex::Page found;
    {
        std::lock_guard lock(search_mutex_);
        found = index_.find(words, t, static_cast<std::size_t>(out.page - 1) * kPublicPageSize, kPublicPageSize);
        out.generation = seen_;
    }
    out.more = found.more;
    out.total = found.hits;
    out.hits = st.public_educations(found.ids);
    for (auto& hit : out.hits)
        for (auto& p : hit.periods) rederive(p, hit.education.terms());
    return out;
}

// ---- The school's file ------------------------------------------------------------------------------

namespace {

file::Current current_of(ports::Studietider& st, const std::string& school) {
    return {st.educations(SchoolCode{school}), st.school_periods(SchoolCode{school})};
}

}  // namespace

std::variant<std::string, Refused> Service::file(const portal::Viewer& v, const std::string& school) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    return file::write(current_of(tx->studietider(), school));
}

std::variant<file::Plan, file::FileRefused, Refused> Service::plan_file(const portal::Viewer& v,
                                                                        const std::string& school,
                                                                        std::string_view text, Date today) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    const std::string utf8 = csv::to_utf8(text);
    auto tx = store_.begin(ports::TxMode::read);
    auto planned = file::plan(utf8, current_of(tx->studietider(), school), today);
    if (auto* no = std::get_if<file::FileRefused>(&planned)) return std::move(*no);
    return std::get<file::Plan>(std::move(planned));
}

FileOutcome Service::save_file(const portal::Viewer& v, const std::string& school, std::string_view text,
                               const std::string& fingerprint, const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::studietider, school)) return Refused{Refusal::not_allowed};
    const std::string utf8 = csv::to_utf8(text);
    // Planned again under the write lock: what is saved is what was checked.
    auto tx = store_.begin(ports::TxMode::write);
    auto& st = tx->studietider();
    auto planned = file::plan(utf8, current_of(st, school), days_.day_of(now));
    if (auto* no = std::get_if<file::FileRefused>(&planned)) return std::move(*no);
    auto& plan = std::get<file::Plan>(planned);
    if (plan.fingerprint != fingerprint) return FilePlanChanged{std::move(plan)};
    if (!plan.savable()) return FileNotSavable{std::move(plan)};

    const std::string who = v.person.username.value();
    FileSaved done;
    std::map<std::string, std::int64_t> added;  // code -> id of the education this upload adds
    for (const auto& r : plan.rows) {
        std::int64_t education = r.education_id;
        if (r.education_added) {
            Education e;
            e.school = SchoolCode{school};
            e.code = r.education.code;
            e.name = r.education.name;
            e.level = r.education.level;
            e.unit = r.education.unit;
            e.total_credits = r.education.total_credits;
            e.distance = r.education.distance;
            e.contract = r.education.contract;
            e.created_at = now;
            e.updated_at = now;
            const auto id = st.add_education(e);
            if (!id) return FilePlanChanged{std::move(plan)};  // cannot be under the lock; said safely
            added[e.code] = *id;
            ++done.educations_added;
        } else if (r.education_changed) {
            auto e = st.education(SchoolCode{school}, r.education.code);
            if (!e) return FilePlanChanged{std::move(plan)};
            e->name = r.education.name;
            e->level = r.education.level;
            e->unit = r.education.unit;
            e->total_credits = r.education.total_credits;
            e->distance = r.education.distance;
            e->contract = r.education.contract;
            e->updated_at = now;
            st.update_education(*e);
            ++done.educations_changed;
        }
        if (education == 0) education = added.at(r.education.code);
        if (!r.period || !(r.period_added || r.period_changed || r.period_published)) continue;
        StudyPeriod p;
        p.id = r.period_id;
        p.education = education;
        p.input = *r.period;
        p.updated_at = now;
        p.updated_by = who;
        int version = 0;
        if (r.period_added) {
            p.id = st.add_period(p);
            ++done.periods_added;
        } else {
            auto saved = st.period(r.period_id);
            if (!saved) return FilePlanChanged{std::move(plan)};
            version = saved->published_version;
            if (r.period_changed) {
                st.update_period(p);
                ++done.periods_changed;
            }
        }
        if (r.period_published) {
            const auto assessment = derive_period(terms_of(r.education), p.input);
            PublishedPeriod pub;
            pub.period = p.id;
            pub.version = version + 1;
            pub.input = p.input;
            pub.weeks = assessment.weeks.total();
            pub.pace = assessment.pace;
            pub.paid_weeks = assessment.paid_weeks;
            pub.published_at = now;
            pub.published_by = who;
            st.publish_period(pub);
            ++done.periods_published;
        }
    }
    tx->audit().append(
        event(v, client, now, "studietider.file.saved", school,
              audit::say("studietider_file_saved",
                         {std::to_string(plan.rows.size()), std::to_string(done.educations_added),
                          std::to_string(done.educations_changed), std::to_string(done.periods_added),
                          std::to_string(done.periods_changed), std::to_string(done.periods_published)})));
    tx->commit();
    return done;
}

}  // namespace mina::studietider
