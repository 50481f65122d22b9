// Studeranderapportering (ports::Reports) on every store: students with each school's own name for
// them, enrollments, the append-only report events and their lists and counts, submissions with
// their errors, API keys and the identity key's check value.
#include <vector>

#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

Date day(int y, int m, int d) { return *Date::from_ymd(y, m, d); }

Student student(const char* hash, bool protected_identity = false) {
    Student s;
    s.lookup_hash = hash;
    s.sealed = std::string("sealed-") + hash;
    s.protected_identity = protected_identity;
    s.created_at = kT;
    return s;
}

/// Two schools (S2's name sorts first), an education with two periods at S1 and one at S2.
struct World {
    std::int64_t e1 = 0, p1 = 0, p2 = 0, e2 = 0, p3 = 0;
};

World world(ports::Unit& tx) {
    tx.schools().add({SchoolCode{"S1"}, "Beta", SchoolForm::komvux}, kT);
    tx.schools().add({SchoolCode{"S2"}, "Alfa", SchoolForm::komvux}, kT);
    auto& st = tx.studietider();
    World w;
    Education e;
    e.school = SchoolCode{"S1"};
    e.code = "E1";
    e.name = "Svenska";
    e.created_at = e.updated_at = kT;
    w.e1 = *st.add_education(e);
    e.school = SchoolCode{"S2"};
    e.code = "E2";
    e.name = "Engelska";
    w.e2 = *st.add_education(e);
    StudyPeriod p;
    p.education = w.e1;
    p.input.label = "HT2026";
    p.input.first = day(2026, 8, 24);
    p.input.last = day(2027, 1, 15);
    p.updated_at = kT;
    w.p1 = st.add_period(p);
    p.input.label = "VT2027";
    p.input.first = day(2027, 1, 18);
    p.input.last = day(2027, 6, 4);
    w.p2 = st.add_period(p);
    p.education = w.e2;
    w.p3 = st.add_period(p);
    return w;
}

StudentEnrollment enrollment(const char* school, std::int64_t student, std::int64_t education, std::int64_t period) {
    StudentEnrollment n;
    n.school = SchoolCode{school};
    n.student = student;
    n.education = education;
    n.period = period;
    n.plan.support = reports::Support::studiehjalp;
    n.plan.first = day(2026, 8, 24);
    n.plan.last = day(2027, 1, 15);
    n.plan.pace = studietider::Pace::three_quarters;
    n.created_at = kT;
    n.created_by = "ab1001";
    return n;
}

ReportEvent event(std::int64_t enrollment, const char* school, reports::Kind kind, Timestamp at) {
    ReportEvent r;
    r.event.kind = kind;
    r.event.day = day(2026, 8, 24);
    r.enrollment = enrollment;
    r.school = SchoolCode{school};
    r.channel = Channel::web;
    r.reported_at = at;
    r.reported_month = "2026-08";
    r.reported_by = "ab1001";
    return r;
}

