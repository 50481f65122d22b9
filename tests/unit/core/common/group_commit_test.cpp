// GroupCommit (core/common/group_commit.hpp): writes handed on at once share a transaction; each
// writer hears once, after its write is committed; a write that fails fails alone; and what was
// handed on is committed before the GroupCommit goes.
#include "core/common/group_commit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "unit/fakes.hpp"

namespace mina {
namespace {

AuditEvent event(const std::string& detail) {
    return {from_unix(1'800'000'000), "cli:test", "local", "account.unlocked", "", "", detail};
}

int rows(ports::Store& store) {
    auto tx = store.begin(ports::TxMode::read);
    AuditFilter f;
    f.limit = 10'000;
    return static_cast<int>(tx->audit().query(f).size());
}

TEST(GroupCommit, WritesHandedOnAtOnceShareATransaction) {
    auto store = test::memory_store();
    GroupCommit<oidc::Unit> group(*store);
    // The first write holds the committing thread until the others are waiting.
    std::promise<void> hold;
    auto held = hold.get_future().share();
    std::promise<std::exception_ptr> first;
    std::promise<void> started;
    group.submit(
        [held, &started](oidc::Unit&) {
            started.set_value();
            held.wait();
        },
        [&first](std::exception_ptr e) { first.set_value(e); });
    started.get_future().wait();
    constexpr int kWriters = 64;
    std::vector<std::promise<std::exception_ptr>> heard(kWriters);
    for (int i = 0; i < kWriters; ++i)
        group.submit([i](oidc::Unit& tx) { tx.audit().append(event("w" + std::to_string(i))); },
                     [&heard, i](std::exception_ptr e) { heard[static_cast<std::size_t>(i)].set_value(e); });
    hold.set_value();
    EXPECT_EQ(first.get_future().get(), nullptr);
    for (auto& h : heard) EXPECT_EQ(h.get_future().get(), nullptr);
    EXPECT_EQ(rows(*store), kWriters);
    const auto counts = group.counts();
    EXPECT_EQ(counts.writes, static_cast<std::size_t>(kWriters) + 1);
    EXPECT_EQ(counts.transactions, 2U) << "the first alone, then every one that waited, together";
}

TEST(GroupCommit, AWriteThatFailsFailsAloneAndTheOthersAreCommitted) {
    auto store = test::memory_store();
    GroupCommit<oidc::Unit> group(*store);
    std::promise<void> hold;
    auto held = hold.get_future().share();
    std::promise<std::exception_ptr> first, bad, good;
    // The first write holds the committing thread, so that the next two are taken together.
    group.submit(
        [held](oidc::Unit& tx) {
            held.wait();
            tx.audit().append(event("first"));
        },
        [&first](std::exception_ptr e) { first.set_value(e); });
    group.submit(
        [](oidc::Unit& tx) {
            tx.audit().append(event("bad"));
            throw std::runtime_error("no");
        },
        [&bad](std::exception_ptr e) { bad.set_value(e); });
    group.submit([](oidc::Unit& tx) { tx.audit().append(event("good")); },
                 [&good](std::exception_ptr e) { good.set_value(e); });
    hold.set_value();
    EXPECT_EQ(first.get_future().get(), nullptr);
    EXPECT_NE(bad.get_future().get(), nullptr);
    EXPECT_EQ(good.get_future().get(), nullptr);
    EXPECT_EQ(rows(*store), 2) << "first and good; nothing of bad";
    EXPECT_THROW(group.run([](oidc::Unit&) { throw std::runtime_error("no"); }), std::runtime_error);
    group.run([](oidc::Unit& tx) { tx.audit().append(event("run")); });
    EXPECT_EQ(rows(*store), 3) << "run returns once its write is committed";
}

TEST(GroupCommit, WhatWasHandedOnIsCommittedBeforeItGoes) {
    auto store = test::memory_store();
    std::atomic<int> heard{0};
    {
        GroupCommit<oidc::Unit> group(*store);
        for (int i = 0; i < 20; ++i)
            group.submit([](oidc::Unit& tx) { tx.audit().append(event("x")); },
                         [&heard](const std::exception_ptr& e) { heard += e ? 0 : 1; },
                         i % 2 == 0 ? GroupCommit<oidc::Unit>::Sync::later : GroupCommit<oidc::Unit>::Sync::now);
    }
    EXPECT_EQ(heard.load(), 20);
    EXPECT_EQ(rows(*store), 20);
}

}  // namespace
}  // namespace mina
