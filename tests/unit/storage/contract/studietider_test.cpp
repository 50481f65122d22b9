// Studietider och utbildningar (ports::Studietider) on every store: educations, study periods and
// their published versions, the school's contact persons, and what the public search reads.
#include <algorithm>
#include <vector>

#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

Date day(int y, int m, int d) { return *Date::from_ymd(y, m, d); }

Education education(const char* school, const char* code, const char* name) {
    Education e;
    e.school = SchoolCode{school};
    e.code = code;
    e.name = name;
    e.level = studietider::Level::gymnasieniva;
    e.unit = studietider::CreditUnit::komvux;
    e.total_credits = studietider::Credits{40000};
    e.created_at = kT;
    e.updated_at = kT;
    return e;
}

StudyPeriod period(std::int64_t education, const char* label, Date first, Date last) {
    StudyPeriod p;
    p.education = education;
    p.input.label = label;
    p.input.first = first;
    p.input.last = last;
    p.input.credits = studietider::Credits{2250};
    p.updated_at = kT;
    p.updated_by = "ab1001";
    return p;
}

PublishedPeriod version_of(const StudyPeriod& p, int version, Timestamp at) {
    PublishedPeriod v;
    v.period = p.id;
    v.version = version;
    v.input = p.input;
    v.weeks = 20;
    v.pace = studietider::Pace::full;
    v.paid_weeks = 20;
    v.published_at = at;
    v.published_by = "ab1001";
    return v;
}

std::vector<std::string> codes(const std::vector<Education>& es) {
    std::vector<std::string> out;
    for (const auto& e : es) out.push_back(e.code);
    return out;
}

TEST_P(StudietiderContract, EducationsRoundTripOneCodePerSchool) {
    {
        auto tx = write();
        tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
        tx->schools().add({SchoolCode{"S2"}, "Beta", SchoolForm::komvux}, kT);
        tx->commit();
    }
    auto tx = write();
    auto& st = tx->studietider();
    auto b10 = education("S1", "b10", "Svenska");
    b10.distance = true;
    b10.contract = true;
    b10.total_credits.reset();
    b10.unit = studietider::CreditUnit::none;
    const auto id = st.add_education(b10);
    ASSERT_TRUE(id.has_value());
    ASSERT_TRUE(st.add_education(education("S1", "B2", "Engelska")).has_value());
    ASSERT_TRUE(st.add_education(education("S1", "a", "Matematik")).has_value());
    EXPECT_FALSE(st.add_education(education("S1", "b10", "Igen")).has_value()) << "the school has this code";
    EXPECT_TRUE(st.add_education(education("S2", "b10", "Annan skola")).has_value()) << "another school may";
    EXPECT_EQ(codes(st.educations(SchoolCode{"S1"})), (std::vector<std::string>{"B2", "a", "b10"}))
        << "by code, byte by byte";
    EXPECT_TRUE(st.educations(SchoolCode{"S9"}).empty());

    auto e = st.education(SchoolCode{"S1"}, "b10");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->id, *id);
    EXPECT_EQ(e->school.value(), "S1");
    EXPECT_EQ(e->name, "Svenska");
    EXPECT_EQ(e->level, studietider::Level::gymnasieniva);
    EXPECT_EQ(e->unit, studietider::CreditUnit::none);
    EXPECT_FALSE(e->total_credits.has_value());
    EXPECT_TRUE(e->distance);
    EXPECT_TRUE(e->contract);
    EXPECT_FALSE(e->withdrawn_at.has_value());
    EXPECT_EQ(e->created_at, kT);
    EXPECT_FALSE(st.education(SchoolCode{"S1"}, "B10").has_value()) << "codes are exact";

    e->name = "Svenska 1";
    e->level = studietider::Level::eftergymnasial;
    e->unit = studietider::CreditUnit::hp;
    e->total_credits = studietider::Credits{3050};
    e->distance = false;
    e->contract = false;
    e->updated_at = kT + 60s;
    EXPECT_TRUE(st.update_education(*e));
    const auto changed = st.education(SchoolCode{"S1"}, "b10");
    ASSERT_TRUE(changed.has_value());
    EXPECT_EQ(changed->name, "Svenska 1");
    EXPECT_EQ(changed->level, studietider::Level::eftergymnasial);
    EXPECT_EQ(changed->unit, studietider::CreditUnit::hp);
    EXPECT_EQ(changed->total_credits, studietider::Credits{3050});
    EXPECT_FALSE(changed->distance);
    EXPECT_FALSE(changed->contract);
    EXPECT_EQ(changed->created_at, kT);
    EXPECT_EQ(changed->updated_at, kT + 60s);
    auto none = *e;
    none.id = 9999;
    EXPECT_FALSE(st.update_education(none));

    EXPECT_TRUE(st.withdraw_education(*id, kT + 120s));
    EXPECT_FALSE(st.withdraw_education(*id, kT + 180s)) << "withdrawn once";
    EXPECT_EQ(st.education(SchoolCode{"S1"}, "b10")->withdrawn_at, kT + 120s);
    EXPECT_EQ(st.educations(SchoolCode{"S1"}).size(), 3u) << "a withdrawn education is kept";
    tx->commit();
}