TEST_P(ReportsContract, AStudentIsOnePersonWithEachSchoolsOwnName) {
    auto tx = write();
    world(*tx);
    auto& r = tx->reports();
    const auto id = r.add_student(student("h1"));
    EXPECT_GT(id, 0);
    const auto other = r.add_student(student("h2", true));
    EXPECT_NE(other, id);
    auto s = r.student_by_hash(SchoolCode{"S1"}, "h1");
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->id, id);
    EXPECT_EQ(s->lookup_hash, "h1");
    EXPECT_EQ(s->sealed, "sealed-h1");
    EXPECT_EQ(s->name, "") << "S1 has recorded no name";
    EXPECT_FALSE(s->protected_identity);
    EXPECT_EQ(s->created_at, kT);
    EXPECT_FALSE(r.student_by_hash(SchoolCode{"S1"}, "h9").has_value());
    EXPECT_TRUE(r.student(SchoolCode{"S1"}, other)->protected_identity);
    EXPECT_FALSE(r.student(SchoolCode{"S1"}, 9999).has_value());

    r.set_name(SchoolCode{"S1"}, id, "Anna Andersson", kT);
    r.set_name(SchoolCode{"S2"}, id, "Anna A.", kT);
    EXPECT_EQ(r.student(SchoolCode{"S1"}, id)->name, "Anna Andersson");
    EXPECT_EQ(r.student(SchoolCode{"S2"}, id)->name, "Anna A.") << "each school reads its own";
    EXPECT_EQ(r.student(SchoolCode{""}, id)->name, "") << "no school: no name";
    r.set_name(SchoolCode{"S1"}, id, "Anna Berg", kT + 1s);
    EXPECT_EQ(r.student_by_hash(SchoolCode{"S1"}, "h1")->name, "Anna Berg") << "replaced";
    EXPECT_EQ(r.student(SchoolCode{"S2"}, id)->name, "Anna A.");
    r.set_protected(id, true);
    EXPECT_TRUE(r.student(SchoolCode{"S2"}, id)->protected_identity) << "of the person, at every school";
    tx->commit();

    tx = write();
    EXPECT_THROW((void)tx->reports().add_student(student("h1")), std::runtime_error) << "one person per number";
    tx.reset();
    EXPECT_FALSE(read()->reports().student_by_hash(SchoolCode{"S1"}, "h3").has_value());
}

