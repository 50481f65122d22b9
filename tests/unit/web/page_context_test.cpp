// A page answered on an I/O thread never waits for the store's writes: the session's touch (and an
// idle session's removal) is queued for the background, and still happens.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "core/idm/admin.hpp"
#include "core/login/login.hpp"
#include "core/login/portal.hpp"
#include "unit/fakes.hpp"
#include "web/pages.hpp"

namespace mina::web {
namespace {

using namespace std::chrono_literals;

/// A store whose writes wait until the test lets them go (a disk that does not answer).
class SlowWrites final : public ports::Store {
   public:
    explicit SlowWrites(ports::Store& inner) : inner_(inner) {}
    std::unique_ptr<ports::Unit> begin(ports::TxMode mode) override {
        if (mode != ports::TxMode::read) {
            std::unique_lock lock(mutex_);
            ++writes_asked_;
            open_.wait(lock, [this] { return !held_; });
        }
        return inner_.begin(mode);
    }
    int migrate() override { return inner_.migrate(); }
    int schema_version() override { return inner_.schema_version(); }
    bool ping() override { return inner_.ping(); }
    void backup(const std::string& path) override { inner_.backup(path); }

    void hold() {
        std::lock_guard lock(mutex_);
        held_ = true;
    }
    void release() {
        {
            std::lock_guard lock(mutex_);
            held_ = false;
        }
        open_.notify_all();
    }
    int writes_asked() {
        std::lock_guard lock(mutex_);
        return writes_asked_;
    }

   private:
    ports::Store& inner_;
    std::mutex mutex_;
    std::condition_variable open_;
    bool held_ = false;
    int writes_asked_ = 0;
};

class PageContextTest : public ::testing::Test {
   protected:
    void SetUp() override {
        admin::Service a(*inner_, hasher_, tokens_, policy_);
        const admin::Actor who{"test", "local"};
        const auto user =
            std::get<Username>(a.add_person("Pelle", "Test", "pelle@example.se", who, clock_.now())).value();
        (void)a.set_password(Username{user}, "ett-långt-lösenord", who, clock_.now());
        login::Service login(*inner_, hasher_, tokens_, policy_);
        token_ =
            std::get<login::LoggedIn>(login.submit({user, "ett-långt-lösenord", {"10.0.0.1", ""}, {}}, clock_.now()))
                .session_token;
        req_.method = "GET";
        req_.path = "/start";
        req_.headers.emplace_back("cookie", "mina_session=" + token_);
    }
    void TearDown() override { store_.release(); }  // a failed test leaves no write waiting
    [[nodiscard]] Timestamp last_seen() {
        return inner_->begin(ports::TxMode::read)->sessions().find(tokens_.digest(token_))->last_seen_at;
    }

    PolicyConfig policy_;
    test::FakeClock clock_;
    test::CountingHasher hasher_;
    crypto::SodiumTokens tokens_;
    std::unique_ptr<ports::Store> inner_ = test::memory_store();
    SlowWrites store_{*inner_};
    portal::Service portal_{store_, tokens_, policy_};
    Views views_;
    SiteConfig site_;
    Background later_;
    PageContext ctx_{{views_, site_, time::Zone::stockholm(), policy_, clock_, portal_, tokens_, later_}};
    std::string token_;
    Request req_;
};

TEST_F(PageContextTest, OnTheIoThreadASlowStoreDoesNotHoldThePageAndTheTouchStillHappens) {
    const Timestamp logged_in = last_seen();
    clock_.advance(policy_.session_idle / 2);  // past the touch's grain: this request touches
    store_.hold();
    auto page = std::async(std::launch::async, [this] { return ctx_.login(req_, PoolKind::io); });
    ASSERT_EQ(page.wait_for(5s), std::future_status::ready) << "the page waited for the store's write";
    auto who = page.get();
    ASSERT_TRUE(std::holds_alternative<Authed>(who));
    EXPECT_EQ(last_seen(), logged_in) << "not yet touched: the write is held";
    store_.release();
    later_.drain();
    EXPECT_EQ(last_seen(), clock_.now()) << "the touch was made in the background";
    EXPECT_EQ(store_.writes_asked(), 1);
}

TEST_F(PageContextTest, OnTheWorkPoolTheTouchIsMadeAtOnce) {
    clock_.advance(policy_.session_idle / 2);
    auto who = ctx_.login(req_, PoolKind::work);
    ASSERT_TRUE(std::holds_alternative<Authed>(who));
    EXPECT_EQ(last_seen(), clock_.now());
}

TEST_F(PageContextTest, AnIdleSessionIsRefusedAtOnceOnTheIoThreadAndRemovedInTheBackground) {
    clock_.advance(policy_.session_idle + Seconds{1});
    store_.hold();
    auto page = std::async(std::launch::async, [this] { return ctx_.login(req_, PoolKind::io); });
    ASSERT_EQ(page.wait_for(5s), std::future_status::ready);
    auto who = page.get();
    ASSERT_TRUE(std::holds_alternative<Response>(who));
    EXPECT_EQ(std::get<Response>(who).status, 303) << "to the login: the session has ended";
    EXPECT_TRUE(inner_->begin(ports::TxMode::read)->sessions().find(tokens_.digest(token_)));
    store_.release();
    later_.drain();
    EXPECT_FALSE(inner_->begin(ports::TxMode::read)->sessions().find(tokens_.digest(token_)))
        << "the expired session was removed";
}

TEST_F(PageContextTest, NoSessionCookieGoesToTheLoginWithTheWayBack) {
    Request r;
    r.method = "GET";
    r.path = "/anpassa";
    auto who = ctx_.login(r, PoolKind::work);
    ASSERT_TRUE(std::holds_alternative<Response>(who));
    const auto& res = std::get<Response>(who);
    EXPECT_EQ(res.status, 303);
    ASSERT_FALSE(res.headers.empty());
    EXPECT_EQ(res.headers[0].second, "/logga-in?next=/anpassa");
}

}  // namespace
}  // namespace mina::web