TEST_P(StudietiderContract, PeriodsArePublishedAsVersions) {
    {
        auto tx = write();
        tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
        tx->commit();
    }
    auto tx = write();
    auto& st = tx->studietider();
    const auto edu = *st.add_education(education("S1", "E1", "Svenska"));
    const auto other = *st.add_education(education("S1", "E0", "Engelska"));
    auto vt = period(edu, "VT2027", day(2027, 1, 18), day(2027, 6, 4));
    vt.input.breaks = {{day(2027, 2, 22), day(2027, 2, 26)}, {day(2027, 4, 5), day(2027, 4, 9)}};
    auto ht = period(edu, "HT2026", day(2026, 8, 24), day(2027, 1, 15));
    ht.input.credits.reset();
    ht.input.pace = studietider::Pace::three_quarters;
    vt.id = st.add_period(vt);
    ht.id = st.add_period(ht);
    const auto third = st.add_period(period(other, "HT2026", day(2026, 8, 24), day(2027, 1, 15)));
    EXPECT_NE(vt.id, ht.id);

    const auto ps = st.periods(edu);
    ASSERT_EQ(ps.size(), 2u);
    EXPECT_EQ(ps[0].id, ht.id) << "by first day";
    EXPECT_EQ(ps[1].id, vt.id);
    const auto p = st.period(vt.id);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->education, edu);
    EXPECT_EQ(p->input.label, "VT2027");
    EXPECT_EQ(p->input.first, day(2027, 1, 18));
    EXPECT_EQ(p->input.last, day(2027, 6, 4));
    EXPECT_EQ(p->input.credits, studietider::Credits{2250});
    EXPECT_FALSE(p->input.pace.has_value());
    EXPECT_EQ(p->input.breaks, vt.input.breaks);
    EXPECT_EQ(p->published_version, 0) << "a draft";
    EXPECT_TRUE(p->changed);
    EXPECT_FALSE(p->withdrawn_at.has_value());
    EXPECT_EQ(p->updated_at, kT);
    EXPECT_EQ(p->updated_by, "ab1001");
    EXPECT_EQ(st.period(ht.id)->input.pace, studietider::Pace::three_quarters);
    EXPECT_FALSE(st.period(ht.id)->input.credits.has_value());
    EXPECT_FALSE(st.period(9999).has_value());

    st.publish_period(version_of(vt, 1, kT + 10s));
    EXPECT_EQ(st.period(vt.id)->published_version, 1);
    EXPECT_FALSE(st.period(vt.id)->changed);
    vt.input.last = day(2027, 6, 11);
    vt.input.breaks.pop_back();
    vt.updated_at = kT + 20s;
    vt.updated_by = "ab1002";
    EXPECT_TRUE(st.update_period(vt));
    const auto edited = st.period(vt.id);
    EXPECT_TRUE(edited->changed);
    EXPECT_EQ(edited->published_version, 1);
    EXPECT_EQ(edited->input.last, day(2027, 6, 11));
    EXPECT_EQ(edited->input.breaks.size(), 1u);
    EXPECT_EQ(edited->updated_by, "ab1002");
    auto missing = vt;
    missing.id = 9999;
    EXPECT_FALSE(st.update_period(missing));
    auto second = version_of(vt, 2, kT + 30s);
    second.pace = studietider::Pace::half;
    second.weeks = 21;
    second.paid_weeks = 0;
    st.publish_period(second);

    const auto vs = st.versions(vt.id);
    ASSERT_EQ(vs.size(), 2u);
    EXPECT_EQ(vs[0].version, 2) << "newest first";
    EXPECT_EQ(vs[0].period, vt.id);
    EXPECT_EQ(vs[0].input.last, day(2027, 6, 11));
    EXPECT_EQ(vs[0].input.breaks.size(), 1u);
    EXPECT_EQ(vs[0].weeks, 21);
    EXPECT_EQ(vs[0].pace, studietider::Pace::half);
    EXPECT_EQ(vs[0].paid_weeks, 0);
    EXPECT_EQ(vs[0].published_at, kT + 30s);
    EXPECT_EQ(vs[0].published_by, "ab1001");
    EXPECT_EQ(vs[0].published_by_name, "") << "nobody of that username";
    EXPECT_EQ(vs[1].version, 1);
    EXPECT_EQ(vs[1].input.last, day(2027, 6, 4)) << "a published version is never changed";
    EXPECT_EQ(vs[1].input.breaks.size(), 2u);
    EXPECT_TRUE(st.versions(ht.id).empty());

    EXPECT_TRUE(st.withdraw_period(ht.id, kT + 40s));
    EXPECT_FALSE(st.withdraw_period(ht.id, kT + 50s)) << "withdrawn once";
    EXPECT_EQ(st.period(ht.id)->withdrawn_at, kT + 40s);

    std::vector<std::int64_t> all;
    for (const auto& q : st.school_periods(SchoolCode{"S1"})) all.push_back(q.id);
    EXPECT_EQ(all, (std::vector<std::int64_t>{ht.id, vt.id, third})) << "by education, then first day; withdrawn too";
    EXPECT_TRUE(st.school_periods(SchoolCode{"S2"}).empty());
    tx->commit();
}