TEST_P(ReportsContract, EnrollmentsAndTheirEventsInTheOrderSaved) {
    auto tx = write();
    const auto w = world(*tx);
    auto& r = tx->reports();
    const auto anna = r.add_student(student("h1"));
    const auto bo = r.add_student(student("h2"));
    const auto n1 = r.add_enrollment(enrollment("S1", anna, w.e1, w.p1));
    const auto n2 = r.add_enrollment(enrollment("S1", bo, w.e1, w.p1));
    const auto n3 = r.add_enrollment(enrollment("S1", anna, w.e1, w.p2));
    const auto n4 = r.add_enrollment(enrollment("S2", anna, w.e2, w.p3));

    const auto n = r.enrollment(n1);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->school.value(), "S1");
    EXPECT_EQ(n->student, anna);
    EXPECT_EQ(n->education, w.e1);
    EXPECT_EQ(n->period, w.p1);
    EXPECT_EQ(n->plan.support, reports::Support::studiehjalp);
    EXPECT_EQ(n->plan.first, day(2026, 8, 24));
    EXPECT_EQ(n->plan.last, day(2027, 1, 15));
    EXPECT_EQ(n->plan.pace, studietider::Pace::three_quarters);
    EXPECT_EQ(n->state, reports::State::planned);
    EXPECT_EQ(n->education_code, "E1");
    EXPECT_EQ(n->education_name, "Svenska");
    EXPECT_EQ(n->period_label, "HT2026");
    EXPECT_EQ(n->created_at, kT);
    EXPECT_EQ(n->created_by, "ab1001");
    EXPECT_FALSE(r.enrollment(9999).has_value());
    auto ids = [](const std::vector<StudentEnrollment>& ns) {
        std::vector<std::int64_t> out;
        for (const auto& e : ns) out.push_back(e.id);
        return out;
    };
    EXPECT_EQ(ids(r.enrollments(SchoolCode{"S1"}, anna)), (std::vector<std::int64_t>{n1, n3}));
    EXPECT_EQ(ids(r.enrollments(SchoolCode{"S1"}, 0)), (std::vector<std::int64_t>{n1, n2, n3})) << "the school's";
    EXPECT_EQ(ids(r.enrollments(SchoolCode{"S2"}, 0)), (std::vector<std::int64_t>{n4}));
    r.set_state(n1, reports::State::active);
    EXPECT_EQ(r.enrollment(n1)->state, reports::State::active);

    auto start = event(n1, "S1", reports::Kind::study_start, kT);
    const auto a = r.add_event(start);
    auto change = event(n1, "S1", reports::Kind::changed_extent, kT + 1s);
    change.event.day = day(2026, 10, 1);
    change.event.pace = studietider::Pace::half;
    change.event.credits = studietider::Credits{1250};
    const auto s = r.add_submission({0,
                                     SchoolCode{"S1"},
                                     Channel::file,
                                     "r.csv",
                                     "abc",
                                     1,
                                     1,
                                     0,
                                     0,
                                     0,
                                     SubmissionState::validated,
                                     "ab1001",
                                     kT,
                                     {}});
    change.channel = Channel::file;
    change.submission = s;
    const auto b = r.add_event(change);
    const auto other = r.add_event(event(n2, "S1", reports::Kind::study_start, kT + 2s));
    auto result = event(n1, "S1", reports::Kind::study_result, kT + 3s);
    result.event.passed = false;
    result.event.hours = 7;
    result.event.last = day(2027, 1, 15);
    result.event.supersedes = a;
    result.reason = "fel dag";
    result.channel = Channel::api;
    result.reported_by = "api:nyckel";
    result.reported_month = "2026-09";
    const auto c = r.add_event(result);
    r.add_event(event(n4, "S2", reports::Kind::study_start, kT + 4s));

    const auto es = r.events(n1);
    ASSERT_EQ(es.size(), 3u);
    EXPECT_EQ(es[0].event.id, a) << "in the order saved";
    EXPECT_EQ(es[0].event.kind, reports::Kind::study_start);
    EXPECT_FALSE(es[0].event.last.has_value());
    EXPECT_FALSE(es[0].event.pace.has_value());
    EXPECT_FALSE(es[0].event.credits.has_value());
    EXPECT_FALSE(es[0].event.passed.has_value());
    EXPECT_EQ(es[0].event.supersedes, 0);
    EXPECT_EQ(es[0].submission, 0);
    EXPECT_EQ(es[0].channel, Channel::web);
    EXPECT_EQ(es[1].event.id, b);
    EXPECT_EQ(es[1].event.day, day(2026, 10, 1));
    EXPECT_EQ(es[1].event.pace, studietider::Pace::half);
    EXPECT_EQ(es[1].event.credits, studietider::Credits{1250});
    EXPECT_EQ(es[1].channel, Channel::file);
    EXPECT_EQ(es[1].submission, s);
    EXPECT_EQ(es[2].event.id, c);
    EXPECT_EQ(es[2].event.kind, reports::Kind::study_result);
    EXPECT_EQ(es[2].event.passed, false);
    EXPECT_EQ(es[2].event.hours, 7);
    EXPECT_EQ(es[2].event.last, day(2027, 1, 15));
    EXPECT_EQ(es[2].event.supersedes, a);
    EXPECT_EQ(es[2].reason, "fel dag");
    EXPECT_EQ(es[2].channel, Channel::api);
    EXPECT_EQ(es[2].enrollment, n1);
    EXPECT_EQ(es[2].school.value(), "S1");
    EXPECT_EQ(es[2].reported_at, kT + 3s);
    EXPECT_EQ(es[2].reported_month, "2026-09");
    EXPECT_EQ(es[2].reported_by, "api:nyckel");

    std::vector<std::int64_t> school;
    for (const auto& e : r.school_events(SchoolCode{"S1"})) school.push_back(e.event.id);
    EXPECT_EQ(school, (std::vector<std::int64_t>{a, b, c, other})) << "by enrollment, then id";
    tx->commit();

    tx = write();
    auto again = event(n2, "S1", reports::Kind::study_start, kT);
    again.event.supersedes = a;
    EXPECT_THROW((void)tx->reports().add_event(again), std::runtime_error) << "an event is corrected once";
}

