#include <gtest/gtest.h>

#include <set>

#include "core/admin.hpp"
#include "fakes.hpp"

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
    EXPECT_TRUE(std::holds_alternative<admin::Refusal>(svc_.grant(Username{"zz0000"}, "S1", Role::studietider, who_, clock_.now())));
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

}  // namespace
}  // namespace mina