TEST_P(StudietiderContract, VersionsNameWhoPublishedThemAsThePersonsTableHasIt) {
    auto tx = write();
    tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
    tx->accounts().add(person("ab1001", "Anna", "Berg", "anna@example.se"), kT);
    auto& st = tx->studietider();
    auto p = period(*st.add_education(education("S1", "E1", "Svenska")), "VT2027", day(2027, 1, 18), day(2027, 6, 4));
    p.id = st.add_period(p);
    st.publish_period(version_of(p, 1, kT + 10s));  // by ab1001
    auto second = version_of(p, 2, kT + 20s);
    second.published_by = "zz9999";
    st.publish_period(second);

    const auto vs = st.versions(p.id);
    ASSERT_EQ(vs.size(), 2u);
    EXPECT_EQ(vs[0].published_by, "zz9999");
    EXPECT_EQ(vs[0].published_by_name, "");
    EXPECT_EQ(vs[1].published_by, "ab1001") << "the username stays";
    EXPECT_EQ(vs[1].published_by_name, "Anna Berg");
}

TEST_P(StudietiderContract, ContactsBelongToTheirSchool) {
    {
        auto tx = write();
        tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
        tx->schools().add({SchoolCode{"S2"}, "Beta", SchoolForm::komvux}, kT);
        tx->commit();
    }
    auto tx = write();
    auto& st = tx->studietider();
    const auto b = st.add_contact({0, SchoolCode{"S1"}, "Bo", "Rektor", "bo@example.se", "08-1"});
    const auto a = st.add_contact({0, SchoolCode{"S1"}, "Ada", "SYV", "ada@example.se", ""});
    const auto b2 = st.add_contact({0, SchoolCode{"S1"}, "Bo", "Studievägledare", "bo2@example.se", ""});
    st.add_contact({0, SchoolCode{"S2"}, "Ceci", "Rektor", "c@example.se", ""});
    auto cs = st.contacts(SchoolCode{"S1"});
    ASSERT_EQ(cs.size(), 3u);
    EXPECT_EQ(cs[0].id, a) << "by name, then id";
    EXPECT_EQ(cs[1].id, b);
    EXPECT_EQ(cs[2].id, b2);
    EXPECT_EQ(cs[1].school.value(), "S1");
    EXPECT_EQ(cs[1].role, "Rektor");
    EXPECT_EQ(cs[1].email, "bo@example.se");
    EXPECT_EQ(cs[1].phone, "08-1");
    EXPECT_FALSE(st.remove_contact(SchoolCode{"S2"}, a)) << "not that school's";
    EXPECT_TRUE(st.remove_contact(SchoolCode{"S1"}, a));
    EXPECT_FALSE(st.remove_contact(SchoolCode{"S1"}, a)) << "gone";
    EXPECT_EQ(st.contacts(SchoolCode{"S1"}).size(), 2u);
    EXPECT_EQ(st.contacts(SchoolCode{"S2"}).size(), 1u);
    tx->commit();
}