TEST_P(ReportsContract, EventsNameTheirReporterAsThePersonsTableHasIt) {
    auto tx = write();
    const auto w = world(*tx);
    tx->accounts().add(person("ab1001", "Anna", "Berg", "anna@example.se"), kT);
    auto& r = tx->reports();
    const auto n = r.add_enrollment(enrollment("S1", r.add_student(student("h1")), w.e1, w.p1));
    r.add_event(event(n, "S1", reports::Kind::study_start, kT));  // by ab1001
    auto by_key = event(n, "S1", reports::Kind::study_result, kT + 1s);
    by_key.reported_by = "api:nyckel";
    r.add_event(by_key);
    auto by_stranger = event(n, "S1", reports::Kind::study_result, kT + 2s);
    by_stranger.reported_by = "zz9999";  // no such person (any more)
    r.add_event(by_stranger);

    const auto es = r.events(n);
    ASSERT_EQ(es.size(), 3u);
    EXPECT_EQ(es[0].reported_by, "ab1001") << "the username stays";
    EXPECT_EQ(es[0].reported_by_name, "Anna Berg");
    EXPECT_EQ(es[1].reported_by_name, "") << "an API key has no name";
    EXPECT_EQ(es[2].reported_by, "zz9999");
    EXPECT_EQ(es[2].reported_by_name, "");
}

TEST_P(ReportsContract, ListsFilterAndCount) {
    auto tx = write();
    const auto w = world(*tx);
    tx->schools().add({SchoolCode{"S0"}, "Beta", SchoolForm::komvux}, kT);  // the same name as S1
    auto& r = tx->reports();
    const auto anna = r.add_student(student("h1"));
    const auto bo = r.add_student(student("h2"));
    r.set_name(SchoolCode{"S1"}, anna, "Anna Berg", kT);
    r.set_name(SchoolCode{"S2"}, anna, "Annika", kT);
    r.set_name(SchoolCode{"S1"}, bo, "Bo Ek", kT);
    const auto n1 = r.add_enrollment(enrollment("S1", anna, w.e1, w.p1));
    const auto n2 = r.add_enrollment(enrollment("S1", bo, w.e1, w.p2));
    const auto n3 = r.add_enrollment(enrollment("S2", anna, w.e2, w.p3));
    Education e;
    e.school = SchoolCode{"S0"};
    e.code = "E0";
    e.name = "Tyska";
    e.created_at = e.updated_at = kT;
    const auto e0 = *tx->studietider().add_education(e);
    StudyPeriod p;
    p.education = e0;
    p.input.label = "HT2026";
    p.input.first = day(2026, 8, 24);
    p.input.last = day(2027, 1, 15);
    p.updated_at = kT;
    const auto n0 = r.add_enrollment(enrollment("S0", bo, e0, tx->studietider().add_period(p)));
    const auto a = r.add_event(event(n1, "S1", reports::Kind::study_start, kT));
    auto late = event(n2, "S1", reports::Kind::not_started, kT + 1s);
    late.reported_month = "2026-09";
    const auto b = r.add_event(late);
    const auto c = r.add_event(event(n3, "S2", reports::Kind::study_start, kT + 2s));
    const auto d = r.add_event(event(n1, "S1", reports::Kind::holiday, kT + 3s));
    const auto z = r.add_event(event(n0, "S0", reports::Kind::study_start, kT + 4s));

    auto ids = [&](const ReportFilter& f) {
        std::vector<std::int64_t> out;
        for (const auto& row : r.list(f).rows) out.push_back(row.report.event.id);
        return out;
    };
    ReportFilter all;
    EXPECT_EQ(ids(all), (std::vector<std::int64_t>{z, d, c, b, a})) << "newest first, every school";
    EXPECT_EQ(r.list(all).total, 5);
    ReportFilter f;
    f.school = SchoolCode{"S1"};
    const auto page = r.list(f);
    EXPECT_EQ(page.total, 3);
    ASSERT_EQ(page.rows.size(), 3u);
    EXPECT_EQ(page.rows[0].report.event.id, d);
    EXPECT_EQ(page.rows[0].student.id, anna);
    EXPECT_EQ(page.rows[0].student.name, "Anna Berg") << "the name the report's school recorded";
    EXPECT_EQ(page.rows[0].education_code, "E1");
    EXPECT_EQ(page.rows[0].education_name, "Svenska");
    EXPECT_EQ(page.rows[0].period_label, "HT2026");
    EXPECT_EQ(page.rows[0].school_name, "Beta");
    f.limit = 1;
    f.offset = 1;
    EXPECT_EQ(ids(f), (std::vector<std::int64_t>{b}));
    EXPECT_EQ(r.list(f).total, 3) << "the total is of every page";
    ReportFilter by_name;
    by_name.name = "ANNA";
    EXPECT_EQ(ids(by_name), (std::vector<std::int64_t>{d, a})) << "part of the name, any case, as each school has it";
    by_name.name = "nik";
    EXPECT_EQ(ids(by_name), (std::vector<std::int64_t>{c}));
    ReportFilter by_hash;
    by_hash.lookup_hash = "h1";
    EXPECT_EQ(ids(by_hash), (std::vector<std::int64_t>{d, c, a}));
    ReportFilter by_education;
    by_education.education = "E2";
    EXPECT_EQ(ids(by_education), (std::vector<std::int64_t>{c}));
    ReportFilter by_period;
    by_period.period = "VT2027";
    by_period.school = SchoolCode{"S1"};
    EXPECT_EQ(ids(by_period), (std::vector<std::int64_t>{b}));
    ReportFilter by_kind;
    by_kind.kind = reports::Kind::study_start;
    EXPECT_EQ(ids(by_kind), (std::vector<std::int64_t>{z, c, a}));
    ReportFilter by_month;
    by_month.month = "2026-09";
    EXPECT_EQ(ids(by_month), (std::vector<std::int64_t>{b}));

    std::vector<std::string> counts;
    for (const auto& k : r.counts("2026-08"))
        counts.push_back(k.month + " " + k.school.value() + " " + k.school_name + " " +
                         std::string(reports::to_string(k.kind)) + " " + std::to_string(k.count));
    EXPECT_EQ(counts, (std::vector<std::string>{"2026-09 S1 Beta ej-paborjat 1", "2026-08 S2 Alfa studiestart 1",
                                                "2026-08 S1 Beta lov 1", "2026-08 S0 Beta studiestart 1",
                                                "2026-08 S1 Beta studiestart 1"}))
        << "by month (newest first), school name, kind, then school code";
    EXPECT_EQ(r.counts("2026-09").size(), 1u);
    tx->commit();
}

