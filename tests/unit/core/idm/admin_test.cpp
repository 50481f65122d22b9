#include <gtest/gtest.h>

#include <set>

#include "core/idm/admin.hpp"
#include "core/idm/idm.hpp"
#include "core/kiosk/kiosk.hpp"
#include "core/kiosk/mailer.hpp"
#include "unit/fakes.hpp"

namespace mina {
namespace {

TEST(AdminValidation, Emails) {
    EXPECT_TRUE(admin::valid_email("karin.lindh@csn.se"));
    EXPECT_TRUE(admin::valid_email("a+b@skola.example.se"));
    for (const char* bad : {"", "karin", "@csn.se", "karin@", "karin@csn", "karin@@csn.se", "ka rin@csn.se",
                            "karin@csn..se", "<k>@csn.se", "karin@.csn.se"})
        EXPECT_FALSE(admin::valid_email(bad)) << bad;
}

TEST(AdminValidation, UsernameLettersFoldSwedishNames) {
    EXPECT_EQ(admin::username_letters("Åsa", "Öberg"), "ao");
    EXPECT_EQ(admin::username_letters("Émile", "Ängström"), "ea");
    EXPECT_EQ(admin::username_letters("Karin", "Lindh"), "kl");
    EXPECT_EQ(admin::username_letters("123", "Ünal"), "xu");
}

// [10] item 1: the school's list is filtered by free text, a service and a state.
PersonAtSchool at_school(std::string first, std::string last, std::string username, std::string email,
                         std::vector<Role> roles) {
    PersonAtSchool p;
    p.person.first_name = std::move(first);
    p.person.last_name = std::move(last);
    p.person.username = Username{std::move(username)};
    p.person.email = std::move(email);
    p.roles = std::move(roles);
    return p;
}

TEST(PeopleList, StateIsLockedActiveOrWaitingForTheFirstLogin) {
    const Timestamp now = from_unix(1'800'000'000);
    auto p = at_school("Britt", "Andersson", "ba1234", "britt@skolan.se", {Role::studietider});
    EXPECT_EQ(idm::state_of(p, now), idm::PersonState::pending);
    p.has_password = true;
    EXPECT_EQ(idm::state_of(p, now), idm::PersonState::active);
    p.locked_until = now + Seconds{60};
    EXPECT_EQ(idm::state_of(p, now), idm::PersonState::locked);
    p.locked_until = now - Seconds{1};
    EXPECT_EQ(idm::state_of(p, now), idm::PersonState::active) << "a lock that has ended is no lock";
}

TEST(PeopleList, FilterByTextServiceAndState) {
    const Timestamp now = from_unix(1'800'000'000);
    const auto britt = at_school("Britt", "Andersson", "ba1234", "britt@skolan.se", {Role::studietider});
    auto orjan =
        at_school("Örjan", "Östberg", "oo1001", "orjan@skolan.se", {Role::studeranderapportering, Role::school_admin});
    orjan.has_password = true;
    const auto match = [&](const PersonAtSchool& p, idm::PeopleFilter f) { return idm::matches(p, f, now); };
    EXPECT_TRUE(match(britt, {}));
    EXPECT_TRUE(match(britt, {"  britt ", {}, {}})) << "trimmed, case ignored";
    EXPECT_TRUE(match(britt, {"andersson b", {}, {}})) << "last name first";
    EXPECT_TRUE(match(britt, {"BRITT AND", {}, {}}));
    EXPECT_TRUE(match(britt, {"BA12", {}, {}})) << "the username";
    EXPECT_TRUE(match(britt, {"@skolan", {}, {}})) << "the email";
    EXPECT_FALSE(match(britt, {"kalle", {}, {}}));
    EXPECT_TRUE(match(orjan, {"ÖSTBERG", {}, {}})) << "Å Ä Ö in either case";
    EXPECT_TRUE(match(orjan, {"örjan", Role::school_admin, idm::PersonState::active}));
    EXPECT_FALSE(match(britt, {"", Role::studeranderapportering, {}}));
    EXPECT_FALSE(match(britt, {"", {}, idm::PersonState::active}));
    EXPECT_TRUE(match(britt, {"", Role::studietider, idm::PersonState::pending}));
}

class AdminTest : public ::testing::Test {
   protected:
    PolicyConfig policy_;
    test::FakeClock clock_;
    test::CountingHasher hasher_;
    crypto::SodiumTokens tokens_;
    std::unique_ptr<ports::Store> store_ = test::memory_store();
    admin::Service svc_{*store_, hasher_, tokens_, policy_};
    admin::Actor who_{"cli:test", "local"};
};

TEST_F(AdminTest, UsernamesAreShortReadableAndUnique) {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        auto u = svc_.add_person("Karin", "Lindh", "k" + std::to_string(i) + "@example.se", who_, clock_.now());
        ASSERT_TRUE(std::holds_alternative<Username>(u));
        const std::string name = std::get<Username>(u).value();
        EXPECT_EQ(name.size(), 6u);
        EXPECT_EQ(name.substr(0, 2), "kl");
        EXPECT_TRUE(seen.insert(name).second);
    }
}

TEST_F(AdminTest, RefusalsChangeNothing) {
    EXPECT_TRUE(std::holds_alternative<admin::Refusal>(svc_.add_person("A", "B", "not-an-email", who_, clock_.now())));
    EXPECT_TRUE(std::holds_alternative<admin::Refusal>(svc_.add_person("", "B", "a@b.se", who_, clock_.now())));
    EXPECT_TRUE(std::holds_alternative<admin::Refusal>(
        svc_.add_school({SchoolCode{"bad code!"}, "X", SchoolForm::komvux}, who_, clock_.now())));
    ASSERT_TRUE(std::holds_alternative<admin::Done>(
        svc_.add_school({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, who_, clock_.now())));
    EXPECT_TRUE(std::holds_alternative<admin::Refusal>(
        svc_.add_school({SchoolCode{"S1"}, "Igen", SchoolForm::komvux}, who_, clock_.now())));
    auto u = std::get<Username>(svc_.add_person("A", "B", "a@b.se", who_, clock_.now()));
    EXPECT_TRUE(std::holds_alternative<admin::Refusal>(svc_.add_person("C", "D", "A@B.se", who_, clock_.now())))
        << "the same email (any case) is the same person";
    EXPECT_TRUE(std::holds_alternative<admin::Refusal>(svc_.grant(u, "NOPE", Role::studietider, who_, clock_.now())));
    EXPECT_TRUE(std::holds_alternative<admin::Refusal>(
        svc_.grant(Username{"zz0000"}, "S1", Role::studietider, who_, clock_.now())));
    EXPECT_TRUE(std::holds_alternative<admin::Refusal>(svc_.grant(u, "", Role::studietider, who_, clock_.now())));
    EXPECT_TRUE(std::holds_alternative<admin::Refusal>(svc_.set_password(u, "short", who_, clock_.now())));
    auto tx = store_->begin(ports::TxMode::read);
    EXPECT_TRUE(tx->grants().of(tx->accounts().find(u)->id).empty());
}

TEST_F(AdminTest, GrantingTwiceIsNotAnError) {
    (void)svc_.add_school({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, who_, clock_.now());
    auto u = std::get<Username>(svc_.add_person("A", "B", "a@b.se", who_, clock_.now()));
    EXPECT_EQ(std::get<admin::Done>(svc_.grant(u, "S1", Role::studietider, who_, clock_.now())).note, "");
    EXPECT_NE(std::get<admin::Done>(svc_.grant(u, "S1", Role::studietider, who_, clock_.now())).note, "");
    EXPECT_TRUE(std::holds_alternative<admin::Done>(svc_.grant(u, "", Role::agency_admin, who_, clock_.now())));
}

TEST_F(AdminTest, TheOperatorsPasswordEntersTheHistorySoTheReuseRuleSeesIt) {
    auto u = std::get<Username>(svc_.add_person("A", "B", "a@b.se", who_, clock_.now()));
    ASSERT_TRUE(std::holds_alternative<admin::Done>(svc_.set_password(u, "operatörens-lösenord", who_, clock_.now())));
    auto tx = store_->begin(ports::TxMode::read);
    const auto id = tx->accounts().find(u)->id;
    EXPECT_EQ(tx->password_history().last(id, 5), std::vector<std::string>{"plain$operatörens-lösenord"});
    EXPECT_EQ(tx->accounts().credential(id)->password_hash, "plain$operatörens-lösenord");
}

// ---- Issue [7] §8: what a school may do to an account -------------------------------------------

class SchoolReach : public AdminTest {
   protected:
    void SetUp() override {
        for (const char* code : {"S1", "S2"})
            ASSERT_TRUE(std::holds_alternative<admin::Done>(
                svc_.add_school({SchoolCode{code}, code, SchoolForm::komvux}, who_, clock_.now())));
        anna_ = person("Anna", "Admin", "anna@example.se", {{"S1", Role::school_admin}, {"S1", Role::studietider}});
        agnes_ = person("Agnes", "Myndig", "agnes@csn.example", {{"", Role::agency_admin}});
        bert_ = person("Bert", "Annan", "bert@example.se", {{"S2", Role::school_admin}});
        pelle_ = person("Pelle", "Test", "pelle@example.se", {{"S2", Role::studietider}});
    }
    Username person(const std::string& first, const std::string& last, const std::string& email,
                    const std::vector<std::pair<std::string, Role>>& grants) {
        auto u = std::get<Username>(svc_.add_person(first, last, email, who_, clock_.now()));
        for (const auto& [school, role] : grants)
            EXPECT_TRUE(std::holds_alternative<admin::Done>(svc_.grant(u, school, role, who_, clock_.now())));
        return u;
    }
    portal::Viewer viewer(const Username& u) {
        auto tx = store_->begin(ports::TxMode::read);
        portal::Viewer v;
        v.person = *tx->accounts().find(u);
        auto access = tx->grants().access(v.person.id);
        v.access = access.schools;
        v.agency_admin = access.agency_admin;
        return v;
    }
    std::vector<Grant> grants(const Username& u) {
        auto tx = store_->begin(ports::TxMode::read);
        return tx->grants().of(tx->accounts().find(u)->id);
    }
    int mails(const Username& u, MailKind kind) {
        auto tx = store_->begin(ports::TxMode::read);
        return tx->outbox().count_since(tx->accounts().find(u)->id, kind, clock_.now() - Seconds{86400});
    }
    idm::Service idm_{*store_, svc_, policy_};
    const ClientInfo client_{"10.0.0.7", "test"};
    Username anna_{""}, agnes_{""}, bert_{""}, pelle_{""};
};

TEST_F(SchoolReach, ASchoolCannotAddTheAgencysAdminOrAnotherSchoolsAdminAndLearnsNoUsername) {
    const auto anna = viewer(anna_);
    const std::vector<Role> services{Role::studietider};
    for (const auto& [who, email] : {std::pair{agnes_, "Agnes@CSN.example"}, std::pair{bert_, "bert@example.se"}}) {
        const auto before = grants(who);
        auto out = idm_.add_person(anna, "S1", "Vem", "Som", email, services, false, client_, clock_.now());
        ASSERT_TRUE(std::holds_alternative<idm::Refused>(out)) << email;
        EXPECT_EQ(std::get<idm::Refused>(out).problem, idm::Problem::beyond_school);
        EXPECT_EQ(grants(who).size(), before.size()) << "nothing added";
        EXPECT_EQ(idm_.unlock(anna, "S1", who.value(), client_, clock_.now()).index(), 1u) << "not at the school";
    }
    // The CSV import answers the same, row by row, and names no username.
    auto plan = idm_.plan_import(anna, "S1", "f;e;agnes@csn.example;studietider\nf;e;pelle@example.se;studietider\n");
    ASSERT_TRUE(std::holds_alternative<idm::ImportPlan>(plan));
    const auto& rows = std::get<idm::ImportPlan>(plan).rows;
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].fate, idm::RowFate::refused);
    EXPECT_EQ(rows[0].problem, idm::RowProblem::beyond_school);
    EXPECT_EQ(rows[0].username, "");
    EXPECT_EQ(rows[1].fate, idm::RowFate::gets_services);
    // R14 for an ordinary person: the grant, and no new credentials.
    auto known =
        idm_.add_person(anna, "S1", "Pelle", "Test", "pelle@example.se", services, false, client_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::Existing>(known));
    EXPECT_EQ(std::get<idm::Existing>(known).username, pelle_);
    // The agency may.
    auto agency = idm_.add_person(viewer(agnes_), "S1", "Bert", "Annan", "bert@example.se", services, false, client_,
                                  clock_.now());
    EXPECT_TRUE(std::holds_alternative<idm::Existing>(agency));
}

// Issue [9] item 12: the letter said "Behörighetsadministratören på <skolan> har gett dig behörighet"
// also when the agency appointed the person. The letter in the queue now knows who gave the access.
TEST_F(SchoolReach, TheLetterKnowsWhetherTheSchoolOrTheAgencyGaveTheAccess) {
    const auto letter_of = [&](const Username& u) {
        auto tx = store_->begin(ports::TxMode::read);
        const auto id = tx->accounts().find(u)->id;
        std::optional<LetterRow> found;
        for (const auto& l : tx->letters().list(std::nullopt, 100))
            if (l.person == id) found = l;
        return found;
    };
    const std::vector<Role> services{Role::studietider};
    auto by_school = idm_.add_person(viewer(anna_), "S1", "Sara", "Skola", "sara@example.se", services, false, client_,
                                     clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::Added>(by_school));
    ASSERT_TRUE(letter_of(std::get<idm::Added>(by_school).username).has_value());
    EXPECT_EQ(letter_of(std::get<idm::Added>(by_school).username)->granted_by, GrantedBy::school_admin);

    auto by_agency = idm_.add_person(viewer(agnes_), "S1", "Ada", "Verket", "ada@example.se", services, false, client_,
                                     clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::Added>(by_agency));
    EXPECT_EQ(letter_of(std::get<idm::Added>(by_agency).username)->granted_by, GrantedBy::agency);

    // The agency appoints a school's authorization administrator ("Utse").
    const auto appointed = std::get<Username>(svc_.add_person("Ulla", "Utsedd", "ulla@example.se", who_, clock_.now()));
    EXPECT_FALSE(letter_of(appointed).has_value()) << "no access yet, no letter";
    ASSERT_TRUE(std::holds_alternative<idm::Done>(
        idm_.appoint_admin(viewer(agnes_), "S2", appointed.value(), client_, clock_.now())));
    ASSERT_TRUE(letter_of(appointed).has_value());
    EXPECT_EQ(letter_of(appointed)->granted_by, GrantedBy::agency);
    EXPECT_EQ(letter_of(appointed)->school, "S2");
}

TEST_F(SchoolReach, ASchoolCannotUnlockOrMailAnAccountWithMorePowerEvenWhenItIsAtTheSchool) {
    // The agency gave Agnes a service at S1: she is among S1's people, but not S1's to manage.
    ASSERT_TRUE(std::holds_alternative<admin::Done>(svc_.grant(agnes_, "S1", Role::studietider, who_, clock_.now())));
    const auto anna = viewer(anna_);
    const int mails_before = mails(agnes_, MailKind::otp_first) + mails(agnes_, MailKind::otp_reset);
    {
        auto tx = store_->begin(ports::TxMode::write);
        tx->accounts().lock(tx->accounts().find(agnes_)->id, clock_.now() + Seconds{3600});
        tx->commit();
    }
    auto unlocked = idm_.unlock(anna, "S1", agnes_.value(), client_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::Refused>(unlocked));
    EXPECT_EQ(std::get<idm::Refused>(unlocked).problem, idm::Problem::beyond_school);
    auto sent = idm_.send_otp(anna, "S1", agnes_.value(), client_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::Refused>(sent));
    EXPECT_EQ(std::get<idm::Refused>(sent).problem, idm::Problem::beyond_school);
    EXPECT_EQ(mails(agnes_, MailKind::otp_first) + mails(agnes_, MailKind::otp_reset), mails_before) << "nothing sent";
    {
        auto tx = store_->begin(ports::TxMode::read);
        EXPECT_TRUE(tx->accounts().locked_until(tx->accounts().find(agnes_)->id).has_value()) << "still locked";
    }
    // Someone who is not at the school at all: no such person there.
    auto elsewhere = idm_.send_otp(anna, "S1", pelle_.value(), client_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::Refused>(elsewhere));
    EXPECT_EQ(std::get<idm::Refused>(elsewhere).problem, idm::Problem::no_such_person);
    // The agency may.
    EXPECT_TRUE(
        std::holds_alternative<idm::Done>(idm_.unlock(viewer(agnes_), "S1", agnes_.value(), client_, clock_.now())));
}

TEST_F(SchoolReach, AnAdminSentPasswordForAnAccountWithItsOwnPasswordIsAResetAndIsBraked) {
    ASSERT_TRUE(std::holds_alternative<admin::Done>(svc_.grant(pelle_, "S1", Role::studietider, who_, clock_.now())));
    ASSERT_TRUE(
        std::holds_alternative<admin::Done>(svc_.set_password(pelle_, "pelles-eget-lösenord", who_, clock_.now())));
    const auto anna = viewer(anna_);
    for (int i = 0; i < kiosk::kResetMailsPerQuarter; ++i)
        EXPECT_TRUE(
            std::holds_alternative<idm::Done>(idm_.send_otp(anna, "S1", pelle_.value(), client_, clock_.now())));
    auto braked = idm_.send_otp(anna, "S1", pelle_.value(), client_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::Refused>(braked));
    EXPECT_EQ(std::get<idm::Refused>(braked).problem, idm::Problem::too_many_mails);
    EXPECT_EQ(mails(pelle_, MailKind::otp_reset), kiosk::kResetMailsPerQuarter);
    // The mail's one-time password lives otp_ttl_reset, not otp_ttl_first.
    mailer::Service mailer(*store_, hasher_, tokens_, policy_);
    auto claimed = mailer.next(clock_.now());
    ASSERT_TRUE(claimed.has_value());
    EXPECT_EQ(claimed->mail.kind, MailKind::otp_reset);
    {
        auto tx = store_->begin(ports::TxMode::read);
        const auto otp = tx->otps().find(tx->accounts().find(pelle_)->id);
        ASSERT_TRUE(otp.has_value());
        EXPECT_EQ(otp->kind, OtpKind::reset);
        EXPECT_EQ(otp->expires_at, clock_.now() + policy_.otp_ttl_reset);
    }
    // A quarter of an hour later it may be sent again.
    clock_.advance(kiosk::kResetMailWindow + Seconds{1});
    EXPECT_TRUE(std::holds_alternative<idm::Done>(idm_.send_otp(anna, "S1", pelle_.value(), client_, clock_.now())));
}

TEST_F(SchoolReach, AnAdminSentPasswordForAnAccountWithoutOneIsAFirstPasswordAndIsBrakedToo) {
    const auto karin = person("Karin", "Ny", "karin@example.se", {{"S1", Role::studietider}});  // queues otp-first
    const auto anna = viewer(anna_);
    for (int i = 1; i < kiosk::kResetMailsPerQuarter; ++i)
        EXPECT_TRUE(std::holds_alternative<idm::Done>(idm_.send_otp(anna, "S1", karin.value(), client_, clock_.now())));
    EXPECT_TRUE(std::holds_alternative<idm::Refused>(idm_.send_otp(anna, "S1", karin.value(), client_, clock_.now())));
    EXPECT_EQ(mails(karin, MailKind::otp_first), kiosk::kResetMailsPerQuarter);
    EXPECT_EQ(mails(karin, MailKind::otp_reset), 0);
}

// [10] item 3: a new school and its authorization administrator in one step, for the agency only;
// every problem told at once, and nothing saved unless everything is.
TEST_F(SchoolReach, TheAgencyAddsASchoolWithItsAdministratorWholeOrNotAtAll) {
    auto people = [&] {
        auto tx = store_->begin(ports::TxMode::read);
        return tx->accounts().search("example", 100).size();
    };
    const auto before = people();
    idm::NewSchoolWithAdmin n{{SchoolCode{"S3"}, "Gamma", SchoolForm::folkhogskola, "Box 3\n333 33 Ort"},
                              true,
                              "Greta",
                              "Gammal",
                              "greta@example.se"};

    auto refused = idm_.add_school_with_admin(viewer(anna_), n, client_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::RefusedFields>(refused));
    EXPECT_EQ(std::get<idm::RefusedFields>(refused).problems, std::vector{idm::Problem::not_allowed});

    idm::NewSchoolWithAdmin bad{{SchoolCode{"S 3"}, " ", SchoolForm::komvux, ""}, false, "Greta", "", "greta@"};
    auto all = idm_.add_school_with_admin(viewer(agnes_), bad, client_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::RefusedFields>(all));
    EXPECT_EQ(std::get<idm::RefusedFields>(all).problems,
              (std::vector{idm::Problem::bad_school_code, idm::Problem::bad_school_name, idm::Problem::bad_school_form,
                           idm::Problem::bad_name, idm::Problem::bad_email}));

    auto taken = n;
    taken.school.code = SchoolCode{"S1"};
    auto twice = idm_.add_school_with_admin(viewer(agnes_), taken, client_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::RefusedFields>(twice));
    EXPECT_EQ(std::get<idm::RefusedFields>(twice).problems, std::vector{idm::Problem::school_code_taken});
    EXPECT_EQ(people(), before) << "the person is not added when the school is refused";

    auto done = idm_.add_school_with_admin(viewer(agnes_), n, client_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::SchoolWithAdmin>(done));
    const auto greta = std::get<idm::SchoolWithAdmin>(done);
    EXPECT_FALSE(greta.existing);
    const auto g = grants(greta.username);
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0].school, SchoolCode{"S3"});
    EXPECT_EQ(g[0].role, Role::school_admin);
    EXPECT_EQ(mails(greta.username, MailKind::otp_first), 1);
    {
        auto tx = store_->begin(ports::TxMode::read);
        const auto letters = tx->letters().list(std::nullopt, 10);
        ASSERT_FALSE(letters.empty());
        EXPECT_EQ(letters[0].person, tx->accounts().find(greta.username)->id);
        EXPECT_EQ(letters[0].granted_by, GrantedBy::agency) << "the letter names the agency";
    }