TEST_P(StudietiderContract, TheSearchReadsChangesEntriesAndPublishedPeriods) {
    std::int64_t e1 = 0;
    std::int64_t e2 = 0;
    std::int64_t gone = 0;
    std::int64_t before = 0;
    {
        auto tx = write();
        before = tx->studietider().search_changes(0, 100).latest;
        tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
        tx->schools().add({SchoolCode{"S2"}, "Beta", SchoolForm::komvux}, kT);
        auto& st = tx->studietider();
        e1 = *st.add_education(education("S1", "E1", "Svenska"));
        e2 = *st.add_education(education("S2", "E2", "Engelska"));
        gone = *st.add_education(education("S1", "E3", "Tyska"));
        auto vt = period(e1, "VT2027", day(2027, 1, 18), day(2027, 6, 4));
        auto ht = period(e1, "HT2026", day(2026, 8, 24), day(2027, 1, 15));
        auto draft = period(e1, "HT2027", day(2027, 8, 23), day(2028, 1, 14));
        auto withdrawn = period(e1, "SU2027", day(2027, 6, 7), day(2027, 8, 13));
        vt.id = st.add_period(vt);
        ht.id = st.add_period(ht);
        draft.id = st.add_period(draft);
        withdrawn.id = st.add_period(withdrawn);
        st.publish_period(version_of(vt, 1, kT));
        st.publish_period(version_of(ht, 1, kT));
        st.publish_period(version_of(withdrawn, 1, kT));
        st.withdraw_period(withdrawn.id, kT + 1s);
        ht.input.label = "HT2026b";
        st.update_period(ht);
        st.publish_period(version_of(ht, 2, kT + 2s));
        st.withdraw_education(gone, kT + 3s);
        tx->commit();
    }
    auto tx = read();
    auto& st = tx->studietider();
    const auto changes = st.search_changes(before, 100);
    EXPECT_GT(changes.latest, before);
    EXPECT_GT(changes.oldest, 0);
    EXPECT_LE(changes.oldest, changes.latest);
    auto changed = changes.educations;
    std::sort(changed.begin(), changed.end());
    EXPECT_EQ(changed, (std::vector<std::int64_t>{e1, e2, gone})) << "each once";
    EXPECT_TRUE(st.search_changes(changes.latest, 100).educations.empty()) << "nothing after the newest";
    EXPECT_EQ(st.search_changes(before, 1).educations.size(), 1u) << "at most the limit";

    auto entries = st.search_entries({});
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    ASSERT_EQ(entries.size(), 2u) << "every education not withdrawn";
    EXPECT_EQ(entries[0].id, e1);
    EXPECT_EQ(entries[0].school_code, "S1");
    EXPECT_EQ(entries[0].school_name, "Alfa");
    EXPECT_EQ(entries[0].code, "E1");
    EXPECT_EQ(entries[0].name, "Svenska");
    EXPECT_FALSE(entries[0].withdrawn);
    auto terms = entries[0].terms;
    std::sort(terms.begin(), terms.end());
    EXPECT_EQ(terms, (std::vector<std::string>{"HT2026b", "VT2027"})) << "published, not withdrawn, newest version";
    EXPECT_TRUE(entries[1].terms.empty()) << "nothing published";
    const auto of = st.search_entries({gone});
    ASSERT_EQ(of.size(), 1u);
    EXPECT_TRUE(of[0].withdrawn) << "asked for by id: withdrawn ones too";

    const auto pub = st.public_educations({e2, e1, 9999});
    ASSERT_EQ(pub.size(), 2u) << "in the order asked, without the one that is gone";
    EXPECT_EQ(pub[0].education.id, e2);
    EXPECT_EQ(pub[0].school_name, "Beta");
    EXPECT_TRUE(pub[0].periods.empty());
    EXPECT_EQ(pub[1].education.code, "E1");
    EXPECT_EQ(pub[1].education.total_credits, studietider::Credits{40000});
    ASSERT_EQ(pub[1].periods.size(), 2u);
    EXPECT_EQ(pub[1].periods[0].input.label, "HT2026b") << "by first day, the newest version";
    EXPECT_EQ(pub[1].periods[0].version, 2);
    EXPECT_EQ(pub[1].periods[1].input.label, "VT2027");
    EXPECT_EQ(pub[1].periods[1].weeks, 20);
    EXPECT_TRUE(st.public_educations({}).empty());
}

}  // namespace
}  // namespace mina::contract