TEST_P(ReportsContract, SubmissionsKeepTheirErrors) {
    auto tx = write();
    world(*tx);
    auto& r = tx->reports();
    Submission s{0,
                 SchoolCode{"S1"},
                 Channel::file,
                 "rapport.csv",
                 "abc123",
                 4,
                 2,
                 2,
                 0,
                 0,
                 SubmissionState::validated,
                 "ab1001",
                 kT,
                 {}};
    s.errors = {{3, "dag", "Ogiltigt datum"}, {2, "", "Fel antal kolumner"}, {3, "takt", "Okänd takt"}};
    const auto first = r.add_submission(s);
    auto api = s;
    api.channel = Channel::api;
    api.file_name = "";
    api.errors.clear();
    api.uploaded_at = kT + 1s;
    const auto second = r.add_submission(api);
    auto elsewhere = s;
    elsewhere.school = SchoolCode{"S2"};
    const auto theirs = r.add_submission(elsewhere);
    r.finish_submission(first, SubmissionState::partly_saved, 2);

    const auto list = r.submissions(SchoolCode{"S1"}, 10);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].id, second) << "newest first";
    EXPECT_EQ(list[0].channel, Channel::api);
    EXPECT_TRUE(list[1].errors.empty()) << "the list leaves the errors out";
    EXPECT_EQ(list[1].state, SubmissionState::partly_saved);
    EXPECT_EQ(list[1].saved, 2);
    EXPECT_EQ(r.submissions(SchoolCode{"S1"}, 1).size(), 1u);

    const auto one = r.submission(SchoolCode{"S1"}, first);
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ(one->school.value(), "S1");
    EXPECT_EQ(one->file_name, "rapport.csv");
    EXPECT_EQ(one->sha256, "abc123");
    EXPECT_EQ(one->rows, 4);
    EXPECT_EQ(one->accepted, 2);
    EXPECT_EQ(one->refused, 2);
    EXPECT_EQ(one->duplicates, 0);
    EXPECT_EQ(one->uploaded_by, "ab1001");
    EXPECT_EQ(one->uploaded_at, kT);
    ASSERT_EQ(one->errors.size(), 3u);
    EXPECT_EQ(one->errors[0].line, 2) << "by line, then as written";
    EXPECT_EQ(one->errors[0].field, "");
    EXPECT_EQ(one->errors[1].field, "dag");
    EXPECT_EQ(one->errors[2].message, "Okänd takt");
    EXPECT_FALSE(r.submission(SchoolCode{"S1"}, theirs).has_value()) << "not the school's";
    EXPECT_FALSE(r.submission(SchoolCode{"S1"}, 9999).has_value());
    tx->commit();
}