    // Someone who already has the email is appointed, with no new account and no new letter.
    idm::NewSchoolWithAdmin known{{SchoolCode{"S4"}, "Delta", SchoolForm::komvux}, true, "P", "T", "PELLE@example.se"};
    auto appointed = idm_.add_school_with_admin(viewer(agnes_), known, client_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::SchoolWithAdmin>(appointed));
    EXPECT_TRUE(std::get<idm::SchoolWithAdmin>(appointed).existing);
    EXPECT_EQ(std::get<idm::SchoolWithAdmin>(appointed).username, pelle_);
    EXPECT_EQ(grants(pelle_).size(), 2u);
}

TEST_F(SchoolReach, TheDeskIsTheAgencysAndCountsWhatWaits) {
    EXPECT_TRUE(std::holds_alternative<idm::Refused>(idm_.desk(viewer(anna_), clock_.now())));
    auto desk = idm_.desk(viewer(agnes_), clock_.now());
    ASSERT_TRUE(std::holds_alternative<idm::Desk>(desk));
    auto d = std::get<idm::Desk>(desk);
    EXPECT_EQ(d.schools, 2);
    EXPECT_EQ(d.letters_unposted, 3) << "Anna's, Bert's and Pelle's, at their schools; Agnes's none (no school)";
    EXPECT_EQ(d.locked, 0);
    EXPECT_EQ(d.recent.size(), static_cast<std::size_t>(idm::kDeskEvents));
    {
        auto tx = store_->begin(ports::TxMode::write);
        tx->accounts().lock(tx->accounts().find(pelle_)->id, clock_.now() + Seconds{60});
        tx->commit();
    }
    d = std::get<idm::Desk>(idm_.desk(viewer(agnes_), clock_.now()));
    EXPECT_EQ(d.locked, 1);
    ASSERT_EQ(d.locked_now.size(), 1u);
    EXPECT_EQ(d.locked_now[0].person.username, pelle_);
    ASSERT_EQ(d.locked_now[0].schools.size(), 1u);
    EXPECT_EQ(d.locked_now[0].schools[0].code, SchoolCode{"S2"});
}

}  // namespace
}  // namespace mina