TEST_P(ReportsContract, ApiKeysAreFoundByDigestAndRevokedOnce) {
    auto tx = write();
    world(*tx);
    auto& r = tx->reports();
    const auto k1 = r.add_key({0, SchoolCode{"S1"}, "Skolsystemet", "d1", "mk_ab", kT, "ab1001", {}, {}});
    const auto k2 = r.add_key({0, SchoolCode{"S1"}, "Reserv", "d2", "mk_cd", kT + 1s, "ab1001", {}, {}});
    r.add_key({0, SchoolCode{"S2"}, "Deras", "d3", "mk_ef", kT, "ab1002", {}, {}});
    const auto keys = r.keys(SchoolCode{"S1"});
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[0].id, k2) << "newest first";
    EXPECT_EQ(keys[1].name, "Skolsystemet");
    EXPECT_EQ(keys[1].prefix, "mk_ab");
    EXPECT_EQ(keys[1].created_at, kT);
    EXPECT_EQ(keys[1].created_by, "ab1001");
    EXPECT_FALSE(keys[1].revoked_at.has_value());
    EXPECT_FALSE(keys[1].last_used_at.has_value());
    const auto found = r.key_by_digest("d1");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, k1);
    EXPECT_EQ(found->school.value(), "S1");
    EXPECT_FALSE(r.key_by_digest("nope").has_value());
    r.key_used(k1, kT + 5s);
    EXPECT_EQ(r.key_by_digest("d1")->last_used_at, kT + 5s);
    EXPECT_FALSE(r.revoke_key(SchoolCode{"S2"}, k1, kT)) << "not that school's";
    EXPECT_TRUE(r.revoke_key(SchoolCode{"S1"}, k1, kT + 6s));
    EXPECT_FALSE(r.revoke_key(SchoolCode{"S1"}, k1, kT + 7s)) << "revoked once";
    EXPECT_EQ(r.key_by_digest("d1")->revoked_at, kT + 6s);
    tx->commit();

    tx = write();
    EXPECT_THROW((void)tx->reports().add_key({0, SchoolCode{"S2"}, "Kopia", "d1", "mk", kT, "x", {}, {}}),
                 std::runtime_error)
        << "a digest is unique";
}

TEST_P(ReportsContract, TheVaultCheckIsWrittenOnce) {
    auto tx = write();
    EXPECT_FALSE(tx->reports().vault_check().has_value());
    tx->reports().set_vault_check("check-1");
    tx->reports().set_vault_check("check-2");
    tx->commit();
    EXPECT_EQ(read()->reports().vault_check(), "check-1");
}

}  // namespace
}  // namespace mina::contract
